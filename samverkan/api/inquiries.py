"""Inquiries over HTTP: the public intake and everything the triage pages do."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Header, Query, Router, Schema, Status
from ninja.pagination import paginate

from samverkan.core.http import ApiRequest
from samverkan.inquiries import actions
from samverkan.inquiries.filters import InquiryFilter
from samverkan.inquiries.forms import IntakeForm
from samverkan.inquiries.matching import committee_suggestions
from samverkan.inquiries.models import Gate, Inquiry, PriorityCriterion, Routing
from samverkan.inquiries.views import intake_rate_limited
from samverkan.orgs.models import Committee
from samverkan.strategy.models import Goal

from .schemas import (
    AssessmentIn,
    AssessmentOut,
    DecisionIn,
    ErrorOut,
    InquiryDetailOut,
    InquiryOut,
    IntakeIn,
    IntakeOut,
    Pagination,
    RequestInformationIn,
    RouteIn,
    StatusChangeOut,
    SuggestionOut,
    VersionIn,
)
from .security import api_auth

router = Router(tags=["inquiries"])


class InquiryFilterIn(Schema):
    q: str | None = None
    status: list[str] | None = None
    committee: str | None = None
    older_than: str | None = None
    state: str | None = None
    gates: str | None = Field(None, description="passed, failed or unassessed")
    sort: str | None = Field(None, description="oldest (default) or priority")


def _visible(request: ApiRequest) -> QuerySet[Inquiry]:
    return (
        Inquiry.objects.visible_to(request.auth)
        .select_related("assigned_to")
        .prefetch_related(
            Prefetch("routings", queryset=Routing.objects.select_related("committee"))
        )
    )


def _get(request: ApiRequest, inquiry_id: int) -> Inquiry:
    return get_object_or_404(_visible(request), pk=inquiry_id)


@router.post(
    "",
    auth=None,
    response={201: IntakeOut, 200: IntakeOut, 422: ErrorOut, 429: ErrorOut},
    summary="Send an inquiry (public)",
)
def submit_inquiry(
    request: HttpRequest,
    payload: IntakeIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
) -> Status:
    """The central entry point, for systems. A repeat with the same Idempotency-Key
    answers 200 with the first inquiry instead of storing a second one."""
    data = payload.dict()
    data["committees"] = data.pop("committees") or []
    form = IntakeForm(data=data)
    if not form.is_valid():
        raise ValidationError(
            {
                field: [e["message"] for e in errors]
                for field, errors in form.errors.get_json_data().items()
            }
        )
    if idempotency_key and len(idempotency_key) > 90:
        raise ValidationError({"Idempotency-Key": [_("At most 90 characters.")]})
    if intake_rate_limited(request):
        return Status(429, {"detail": _("Too many inquiries from your address. Try again later.")})
    inquiry, created = actions.do_submit_inquiry(
        form.intake_data(),
        language=get_language() or settings.LANGUAGE_CODE,
        idempotency_key=f"api:{idempotency_key}" if idempotency_key else None,
    )
    out = {
        "reference": inquiry.reference,
        "status": inquiry.status,
        "received_at": inquiry.created_at,
    }
    return Status(201 if created else 200, out)


@router.get("", auth=api_auth, response=list[InquiryOut], summary="The queue")
@paginate(Pagination, page_size=settings.PAGE_SIZE)
def list_inquiries(request: ApiRequest, filters: Query[InquiryFilterIn]) -> QuerySet[Inquiry]:
    """Inquiries this user may see, oldest first, with the queue's filters."""
    filterset = InquiryFilter(request.GET, queryset=_visible(request).order_by("created_at", "pk"))
    if not filterset.is_valid():
        raise ValidationError({k: [str(m) for m in v] for k, v in filterset.errors.items()})
    return filterset.qs


@router.get("/{inquiry_id}", auth=api_auth, response=InquiryDetailOut)
def get_inquiry(request: ApiRequest, inquiry_id: int) -> Inquiry:
    return _get(request, inquiry_id)


@router.get("/{inquiry_id}/history", auth=api_auth, response=list[StatusChangeOut])
def inquiry_history(request: ApiRequest, inquiry_id: int) -> QuerySet:
    return _get(request, inquiry_id).status_changes.select_related("changed_by")


