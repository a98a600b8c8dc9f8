"""The public transparency register: pages, exports and the feed read RegisterEntry only."""

import csv
import json
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.syndication.views import Feed
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from samverkan.accounts.models import READ_ALL_ROLES, STAFF_ROLES, Role, User
from samverkan.collaborations.access import get_collaboration_for_user
from samverkan.core.decorators import public, role_required
from samverkan.core.exports import Column, export_response
from samverkan.core.http import AuthedRequest
from samverkan.core.models import Infrastructure
from samverkan.core.pagination import paginate
from samverkan.orgs.models import Committee

from . import actions
from .choices import PublicField
from .filters import RegisterFilter
from .forms import CorrectionForm, HiddenFieldsForm
from .models import RegisterEntry

EXPORT_COLUMNS = [
    "id",
    "title",
    "summary",
    "kind",
    "status",
    "start_date",
    "end_date",
    "infrastructure_parties",
    "companies",
    "committees",
    "centres",
    "goals",
    "funding_applied",
    "funding_granted",
    "published_at",
    "changed_at",
    "url",
]


def published_entries() -> QuerySet[RegisterEntry]:
    return RegisterEntry.objects.published().prefetch_related(
        Prefetch("committees", queryset=Committee.objects.order_by("name_sv")),
        "centres",
        "goals",
    )


def filtered(request: HttpRequest) -> RegisterFilter:
    return RegisterFilter(request.GET, queryset=published_entries())


@public
def entry_list(request: HttpRequest) -> HttpResponse:
    filterset = filtered(request)
    page = paginate(request, filterset.qs)
    template = (
        "register/list.html#results" if getattr(request, "htmx", False) else "register/list.html"
    )
    query = request.GET.urlencode()
    response = render(request, template, {"filter": filterset, "page": page, "query": query})
    patch_vary_headers(response, ["HX-Request"])
    return response


def _entry_for(request: HttpRequest, collaboration_id: int) -> RegisterEntry:
    """A published entry for anyone; one in preview only for its parties and staff."""
    entry: RegisterEntry = get_object_or_404(
        RegisterEntry.objects.prefetch_related("committees", "centres", "goals", "changes"),
        collaboration_id=collaboration_id,
    )
    if entry.state == RegisterEntry.State.PUBLISHED:
        return entry
    user = request.user
    if isinstance(user, User) and user.is_active:
        if user.has_role(*READ_ALL_ROLES):
            return entry
        if user.role == Role.COMPANY and user.organisation is not None:
            parties = entry.collaboration.parties.filter(organisation=user.organisation)
            if parties.exists():
                return entry
    raise Http404


@public
def entry(request: HttpRequest, collaboration_id: int) -> HttpResponse:
    register_entry = _entry_for(request, collaboration_id)
    context: dict[str, Any] = {"entry": register_entry}
    user = request.user
    if register_entry.state == RegisterEntry.State.PREVIEW and user.is_authenticated:
        context["correction_form"] = CorrectionForm(
            user=user,
            collaboration=register_entry.collaboration,
        )
    return render(request, "register/entry.html", context)


