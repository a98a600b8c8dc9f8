"""The needs board and the pages committees write their needs on: thin views over the
actions in `actions.py`."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_htmx.middleware import HtmxDetails

from samverkan.accounts.models import READ_ALL_ROLES, STAFF_ROLES, Role, User
from samverkan.core.decorators import public, role_required
from samverkan.core.exports import Column, export_links, export_response, requested_format
from samverkan.core.http import AuthedRequest
from samverkan.core.models import StaleRecordError
from samverkan.core.pagination import paginate

from . import actions
from .filters import MyNeedFilter, NeedFilter
from .forms import NeedEditForm, NeedForm, NeedStatusForm
from .models import Need
from .querysets import needs_coverage, writable_committees

WRITERS = (Role.COMMITTEE, *STAFF_ROLES)
# Fields of the history that tell nothing a person needs to read.
HISTORY_NOISE = ["version", "updated_at", "created_at"]


class HtmxRequest(HttpRequest):
    htmx: HtmxDetails


def _get_need_for_user(request: HttpRequest, pk: int) -> Need:
    """The need, or 404 when this user may not see it (a draft, for the public)."""
    queryset = Need.objects.visible_to(request.user).select_related(
        "committee", "contact_committee"
    )
    return get_object_or_404(queryset, pk=pk)


def _get_need_for_writer(request: AuthedRequest, pk: int) -> Need:
    """The need, 404 when the user may not see it, 403 when they see it but may not write."""
    need = _get_need_for_user(request, pk)
    if not actions.may_write_for(request.user, need.committee_id):
        raise PermissionDenied
    return need


def _can_write(user: Any, need: Need) -> bool:
    return isinstance(user, User) and actions.may_write_for(user, need.committee_id)


def _apply_errors(form: Any, error: ValidationError) -> None:
    """Show an action's refusal on the fields it names, the rest above the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            target = name if name in form.fields else None
            for item in errors:
                form.add_error(target, item.messages)
    else:
        form.add_error(None, error.messages)


def _partial(
    request: HtmxRequest | AuthedRequest, template: str, context: dict[str, Any]
) -> HttpResponse:
    """The whole page, or only its results when htmx asks for them."""
    name = f"{template}#results" if request.htmx else template
    response = render(request, name, context)
    # The same address answers a page or a fragment: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


# The public board ---------------------------------------------------------------------


NEED_COLUMNS = [
    Column(gettext_lazy("Title"), "title"),
    Column(gettext_lazy("Committee"), lambda n: n.committee.name),
    Column(gettext_lazy("Kind"), lambda n: n.get_kind_display()),
    Column(gettext_lazy("Desired partner"), "desired_partner"),
    Column(gettext_lazy("Description"), "description"),
    Column(gettext_lazy("Published"), "published_at"),
]


@public
def need_list(request: HtmxRequest) -> HttpResponseBase:
    queryset = (
        Need.objects.published()
        .select_related("committee")
        .prefetch_related("goals")
        .order_by("-published_at", "-pk")
    )
    filterset = NeedFilter(request.GET, queryset=queryset)
    fmt = requested_format(request)
    if fmt:
        return export_response(filterset.qs, NEED_COLUMNS, fmt=fmt, filename="needs")
    context = {
        "filter": filterset,
        "page": paginate(request, filterset.qs),
        "exports": export_links(request),
    }
    return _partial(request, "needs/list.html", context)


@public
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    need = _get_need_for_user(request, pk)
    can_write = _can_write(request.user, need)
    context: dict[str, Any] = {
        "need": need,
        "goals": list(need.goals.all()),
        "can_write": can_write,
        "reads_all": isinstance(request.user, User) and request.user.reads_everything,
        "is_member": isinstance(request.user, User) and request.user.has_role(Role.COMMITTEE),
    }
    if can_write:
        context["transitions"] = [Need.Status(s) for s in need.allowed_transitions()]
    return render(request, "needs/detail.html", context)


# Writing needs ------------------------------------------------------------------------