@router.get(
    "/{inquiry_id}/suggestions",
    auth=api_auth,
    response=list[SuggestionOut],
    summary="Committees that match the inquiry's text, with the words why",
)
def inquiry_suggestions(request: ApiRequest, inquiry_id: int) -> list[dict]:
    inquiry = _get(request, inquiry_id)
    if not request.auth.is_coordinator:
        return []
    return [
        {"committee": m.key.slug, "score": m.score, "terms": m.terms}
        for m in committee_suggestions(inquiry)
    ]


def _refetch(request: ApiRequest, inquiry: Inquiry) -> Inquiry:
    return _get(request, inquiry.pk)


@router.post("/{inquiry_id}/assign", auth=api_auth, response=InquiryDetailOut)
def assign_inquiry(request: ApiRequest, inquiry_id: int, payload: VersionIn) -> Inquiry:
    """Assign the inquiry to yourself."""
    inquiry = _get(request, inquiry_id)
    actions.do_assign_inquiry(inquiry, request.auth, expected_version=payload.version)
    return _refetch(request, inquiry)


@router.post("/{inquiry_id}/request-information", auth=api_auth, response=InquiryDetailOut)
def request_information(
    request: ApiRequest, inquiry_id: int, payload: RequestInformationIn
) -> Inquiry:
    inquiry = _get(request, inquiry_id)
    actions.do_request_information(
        inquiry,
        request.auth,
        payload.body,
        expected_version=payload.version,
    )
    return _refetch(request, inquiry)


@router.post("/{inquiry_id}/route", auth=api_auth, response=InquiryDetailOut)
def route_inquiry(request: ApiRequest, inquiry_id: int, payload: RouteIn) -> Inquiry:
    inquiry = _get(request, inquiry_id)
    committees = list(Committee.objects.filter(slug__in=payload.committees))
    unknown = set(payload.committees) - {c.slug for c in committees}
    if unknown:
        raise ValidationError(
            {"committees": [_("Unknown committee: %(ids)s") % {"ids": ", ".join(sorted(unknown))}]}
        )
    actions.do_route_inquiry(
        inquiry,
        request.auth,
        committees,
        note=payload.note,
        expected_version=payload.version,
    )
    return _refetch(request, inquiry)


@router.put(
    "/{inquiry_id}/assessments/{committee}",
    auth=api_auth,
    response=AssessmentOut,
    summary="Record or revise a committee's assessment",
)
def save_assessment(
    request: ApiRequest, inquiry_id: int, committee: str, payload: AssessmentIn
) -> object:
    inquiry = _get(request, inquiry_id)
    committee_obj = get_object_or_404(Committee, slug=committee)
    gates = {g.slug: g.pk for g in Gate.objects.all()}
    criteria = {c.slug: c.pk for c in PriorityCriterion.objects.all()}
    unknown = (set(payload.gates) - set(gates)) | (set(payload.scores) - set(criteria))
    if unknown:
        raise ValidationError(
            {
                "gates": [
                    _("Unknown gate or criterion: %(ids)s") % {"ids": ", ".join(sorted(unknown))}
                ]
            }
        )
    data = actions.AssessmentInput(
        gates={gates[k]: (v.met, v.comment) for k, v in payload.gates.items()},
        scores={criteria[k]: v for k, v in payload.scores.items()},
        goals=list(Goal.objects.filter(number__in=payload.goals)),
        comment=payload.comment,
    )
    user = request.auth
    return actions.do_save_assessment(
        inquiry, committee_obj, user, data, expected_version=payload.version
    )


@router.post("/{inquiry_id}/decision", auth=api_auth, response=InquiryDetailOut)
def decide_inquiry(request: ApiRequest, inquiry_id: int, payload: DecisionIn) -> Inquiry:
    """Accept, decline (with a reason), park or withdraw."""
    inquiry = _get(request, inquiry_id)
    actions.do_decide_inquiry(
        inquiry,
        request.auth,
        payload.decision,
        reason=payload.reason,
        expected_version=payload.version,
    )
    return _refetch(request, inquiry)
