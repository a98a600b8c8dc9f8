"""The public transparency register: pages, exports and the feed read RegisterEntry only."""

import json
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.syndication.views import Feed
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.cache import patch_vary_headers
from django.utils.feedgenerator import Atom1Feed
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from samverkan.accounts.models import READ_ALL_ROLES, STAFF_ROLES, Role, User
from samverkan.collaborations.access import get_collaboration_for_user
from samverkan.collaborations.links import request_for_token
from samverkan.collaborations.models import PartyRequestPurpose
from samverkan.core.decorators import public, role_required
from samverkan.core.exports import export_response, in_request_rows
from samverkan.core.http import AuthedRequest
from samverkan.core.models import Infrastructure
from samverkan.core.pagination import paginate
from samverkan.lib.spreadsheets import SafeDictWriter

from . import actions, exporting
from . import cache as register_cache
from .filters import RegisterFilter, companies_named
from .forms import CorrectionForm, PartyCorrectionForm, WithdrawForm, WithheldFieldsForm
from .models import RegisterEntry


def withdrawal_text(entry: RegisterEntry) -> str:
    """What a withdrawn entry's stub says, in the active language."""
    when = formats.date_format(timezone.localtime(entry.withdrawn_at), "SHORT_DATE_FORMAT")
    text = _("Withdrawn on %(date)s: the collaboration never really started. Reason: %(reason)s")
    return text % {"date": when, "reason": entry.withdrawal_reason}


def filtered(request: HttpRequest) -> RegisterFilter:
    return RegisterFilter(request.GET, queryset=exporting.published_entries())


@public
def entry_list(request: HttpRequest) -> HttpResponse:
    def build() -> dict[str, str]:
        filterset = filtered(request)
        # The cards show no committee, centre or goal: no need to fetch them.
        page = paginate(request, filterset.qs.prefetch_related(None))
        context = {"filter": filterset, "page": page, "query": request.GET.urlencode()}
        return {
            part: render_to_string(f"register/list.html#{part}", context, request)
            for part in ("filters", "results")
        }

    # The same for everyone, so rendered once until the register changes.
    if getattr(request, "htmx", False):
        response = HttpResponse(register_cache.fragments(request, "list", build)["results"])
    else:

        def page(extra: dict[str, Any]) -> HttpResponse:
            parts = register_cache.fragments(request, "list", build)
            safe = {name: mark_safe(html) for name, html in parts.items()}  # noqa: S308 - ours
            return render(request, "register/list.html", {"parts": safe, **extra})

        response = register_cache.visitor_page(request, "list", page)
    patch_vary_headers(response, ["HX-Request"])
    return response


@public
def company_names(request: HttpRequest) -> HttpResponse:
    """Suggestions for the company search: the options of a datalist."""
    names = companies_named(request.GET.get("company_name", ""))
    return render(request, "register/_company_names.html", {"names": names})