@role_required(*WRITERS)
def mine(request: AuthedRequest) -> HttpResponse:
    """Committee members' needs in every status; coordinators see every committee's."""
    queryset = (
        Need.objects.editable_by(request.user)
        .select_related("committee", "contact_committee")
        .order_by("-updated_at", "-pk")
    )
    filterset = MyNeedFilter(request.GET, queryset=queryset, request=request)
    context = {
        "filter": filterset,
        "page": paginate(request, filterset.qs),
    }
    return _partial(request, "needs/mine.html", context)


@role_required(*WRITERS)
def new(request: AuthedRequest) -> HttpResponse:
    user = request.user
    committees = list(writable_committees(user)[:2])
    if request.method == "POST":
        form = NeedForm(request.POST, user=user)
        if form.is_valid():
            try:
                need = actions.do_save_need(user, form.need_data())
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("The need is saved."))
                return redirect(need)
    else:
        initial = {"committee": request.GET.get("committee", "")}
        if not initial["committee"] and len(committees) == 1:
            initial["committee"] = committees[0].slug
        form = NeedForm(initial=initial, user=user)
    return render(
        request,
        "needs/form.html",
        {"form": form, "need": None, "has_committees": bool(committees)},
    )


@role_required(*WRITERS)
def edit(request: AuthedRequest, pk: int) -> HttpResponse:
    need = _get_need_for_writer(request, pk)
    if request.method == "POST":
        form = NeedEditForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                actions.do_save_need(
                    request.user,
                    form.need_data(),
                    need=need,
                    expected_version=form.cleaned_data["version"],
                )
            except StaleRecordError as error:
                form.add_error(None, str(error))
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("The need is saved."))
                return redirect(need)
    else:
        form = NeedEditForm(initial=NeedForm.initial_for(need), user=request.user)
    return render(request, "needs/form.html", {"form": form, "need": need, "has_committees": True})


@require_POST
@role_required(*WRITERS)
def change_status(request: AuthedRequest, pk: int) -> HttpResponse:
    need = _get_need_for_writer(request, pk)
    form = NeedStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose draft, published or closed."))
    else:
        try:
            need = actions.do_change_need_status(
                need,
                request.user,
                form.cleaned_data["status"],
                expected_version=form.cleaned_data["version"],
            )
        except StaleRecordError as error:
            messages.error(request, str(error))
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("The need is now “%(status)s”.") % {"status": need.get_status_display()},
            )
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(need)


# Oversight ----------------------------------------------------------------------------


@role_required(*READ_ALL_ROLES, Role.COMMITTEE)
def coverage(request: AuthedRequest) -> HttpResponse:
    """Which committees have described at least one published need."""
    return render(request, "needs/coverage.html", {"coverage": needs_coverage()})


@role_required(*READ_ALL_ROLES, Role.COMMITTEE)
def history(request: AuthedRequest, pk: int) -> HttpResponse:
    need = _get_need_for_user(request, pk)
    records = list(need.history.select_related("history_user").order_by("history_date"))
    entries = []
    for previous, record in zip([None, *records[:-1]], records, strict=True):
        changes = []
        if previous is not None:
            delta = record.diff_against(
                previous, excluded_fields=HISTORY_NOISE, foreign_keys_are_objs=True
            )
            for change in delta.changes:
                field = Need._meta.get_field(change.field)
                changes.append(
                    {
                        "field": getattr(field, "verbose_name", change.field),
                        "old": _readable(field, change.old),
                        "new": _readable(field, change.new),
                    }
                )
        entries.append({"record": record, "changes": changes})
    entries.reverse()
    return render(request, "needs/history.html", {"need": need, "entries": entries})


def _readable(field: Any, value: Any) -> str:
    """A value of the history as a person reads it: labels, names, goal numbers."""
    if field.name == "goals":
        numbers = sorted(str(getattr(row["goal"], "number", "?")) for row in value)
        return ", ".join(numbers)
    if getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))
    if value is None:
        return ""
    return str(getattr(value, "name", value))
