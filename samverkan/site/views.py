"""Pages that gather several apps: the home page, where a person lands after login, and a
company user's own page with its organisation's work."""

from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from samverkan.accounts.filters import LinkRequestFilter
from samverkan.accounts.models import STAFF_ROLES, OrganisationLinkRequest, Role, User
from samverkan.agreements.models import Agreement
from samverkan.collaborations.models import (
    Approval,
    Collaboration,
    CommunicationActivity,
    FollowUp,
    FollowUpAnswer,
)
from samverkan.core.decorators import public, role_required
from samverkan.core.exports import CONTENT_TYPES, XLSX
from samverkan.core.http import AuthedRequest
from samverkan.core.models import ListExport
from samverkan.core.pagination import paginate
from samverkan.inquiries.models import Inquiry
from samverkan.needs.models import Need
from samverkan.orgs import linking
from samverkan.orgs.forms import LinkDecisionForm, LinkRequestForm


@public
def home(request: HttpRequest) -> HttpResponse:
    needs = Need.objects.published().select_related("committee", "centre")[:5]
    return render(request, "core/home.html", {"needs": needs})


@role_required(*Role.values)
def dashboard(request: AuthedRequest) -> HttpResponse:
    """Where a person lands after login: their own work first."""
    if request.user.role == Role.COMPANY:
        return redirect("accounts:home")
    return redirect("inquiries:list")


@public
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "core/accessibility.html")


# A company user's own page ---------------------------------------------------------------

# The home page shows the latest rows of each list and links to the full list.
HOME_ROWS = 20


def _latest(queryset: Any) -> tuple[list[Any], bool]:
    """Up to HOME_ROWS rows, and whether there are more, in one query."""
    rows = list(queryset[: HOME_ROWS + 1])
    return rows[:HOME_ROWS], len(rows) > HOME_ROWS


def _drafts_to_approve(user: User, organisation_id: int) -> Any:
    """Communication drafts the organisation still has to approve."""
    # The organisation must approve a draft when it is a party to a signed agreement of the
    # collaboration (collaborations.actions.required_approvers) and has not yet answered
    # the current text.
    signed_party = Agreement.objects.filter(
        collaboration=OuterRef("collaboration_id"),
        status=Agreement.Status.SIGNED,
        parties=organisation_id,
    )
    decided = Approval.objects.filter(
        activity=OuterRef("pk"),
        organisation_id=organisation_id,
        text_version=OuterRef("text_version"),
    )
    return (
        CommunicationActivity.objects.filter(
            approved_at__isnull=True, collaboration__in=Collaboration.objects.visible_to(user)
        )
        .filter(Exists(signed_party))
        .exclude(Exists(decided))
    )


def _organisation_work(user: User, organisation_id: int) -> dict[str, Any]:
    """What a linked company user's organisation has going, in a fixed number of queries."""
    collaborations = Collaboration.objects.visible_to(user)
    inquiries, more_inquiries = _latest(
        Inquiry.objects.visible_to(user).order_by("-created_at", "-pk")
    )
    collaboration_rows, more_collaborations = _latest(collaborations.order_by("-created_at", "-pk"))
    answered = FollowUpAnswer.objects.filter(
        follow_up=OuterRef("pk"), organisation_id=organisation_id
    )
    follow_ups = (
        FollowUp.objects.pending()
        .filter(collaboration__in=collaborations)
        .exclude(Exists(answered))
        .select_related("collaboration")
        .order_by("due_date", "pk")
    )
    drafts = (
        _drafts_to_approve(user, organisation_id)
        .select_related("collaboration")
        .order_by("planned_date", "pk")
    )
    return {
        "inquiries": inquiries,
        "more_inquiries": more_inquiries,
        "collaborations": collaboration_rows,
        "more_collaborations": more_collaborations,
        "follow_ups": list(follow_ups),
        "drafts": list(drafts),
        "today": timezone.localdate(),
    }


def _home_page(request: AuthedRequest, form: LinkRequestForm | None = None) -> HttpResponse:
    user = request.user
    context: dict[str, Any] = {"mfa_enabled": is_mfa_enabled(user)}
    if user.organisation_id is not None:
        context["organisation"] = user.organisation
        context.update(_organisation_work(user, user.organisation_id))
    else:
        link_requests = list(user.link_requests.select_related("organisation"))
        pending = next((r for r in link_requests if r.is_pending), None)
        context["link_requests"] = link_requests
        context["pending"] = pending
        if pending is None:
            context["form"] = form or LinkRequestForm()
    return render(request, "accounts/home.html", context)


@role_required(Role.COMPANY)
def account_home(request: AuthedRequest) -> HttpResponse:
    """A company user's own page: their organisation's work, or the way to be linked."""
    return _home_page(request)


@require_POST
@role_required(Role.COMPANY)
def request_link(request: AuthedRequest) -> HttpResponse:
    form = LinkRequestForm(request.POST)
    if form.is_valid():
        try:
            linking.do_request_organisation_link(
                request.user,
                form.link_request_data(),
                language=get_language() or settings.LANGUAGE_CODE,
            )
        except ValidationError as error:
            if getattr(error, "code", None) in {"linked", "pending"}:
                # The page no longer shows the form; it shows the link or the request.
                messages.error(request, error.messages[0])
                return redirect("accounts:home")
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Your request is sent. A coordinator will link your account and tell you."),
            )
            return redirect("accounts:home")
    return _home_page(request, form)


