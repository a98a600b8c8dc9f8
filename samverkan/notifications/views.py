from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from samverkan.accounts.models import Role
from samverkan.core.decorators import public, role_required
from samverkan.core.http import AuthedRequest
from samverkan.core.pagination import paginate

from . import actions
from .calendar import build_calendar
from .models import CalendarFeed, Delivery, Event, Notification, Preference

ALL_ROLES = tuple(Role.values)


class PreferencesForm(forms.Form):
    def __init__(self, data: object = None, *, initial: dict[str, str]) -> None:
        super().__init__(data, initial=initial)  # type: ignore[arg-type]
        for event in Event:
            self.fields[event.value] = forms.ChoiceField(
                label=event.label,
                choices=Delivery.choices,
                widget=forms.RadioSelect,
                initial=Delivery.IMMEDIATELY,
            )


@role_required(*ALL_ROLES)
def notification_list(request: AuthedRequest) -> HttpResponse:
    notifications = Notification.objects.filter(user=request.user)
    return render(
        request,
        "notifications/list.html",
        {
            "page": paginate(request, notifications),
            "unread": notifications.filter(read_at__isnull=True).count(),
        },
    )


@require_POST
@role_required(*ALL_ROLES)
def mark_read(request: AuthedRequest) -> HttpResponse:
    actions.do_mark_read(request.user)
    return redirect("notifications:list")


@role_required(*ALL_ROLES)
def preferences(request: AuthedRequest) -> HttpResponse:
    current = dict(Preference.objects.filter(user=request.user).values_list("event", "delivery"))
    if request.method == "POST" and request.POST.get("renew_calendar"):
        actions.do_renew_calendar_token(request.user)
        messages.success(
            request, _("Your calendar has a new address; the old one no longer works.")
        )
        return redirect("notifications:preferences")
    form = PreferencesForm(request.POST or None, initial=current)
    if request.method == "POST" and form.is_valid():
        actions.do_set_preferences(request.user, form.cleaned_data)
        messages.success(request, _("Your choices are saved."))
        return redirect("notifications:preferences")
    feed = actions.calendar_feed_for(request.user)
    calendar_url = request.build_absolute_uri(f"/notifications/calendar/{feed.token}.ics")
    return render(
        request,
        "notifications/preferences.html",
        {
            "form": form,
            "calendar_url": calendar_url,
        },
    )


@public
def calendar(request: HttpRequest, token: str) -> HttpResponse:
    """The personal calendar feed; the secret address is the only credential."""
    feed = get_object_or_404(CalendarFeed.objects.select_related("user"), token=token)
    if not feed.user.is_active:
        return HttpResponse(status=404)
    body = build_calendar(feed.user, timezone.localdate())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=900"
    return response
