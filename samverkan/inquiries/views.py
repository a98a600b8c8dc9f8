import secrets
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from samverkan.accounts.models import READ_ALL_ROLES, STAFF_ROLES, Role
from samverkan.core import ratelimit
from samverkan.core.decorators import public, role_required
from samverkan.core.exports import Column, export_links, export_response, requested_format
from samverkan.core.http import AuthedRequest
from samverkan.core.models import StaleRecordError
from samverkan.core.pagination import paginate
from samverkan.core.ratelimit import client_address
from samverkan.lib.text import Match
from samverkan.orgs.models import Committee

from . import actions
from .filters import InquiryFilter, with_priority
from .forms import (
    AssessmentForm,
    AssignForm,
    DecisionForm,
    PublicIntakeForm,
    RequestInformationForm,
    RouteForm,
    SenderReplyForm,
)
from .matching import committee_suggestions
from .models import Assessment, CriterionScore, GateAnswer, Inquiry, PriorityCriterion, Routing

ALL_ROLES = tuple(Role.values)


def intake_rate_limited(request: HttpRequest) -> bool:
    """Count one inquiry from this client; True when it is over the limit."""
    return ratelimit.hit("inquiry-intake", client_address(request), settings.INTAKE_RATE_LIMIT)


def _get_inquiry_for_user(request: HttpRequest, pk: int, *, full: bool = False) -> Inquiry:
    """The inquiry, or 404 when this user may not see it; `full` brings what the page shows."""
    queryset = Inquiry.objects.visible_to(request.user).select_related(
        "organisation", "assigned_to", "need", "collaboration"
    )
    if full:
        queryset = queryset.prefetch_related(
            Prefetch(
                "routings",
                queryset=Routing.objects.select_related("committee", "routed_by").order_by("pk"),
            ),
            Prefetch(
                "assessments",
                queryset=Assessment.objects.select_related("committee", "assessed_by")
                .prefetch_related(
                    Prefetch("gate_answers", GateAnswer.objects.select_related("gate")),
                    Prefetch("scores", CriterionScore.objects.select_related("criterion")),
                    "goals",
                )
                .order_by("pk"),
            ),
        )
    return get_object_or_404(queryset, pk=pk)


@public
def new(request: HttpRequest) -> HttpResponse:
    """The central entry point: any company, no account needed."""
    initial = {"form_token": secrets.token_urlsafe(24)}
    if "need" in request.GET:
        initial["need"] = request.GET["need"]
    if request.method == "POST":
        form = PublicIntakeForm(request.POST)
        if form.is_valid():
            if form.cleaned_data["website"]:
                # A bot filled the honeypot: say thanks, store nothing.
                return render(request, "inquiries/thanks.html", {"inquiry": None})
            if intake_rate_limited(request):
                return render(request, "inquiries/rate_limited.html", status=429)
            inquiry, _created = actions.do_submit_inquiry(
                form.intake_data(),
                language=get_language() or settings.LANGUAGE_CODE,
                idempotency_key=f"form:{form.cleaned_data['form_token']}",
            )
            return render(request, "inquiries/thanks.html", {"inquiry": inquiry})
    else:
        form = PublicIntakeForm(initial=initial)
    return render(request, "inquiries/new.html", {"form": form})


INQUIRY_COLUMNS = [
    Column(gettext_lazy("Reference"), "reference"),
    Column(gettext_lazy("Title"), "title"),
    Column(gettext_lazy("Organisation"), "organisation_name"),
    Column(gettext_lazy("Status"), lambda i: i.get_status_display()),
    Column(gettext_lazy("Received"), "created_at"),
    Column(gettext_lazy("Days since arrival"), "days_since_arrival"),
    Column(
        gettext_lazy("Committees"), lambda i: ", ".join(r.committee.name for r in i.routings.all())
    ),
    Column(gettext_lazy("Assigned to"), lambda i: str(i.assigned_to or "")),
]


def _inquiry_rows(user: Any, data: QueryDict) -> InquiryFilter:
    queryset = with_priority(
        Inquiry.objects.visible_to(user)
        .select_related("assigned_to")
        .prefetch_related(
            Prefetch("routings", queryset=Routing.objects.select_related("committee"))
        )
        .order_by("-created_at", "-pk")
    )
    # Coordinators work the open queue; everyone else first sees all they may see. Newest
    # first, said in the order field so it can be changed.
    # The defaults hold until a filter is chosen, on every page of the list.
    if not set(data) & set(InquiryFilter.base_filters):
        data = data.copy()
        data["sort"] = "newest"
        if user.is_coordinator:
            data["state"] = "open"
    return InquiryFilter(data, queryset=queryset)


