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
from samverkan.collaborations.models import Collaboration
from samverkan.core.decorators import public, role_required
from samverkan.core.exports import Column, export_links, export_response, requested_format
from samverkan.core.http import AuthedRequest
from samverkan.core.models import Infrastructure, StaleRecordError
from samverkan.core.pagination import paginate
from samverkan.inquiries.models import Inquiry
from samverkan.register.models import RegisterEntry

from . import actions
from .filters import MyNeedFilter, NeedFilter
from .forms import LinkCollaborationForm, NeedEditForm, NeedForm, NeedStatusForm
from .models import Need
from .querysets import needs_coverage, writable_centres, writable_committees

WRITERS = (Role.COMMITTEE, *STAFF_ROLES)
# Fields of the history that tell nothing a person needs to read.
HISTORY_NOISE = ["version", "updated_at", "created_at"]


class HtmxRequest(HttpRequest):
    htmx: HtmxDetails


def _get_need_for_user(request: HttpRequest, pk: int) -> Need:
    """The need, or 404 when this user may not see it (a draft, for the public)."""
    queryset = (
        Need.objects.visible_to(request.user)
        .with_state()
        .with_activity_counts()
        .select_related("committee", "centre", "contact_committee", "met_by")
    )
    return get_object_or_404(queryset, pk=pk)


def _get_need_for_writer(request: AuthedRequest, pk: int) -> Need:
    """The need, 404 when the user may not see it, 403 when they see it but may not write."""
    need = _get_need_for_user(request, pk)
    if not actions.may_write(request.user, need):
        raise PermissionDenied
    return need


def _can_write(user: Any, need: Need) -> bool:
    return isinstance(user, User) and actions.may_write(user, need)


def _activities(user: Any, need: Need) -> dict[str, Any]:
    """What answers the need, as far as this user may see it: the inquiries and
    collaborations they can open, the public register entries of the others, and the
    number of each in all, annotated on the need (anonymous visitors see only the numbers
    and the public entries)."""
    inquiries = (
        Inquiry.objects.visible_to(user)
        .filter(need=need)
        .select_related("organisation")
        .order_by("-created_at", "-pk")
        if isinstance(user, User)
        else Inquiry.objects.none()
    )
    collaborations = list(
        Collaboration.objects.visible_to(user)
        .filter(need_links__need=need)
        .order_by("-created_at", "-pk")
        if isinstance(user, User)
        else []
    )
    seen = [c.pk for c in collaborations]
    entries = (
        RegisterEntry.objects.published()
        .filter(collaboration__need_links__need=need)
        .exclude(collaboration_id__in=seen)
        .order_by("title", "pk")
    )
    return {
        "inquiries": list(inquiries),
        "collaborations": collaborations,
        "public_entries": list(entries),
    }


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
    Column(gettext_lazy("Committee or centre"), lambda n: n.owner.name),
    Column(gettext_lazy("State"), lambda n: n.get_state_display()),
    Column(gettext_lazy("Kind"), lambda n: n.get_kind_display()),
    Column(gettext_lazy("Desired partner"), "desired_partner"),
    Column(gettext_lazy("Description"), "description"),
    Column(gettext_lazy("Published"), "published_at"),
]


@public
def need_list(request: HtmxRequest) -> HttpResponseBase:
    # The board shows what companies can answer; a visitor may also look at what was met.
    base = Need.objects.public() if request.GET.get("state") else Need.objects.published()
    queryset = (
        base.with_state()
        .select_related("committee", "centre")
        .prefetch_related("goals")
        .order_by("-published_at", "-pk")
    )
    filterset = NeedFilter(request.GET, queryset=queryset)
    fmt = requested_format(request)
    if fmt:
        return export_response(
            filterset.qs, NEED_COLUMNS, fmt=fmt, filename="needs", request=request
        )
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
        **_activities(request.user, need),
    }
    if can_write and isinstance(request.user, User):
        context["transitions"] = [Need.Status(s) for s in need.allowed_transitions()]
        if need.status in actions.LINKABLE:
            context["link_form"] = LinkCollaborationForm(user=request.user, need=need)
    return render(request, "needs/detail.html", context)


# Writing needs ------------------------------------------------------------------------


@role_required(*WRITERS)
def mine(request: AuthedRequest) -> HttpResponse:
    """Committee members' needs in every status; coordinators see every committee's."""
    queryset = (
        Need.objects.editable_by(request.user)
        .with_state()
        .select_related("committee", "centre", "contact_committee")
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
    centres = list(writable_centres(user)[:2])
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
        initial = {
            "committee": request.GET.get("committee", ""),
            "centre": request.GET.get("centre", ""),
        }
        # Someone who writes for one committee only, or one centre only, starts with it.
        if not initial["committee"] and not initial["centre"]:
            if len(committees) == 1 and not centres:
                initial["committee"] = committees[0].slug
            elif len(centres) == 1 and not committees:
                initial["centre"] = centres[0].slug
        form = NeedForm(initial=initial, user=user)
    return render(
        request,
        "needs/form.html",
        {"form": form, "need": None, "has_committees": bool(committees or centres)},
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
        messages.error(request, _("Choose draft, published, met or closed."))
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


def _link_change(request: AuthedRequest, pk: int, *, link: bool) -> HttpResponse:
    need = _get_need_for_writer(request, pk)
    form = LinkCollaborationForm(request.POST, user=request.user, need=need)
    if link and not form.is_valid():
        messages.error(request, _("Choose a collaboration you can see."))
        return redirect(need)
    if link:
        collaboration = form.cleaned_data["collaboration"]
    else:
        visible = Collaboration.objects.visible_to(request.user)
        collaboration = get_object_or_404(visible, pk=request.POST.get("collaboration") or 0)
    try:
        if link:
            actions.do_link_collaboration(need, request.user, collaboration)
            messages.success(request, _("The collaboration now answers the need."))
        else:
            actions.do_unlink_collaboration(need, request.user, collaboration)
            messages.success(request, _("The collaboration no longer answers the need."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect(need)


@require_POST
@role_required(*WRITERS)
def link_collaboration(request: AuthedRequest, pk: int) -> HttpResponse:
    """Record that a collaboration answers the need."""
    return _link_change(request, pk, link=True)


@require_POST
@role_required(*WRITERS)
def unlink_collaboration(request: AuthedRequest, pk: int) -> HttpResponse:
    """Remove a link to a collaboration made by mistake."""
    return _link_change(request, pk, link=False)


# Oversight ----------------------------------------------------------------------------


@role_required(*READ_ALL_ROLES, Role.COMMITTEE)
def coverage(request: AuthedRequest) -> HttpResponse:
    """Which committees have described at least one need, and which needs have led to
    an inquiry or a collaboration."""
    coverage = needs_coverage()
    tables = [
        (coverage.committees, _("Committee"), _("Needs per committee")),
        (coverage.centres, Infrastructure.current().centres_label, _("Needs per regional centre")),
    ]
    return render(request, "needs/coverage.html", {"coverage": coverage, "tables": tables})


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