@require_POST
@role_required(Role.COMPANY, *STAFF_ROLES)
def request_correction(request: AuthedRequest, collaboration_id: int) -> HttpResponse:
    register_entry = _entry_for(request, collaboration_id)
    form = CorrectionForm(
        request.POST, user=request.user, collaboration=register_entry.collaboration
    )
    if form.is_valid():
        try:
            actions.do_request_correction(
                register_entry.collaboration,
                request.user,
                form.cleaned_data["organisation"],
                form.cleaned_data["text"],
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(
                request, " ".join(getattr(error, "messages", [_("You may not do this.")]))
            )
        else:
            messages.success(request, _("Your request for a correction is sent."))
    else:
        messages.error(request, _("Say what should be corrected."))
    return redirect(register_entry)


def _row(entry: RegisterEntry, base_url: str) -> dict[str, Any]:
    applied: dict[str, float] = {}
    granted: dict[str, float] = {}
    for item in entry.funding:
        applied[item["currency"]] = applied.get(item["currency"], 0) + float(item["applied"])
        granted[item["currency"]] = granted.get(item["currency"], 0) + float(item["granted"])
    return {
        "id": entry.collaboration_id,
        "title": entry.title,
        "summary": entry.summary,
        "kind": entry.kind,
        "status": entry.status,
        "start_date": entry.start_date.isoformat() if entry.start_date else "",
        "end_date": entry.end_date.isoformat() if entry.end_date else "",
        "infrastructure_parties": entry.parties_text,
        "companies": entry.companies_text,
        "committees": ", ".join(c.slug for c in entry.committees.all()),
        "centres": ", ".join(g.slug for g in entry.centres.all()),
        "goals": ", ".join(str(g.number) for g in entry.goals.all()),
        "funding_applied": "; ".join(f"{v:.2f} {k}" for k, v in sorted(applied.items())),
        "funding_granted": "; ".join(f"{v:.2f} {k}" for k, v in sorted(granted.items())),
        "published_at": entry.published_at.isoformat() if entry.published_at else "",
        "changed_at": entry.changed_at.isoformat() if entry.changed_at else "",
        "url": base_url + entry.get_absolute_url(),
    }


def _all_rows(request: HttpRequest) -> Iterator[dict[str, Any]]:
    """Every entry of the filtered set, read in chunks (prefetching per chunk)."""
    base = request.build_absolute_uri("/").rstrip("/")
    queryset = filtered(request).qs
    for start in range(0, 10**9, 500):
        chunk = list(queryset[start : start + 500])
        if not chunk:
            return
        for item in chunk:
            yield _row(item, base)


class _Echo:
    def write(self, value: str) -> str:
        return value


@public
def export_csv(request: HttpRequest) -> StreamingHttpResponse:
    writer = csv.DictWriter(_Echo(), fieldnames=EXPORT_COLUMNS)

    def lines() -> Iterator[str]:
        yield "\ufeff" + str(writer.writeheader())
        for row in _all_rows(request):
            yield str(writer.writerow(row))

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="samverkan-register.csv"'
    return response


@public
def export_json(request: HttpRequest) -> StreamingHttpResponse:
    def chunks() -> Iterator[str]:
        yield "["
        for index, row in enumerate(_all_rows(request)):
            yield ("," if index else "") + json.dumps(row, ensure_ascii=False)
        yield "]"

    response = StreamingHttpResponse(chunks(), content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="samverkan-register.json"'
    return response


@public
def export_xlsx(request: HttpRequest) -> HttpResponse:
    """The filtered set as an Excel workbook, through the shared export helper."""
    columns = [Column(name, name) for name in EXPORT_COLUMNS]
    return export_response(
        list(_all_rows(request)), columns, fmt="xlsx", filename="samverkan-register"
    )


class RegisterFeed(Feed):
    """New and changed entries, newest change first."""

    feed_type = Atom1Feed
    title = gettext_lazy("Samverkan: collaborations in the transparency register")

    def subtitle(self) -> str:
        return _("Collaborations between %(name)s and industry.") % {
            "name": Infrastructure.current().name
        }

    def link(self) -> str:
        return reverse("register:list")

    def items(self) -> list[RegisterEntry]:
        entries = RegisterEntry.objects.published().order_by(
            Coalesce("changed_at", "published_at").desc(nulls_last=True), "-pk"
        )
        return list(entries[:50])

    def item_title(self, item: RegisterEntry) -> str:
        return item.title

    def item_description(self, item: RegisterEntry) -> str:
        return item.summary

    def item_link(self, item: RegisterEntry) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item: RegisterEntry) -> Any:
        return item.published_at

    def item_updateddate(self, item: RegisterEntry) -> Any:
        return item.changed_at or item.published_at or timezone.now()


feed = public(RegisterFeed())


@role_required(*STAFF_ROLES)
def manage(request: AuthedRequest, collaboration_id: int) -> HttpResponse:
    """Coordinators decide what is published and start the publication."""
    collaboration = get_collaboration_for_user(request.user, collaboration_id)
    register_entry = RegisterEntry.objects.filter(collaboration=collaboration).first()
    form = HiddenFieldsForm(
        request.POST or None, initial={"hidden": collaboration.hidden_register_fields}
    )
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "fields" and form.is_valid():
                actions.do_set_hidden_fields(
                    collaboration, request.user, form.cleaned_data["hidden"]
                )
                messages.success(request, _("The public fields are saved."))
            elif action == "publish":
                actions.do_start_publication(collaboration, request.user)
                messages.success(
                    request, _("The parties can now see the entry and ask for corrections.")
                )
            elif action == "unpublish":
                actions.do_unpublish(collaboration, request.user)
                messages.success(request, _("The collaboration is removed from the register."))
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        return redirect("register:manage", collaboration_id=collaboration.pk)
    return render(
        request,
        "register/manage.html",
        {
            "collaboration": collaboration,
            "entry": register_entry,
            "form": form,
            "fields": PublicField.choices,
            "corrections": collaboration.corrections.select_related("organisation", "requested_by"),
        },
    )