def inquiry_export(user: Any, data: QueryDict) -> tuple[QuerySet, list[Column]]:
    """The list as the worker writes it to a workbook (see core.exports)."""
    return _inquiry_rows(user, data).qs, INQUIRY_COLUMNS


@role_required(*ALL_ROLES)
def inquiry_list(request: AuthedRequest) -> HttpResponseBase:
    filterset = _inquiry_rows(request.user, request.GET)
    fmt = requested_format(request)
    if fmt:
        return export_response(
            filterset.qs,
            INQUIRY_COLUMNS,
            fmt=fmt,
            filename="inquiries",
            request=request,
            source="samverkan.inquiries.views.inquiry_export",
        )
    page = paginate(request, filterset.qs)
    context = {"filter": filterset, "page": page, "exports": export_links(request)}
    template = "inquiries/list.html#queue" if request.htmx else "inquiries/list.html"
    return render(request, template, context)


@role_required(*ALL_ROLES)
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    inquiry = _get_inquiry_for_user(request, pk, full=True)
    user = request.user
    routings = list(inquiry.routings.all())
    assessments = list(inquiry.assessments.all())
    assessed = {a.committee_id for a in assessments}
    my_committees = set(user.committee_ids()) if user.role == Role.COMMITTEE else set()
    can_assess = inquiry.status == Inquiry.Status.ASSESSMENT and (
        user.has_role(*STAFF_ROLES) or bool(my_committees)
    )
    context = {
        "inquiry": inquiry,
        "routings": routings,
        "assessments": assessments,
        "assessable": [
            r.committee
            for r in routings
            if can_assess and (user.has_role(*STAFF_ROLES) or r.committee_id in my_committees)
        ],
        "assessed": assessed,
        "messages_list": inquiry.messages.select_related("author"),
        "can_manage": user.has_role(*STAFF_ROLES),
        "is_company": user.role == Role.COMPANY,
    }
    # The triage and decision forms are for open inquiries only, as the page shows them.
    if user.has_role(*STAFF_ROLES) and inquiry.is_open:
        context["blockers"] = actions.acceptance_blockers(inquiry)
        # Read once for both the suggestions and the routing form's choices.
        committees = list(Committee.objects.all())
        suggestions = committee_suggestions(inquiry, committees)
        context["suggestions"] = [(match, _fit(match.score, suggestions)) for match in suggestions]
        routed_ids = {r.committee_id for r in routings}
        suggested = [s.key for s in suggestions if s.key.pk not in routed_ids][:1]
        initial = {"version": inquiry.version}
        context["assign_form"] = AssignForm(initial=initial)
        context["info_form"] = RequestInformationForm(initial=initial)
        context["route_form"] = RouteForm(
            initial={**initial, "committees": suggested}, committees=committees
        )
        context["decision_form"] = DecisionForm(initial=initial)
    if user.role == Role.COMPANY and inquiry.is_open:
        context["reply_form"] = SenderReplyForm()
    return render(request, "inquiries/detail.html", context)


def _fit(score: float, matches: list[Match]) -> str:
    """How well a committee fits, in words: the score counts shared words, rare ones more,
    so it means something only beside the best one."""
    best = max((m.score for m in matches), default=0.0)
    if best <= 0:
        return ""
    share = score / best
    if share >= 0.999:
        return _("closest fit")
    if share >= 2 / 3:
        return _("nearly as close")
    if share >= 1 / 3:
        return _("partly fits")
    return _("weak fit")


def _run(request: HttpRequest, inquiry: Inquiry, action: Callable[[], object], done: str) -> None:
    """Run an action and tell the user how it went, in their language."""
    try:
        action()
    except StaleRecordError as error:
        messages.error(request, str(error))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)


@require_POST
@role_required(*STAFF_ROLES)
def assign(request: AuthedRequest, pk: int) -> HttpResponse:
    inquiry = _get_inquiry_for_user(request, pk)
    form = AssignForm(request.POST)
    if form.is_valid():
        _run(
            request,
            inquiry,
            lambda: actions.do_assign_inquiry(
                inquiry,
                request.user,
                expected_version=form.cleaned_data["version"],
            ),
            _("The inquiry is assigned to you."),
        )
    return redirect(inquiry)


@require_POST
@role_required(*STAFF_ROLES)
def request_information(request: AuthedRequest, pk: int) -> HttpResponse:
    inquiry = _get_inquiry_for_user(request, pk)
    form = RequestInformationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write what you want to know."))
        return redirect(inquiry)
    _run(
        request,
        inquiry,
        lambda: actions.do_request_information(
            inquiry,
            request.user,
            form.cleaned_data["body"],
            expected_version=form.cleaned_data["version"],
        ),
        _("Your question is sent to the company."),
    )
    return redirect(inquiry)