def _entry_for(request: HttpRequest, collaboration_id: int) -> RegisterEntry:
    """A published entry for anyone; one in preview only for its parties and staff."""
    entry: RegisterEntry = get_object_or_404(
        RegisterEntry.objects.prefetch_related("committees", "centres", "goals", "changes"),
        collaboration_id=collaboration_id,
    )
    if entry.is_public:
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
def confirm(request: AuthedRequest, collaboration_id: int) -> HttpResponse:
    """A signed-in party confirms the preview for its organisation."""
    register_entry = _entry_for(request, collaboration_id)
    form = CorrectionForm(
        request.POST, user=request.user, collaboration=register_entry.collaboration
    )
    form.fields["text"].required = False
    if form.is_valid():
        try:
            actions.do_confirm_register_entry(
                register_entry.collaboration,
                form.cleaned_data["organisation"],
                actor=request.user,
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(
                request, " ".join(getattr(error, "messages", [_("You may not do this.")]))
            )
        else:
            messages.success(request, _("Thank you: the entry is confirmed."))
    return redirect(register_entry)


@public
def party_link(request: HttpRequest, token: str) -> HttpResponse:
    """A party's contact person checks the preview through a personal link: confirm, or
    ask for a correction, recorded as that contact."""
    party_request = request_for_token(token)
    if party_request is None or party_request.purpose != PartyRequestPurpose.CONFIRM_REGISTER:
        return render(request, "collaborations/party_link_invalid.html", status=404)
    register_entry = (
        RegisterEntry.objects.prefetch_related("committees", "centres", "goals", "changes")
        .filter(collaboration=party_request.collaboration)
        .first()
    )
    if register_entry is None:
        return render(request, "collaborations/party_link_invalid.html", status=404)
    form = PartyCorrectionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            if request.POST.get("action") == "confirm":
                actions.do_confirm_register_entry(
                    party_request.collaboration,
                    party_request.organisation,
                    contact=party_request.contact,
                )
                messages.success(request, _("Thank you: the entry is confirmed."))
            else:
                actions.do_request_correction(
                    party_request.collaboration,
                    None,
                    party_request.organisation,
                    form.cleaned_data["text"],
                    contact=party_request.contact,
                )
                messages.success(request, _("Your request for a correction is sent."))
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        return redirect(request.path)
    party_request.refresh_from_db()
    return render(
        request,
        "register/party_link.html",
        {"entry": register_entry, "party_request": party_request, "form": form},
    )


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


def _all_rows(request: HttpRequest) -> Iterator[dict[str, Any]]:
    return exporting.export_rows(filtered(request).qs, request.build_absolute_uri("/").rstrip("/"))


class _Echo:
    def write(self, value: str) -> str:
        return value


@public
def export_csv(request: HttpRequest) -> StreamingHttpResponse:
    writer = SafeDictWriter(_Echo(), fieldnames=exporting.EXPORT_COLUMNS)

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
def export_xlsx(request: HttpRequest) -> HttpResponseBase:
    """The filtered set as an Excel workbook: written here when it is short, else the whole
    register's workbook that the worker keeps (the previous one while it writes anew)."""
    entries = filtered(request).qs
    whole = not any(value for key, value in request.GET.items() if key != "page")
    if whole and (workbook := exporting.whole_register_workbook()) is not None:
        return FileResponse(
            workbook.file.open("rb"),
            as_attachment=True,
            filename=exporting.workbook_filename(workbook),
        )
    count = entries.count()
    if count <= in_request_rows():
        return export_response(
            _all_rows(request),
            exporting.WORKBOOK_COLUMNS,
            fmt="xlsx",
            filename=exporting.WORKBOOK_NAME,
        )
    context = {
        "count": count,
        "limit": in_request_rows(),
        "whole": whole,
        "query": request.GET.urlencode(),
    }
    response = render(
        request, "register/workbook_waiting.html", context, status=503 if whole else 200
    )
    if whole:
        response["Retry-After"] = "60"
    return response


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
        entries = RegisterEntry.objects.public().order_by(
            Coalesce("withdrawn_at", "changed_at", "published_at").desc(nulls_last=True), "-pk"
        )
        return list(entries[:50])

    def item_title(self, item: RegisterEntry) -> str:
        if item.state == RegisterEntry.State.WITHDRAWN:
            return _("Withdrawn: %(title)s") % {"title": item.title}
        return item.title

    def item_description(self, item: RegisterEntry) -> str:
        if item.state == RegisterEntry.State.WITHDRAWN:
            return withdrawal_text(item)
        return item.summary

    def item_link(self, item: RegisterEntry) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item: RegisterEntry) -> Any:
        return item.published_at

    def item_updateddate(self, item: RegisterEntry) -> Any:
        return item.withdrawn_at or item.changed_at or item.published_at or timezone.now()


feed = public(RegisterFeed())


@role_required(*STAFF_ROLES)
def manage(request: AuthedRequest, collaboration_id: int) -> HttpResponse:
    """Coordinators withhold what the reference data allows, see the correction period
    and, for a collaboration that never really started, withdraw it with a reason."""
    collaboration = get_collaboration_for_user(request.user, collaboration_id)
    register_entry = RegisterEntry.objects.filter(collaboration=collaboration).first()
    reasons = actions.withholding_reasons()
    fields_form = WithheldFieldsForm(
        request.POST if request.POST.get("action") == "fields" else None,
        fields=actions.withholdable_fields(),
        reasons=[(slug, actions.reason_label(slug, reasons)) for slug in reasons],
        initial=collaboration.withheld_register_fields,
    )
    withdraw_form = WithdrawForm(request.POST if request.POST.get("action") == "withdraw" else None)
    if request.method == "POST":
        try:
            if fields_form.is_bound and fields_form.is_valid():
                actions.do_withhold_fields(collaboration, request.user, fields_form.withheld())
                messages.success(request, _("The public fields are saved."))
            elif withdraw_form.is_bound and withdraw_form.is_valid():
                actions.do_withdraw_from_register(
                    collaboration, request.user, withdraw_form.cleaned_data["reason"]
                )
                messages.success(request, _("The entry is withdrawn; a public stub remains."))
            else:
                messages.error(request, _("Check the form."))
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
            "fields_form": fields_form,
            "withdraw_form": withdraw_form,
            "may_withdraw": register_entry is not None
            and register_entry.state != RegisterEntry.State.WITHDRAWN
            and collaboration.never_really_started(),
            "corrections": collaboration.corrections.select_related(
                "organisation", "requested_by", "requested_by_contact"
            ),
            "confirmations": collaboration.register_confirmations.select_related("organisation"),
        },
    )