# Coordinators decide link requests ---------------------------------------------------------


def _get_link_request_for_user(user: User, pk: int) -> OrganisationLinkRequest:
    """The request, or 404 when this user may not decide link requests."""
    queryset = OrganisationLinkRequest.objects.none()
    if user.has_role(*STAFF_ROLES):
        queryset = OrganisationLinkRequest.objects.select_related(
            "user", "organisation", "decided_by"
        )
    return get_object_or_404(queryset, pk=pk)


@role_required(*Role.values)
def nav_counts(request: AuthedRequest) -> JsonResponse:
    """What waits for this person, for the counts beside the menu's links.

    Fetched by the page after it has loaded, so no page pays for these queries."""
    user = request.user
    counts: dict[str, dict[str, Any]] = {}

    def add(key: str, number: int, text: str) -> None:
        if number:
            counts[key] = {"n": number, "label": text}

    if user.is_coordinator:
        waiting = Inquiry.objects.filter(
            status__in=[Inquiry.Status.RECEIVED, Inquiry.Status.TRIAGE]
        ).count()
        add(
            "inquiries",
            waiting,
            ngettext("%d waits for triage", "%d wait for triage", waiting) % waiting,
        )
        pending = OrganisationLinkRequest.objects.filter(
            status=OrganisationLinkRequest.Status.PENDING
        ).count()
        add(
            "link_requests",
            pending,
            ngettext("%d waits for a decision", "%d wait for a decision", pending) % pending,
        )
    elif user.role == Role.COMMITTEE:
        waiting = Inquiry.objects.visible_to(user).filter(status=Inquiry.Status.ASSESSMENT).count()
        add(
            "inquiries",
            waiting,
            ngettext("%d in assessment", "%d in assessment", waiting) % waiting,
        )
    elif user.role == Role.COMPANY and user.organisation_id is not None:
        asked = Inquiry.objects.visible_to(user).filter(status=Inquiry.Status.AWAITING_INFO).count()
        add(
            "inquiries",
            asked,
            ngettext("%d awaits your answer", "%d await your answer", asked) % asked,
        )
        drafts = _drafts_to_approve(user, user.organisation_id).count()
        add(
            "approvals",
            drafts,
            ngettext("%d text to approve", "%d texts to approve", drafts) % drafts,
        )
    response = JsonResponse(counts)
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(*STAFF_ROLES)
def link_request_list(request: AuthedRequest) -> HttpResponse:
    queryset = OrganisationLinkRequest.objects.select_related(
        "user", "organisation", "decided_by"
    ).order_by("created_at", "pk")
    filterset = LinkRequestFilter(request.GET or {"status": "pending"}, queryset=queryset)
    page = paginate(request, filterset.qs)
    return render(request, "accounts/link_requests.html", {"filter": filterset, "page": page})


@role_required(*STAFF_ROLES)
def link_request(request: AuthedRequest, pk: int) -> HttpResponse:
    """One request, with what approving it would do, and the decision form."""
    link_request = _get_link_request_for_user(request.user, pk)
    form = LinkDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            if approve:
                linking.do_approve_link_request(
                    link_request, request.user, comment=form.cleaned_data["comment"]
                )
            else:
                linking.do_reject_link_request(
                    link_request, request.user, reason=form.cleaned_data["comment"]
                )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("The account is linked and the user is told.")
                if approve
                else _("The request is rejected and the user is told."),
            )
            return redirect("accounts:link_requests")
    match = link_request.organisation
    if match is None and link_request.is_pending:
        match = linking.match_organisation(
            link_request.organisation_number,
            link_request.foreign_identifier,
            link_request.country,
        )
    colleagues = list(match.users.order_by("username")) if match is not None else []
    return render(
        request,
        "accounts/link_request.html",
        {
            "link_request": link_request,
            "match": match,
            "colleagues": colleagues,
            "email_verified": EmailAddress.objects.filter(
                user=link_request.user, email__iexact=link_request.user.email, verified=True
            ).exists(),
            "form": form if link_request.is_pending else None,
        },
    )


def _get_export_for_user(request: AuthedRequest, pk: int) -> ListExport:
    """A list export, only for the person who asked for it."""
    return get_object_or_404(ListExport, pk=pk, requested_by=request.user)


@role_required(*Role.values)
def export_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """A long list being written as a workbook; the page asks again every two seconds until
    the file is ready."""
    export = _get_export_for_user(request, pk)
    template = "core/export.html#status" if request.htmx else "core/export.html"
    return render(request, template, {"export": export})


@role_required(*Role.values)
def export_download(request: AuthedRequest, pk: int) -> HttpResponse:
    export = _get_export_for_user(request, pk)
    if not export.is_ready:
        raise Http404
    try:
        handle = export.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=export.file.name.rsplit("/", 1)[-1],
        content_type=CONTENT_TYPES[XLSX],
    )
    response["Cache-Control"] = "private, no-store"
    # A streaming response; role_required is typed for HttpResponse only.
    return response  # type: ignore[return-value]