@require_POST
@role_required(*STAFF_ROLES)
def route(request: AuthedRequest, pk: int) -> HttpResponse:
    inquiry = _get_inquiry_for_user(request, pk)
    form = RouteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose at least one committee."))
        return redirect(inquiry)
    _run(
        request,
        inquiry,
        lambda: actions.do_route_inquiry(
            inquiry,
            request.user,
            form.cleaned_data["committees"],
            note=form.cleaned_data["note"],
            expected_version=form.cleaned_data["version"],
        ),
        _("The inquiry is routed."),
    )
    return redirect(inquiry)


@require_POST
@role_required(*STAFF_ROLES)
def decide(request: AuthedRequest, pk: int) -> HttpResponse:
    inquiry = _get_inquiry_for_user(request, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a decision."))
        return redirect(inquiry)
    _run(
        request,
        inquiry,
        lambda: actions.do_decide_inquiry(
            inquiry,
            request.user,
            form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"],
        ),
        _("The decision is recorded."),
    )
    return redirect(inquiry)


def _get_routing_for_user(request: AuthedRequest, pk: int, committee: str) -> Routing:
    """The inquiry's routing to a committee whose assessment this user may write, with
    both read in one query; 404 for anything else."""
    user = request.user
    routing = get_object_or_404(
        Routing.objects.select_related("inquiry", "committee").filter(
            inquiry__in=Inquiry.objects.visible_to(user)
        ),
        inquiry_id=pk,
        committee__slug=committee,
    )
    if not user.has_role(*STAFF_ROLES) and routing.committee_id not in user.committee_ids():
        raise Http404
    return routing


@role_required(Role.COMMITTEE, *STAFF_ROLES)
def assess(request: AuthedRequest, pk: int, committee: str) -> HttpResponse:
    routing = _get_routing_for_user(request, pk, committee)
    inquiry, committee_obj = routing.inquiry, routing.committee
    existing = Assessment.objects.filter(inquiry=inquiry, committee=committee_obj).first()
    if request.method == "POST":
        form = AssessmentForm(request.POST)
        if form.is_valid():
            try:
                actions.do_save_assessment(
                    inquiry,
                    committee_obj,
                    request.user,
                    form.assessment_input(),
                    expected_version=form.cleaned_data.get("version"),
                )
            except StaleRecordError as error:
                form.add_error(None, str(error))
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("The assessment is saved."))
                return redirect(inquiry)
    else:
        form = AssessmentForm(assessment=existing)
    return render(
        request,
        "inquiries/assess.html",
        {
            "inquiry": inquiry,
            "committee": committee_obj,
            "form": form,
            "existing": existing,
            "formula": PriorityCriterion.formula(form.criteria),
            "assumptions": [
                fact
                for fact in [*form.gates, *form.criteria, *([form.scale] if form.scale else [])]
                if fact.awaits_confirmation
            ],
        },
    )


@role_required(*READ_ALL_ROLES, Role.COMMITTEE, Role.COMPANY)
def history(request: AuthedRequest, pk: int) -> HttpResponse:
    inquiry = _get_inquiry_for_user(request, pk)
    changes = inquiry.status_changes.select_related("changed_by")
    records = list(inquiry.history.select_related("history_user").order_by("history_date"))
    diffs = []
    for previous, record in zip([None, *records[:-1]], records, strict=True):
        delta = record.diff_against(previous) if previous is not None else None
        diffs.append({"record": record, "changes": delta.changes if delta else []})
    diffs.reverse()
    return render(
        request,
        "inquiries/history.html",
        {"inquiry": inquiry, "changes": changes, "diffs": diffs},
    )


@require_POST
@role_required(Role.COMPANY)
def company_reply(request: AuthedRequest, pk: int) -> HttpResponse:
    inquiry = _get_inquiry_for_user(request, pk)
    form = SenderReplyForm(request.POST)
    if form.is_valid():
        _run(
            request,
            inquiry,
            lambda: actions.do_receive_sender_reply(
                inquiry,
                form.cleaned_data["body"],
                author=request.user,
            ),
            _("Your answer is sent."),
        )
    else:
        messages.error(request, _("Write your answer."))
    return redirect(inquiry)


@public
def sender(request: HttpRequest, token: str) -> HttpResponse:
    """The sender's own page, reached by the secret link in their e-mails."""
    inquiry = get_object_or_404(Inquiry, sender_token=token)
    form = SenderReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _run(
            request,
            inquiry,
            lambda: actions.do_receive_sender_reply(inquiry, form.cleaned_data["body"]),
            _("Your answer is sent."),
        )
        return redirect("inquiries:sender", token=token)
    return render(
        request,
        "inquiries/sender.html",
        {"inquiry": inquiry, "form": form, "messages_list": inquiry.messages.all()},
    )
