"""Collaborations and their parts over HTTP, with the same permissions as the pages."""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Model, Prefetch, QuerySet
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Body, Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from samverkan.accounts.models import STAFF_ROLES, Role, User
from samverkan.agreements import actions as agreement_actions
from samverkan.agreements.actions import ALLOWED_DOCUMENTS
from samverkan.agreements.models import Agreement, AgreementDocument, PrincipleAnswer
from samverkan.collaborations import actions
from samverkan.collaborations.access import company_organisation_id, require_party_or_staff
from samverkan.collaborations.filters import CollaborationFilter
from samverkan.collaborations.models import (
    Approval,
    Collaboration,
    CollaborationParty,
    CommunicationActivity,
    FollowUp,
    FollowUpAnswer,
    FundingApplication,
)
from samverkan.core.http import ApiRequest
from samverkan.inquiries.models import Gate
from samverkan.orgs.models import Centre, Committee, Contact, Organisation
from samverkan.strategy.models import Goal

from .collaboration_schemas import (
    AgreementDetailOut,
    AgreementIn,
    AgreementOut,
    AgreementStatusIn,
    AgreementUpdateIn,
    CollaborationDetailOut,
    CollaborationGatesIn,
    CollaborationIn,
    CollaborationOut,
    CollaborationStatusIn,
    CollaborationUpdateIn,
    CommunicationDecisionIn,
    CommunicationDetailOut,
    CommunicationIn,
    CommunicationOut,
    CommunicationUpdateIn,
    DocumentOut,
    FollowUpAnswerIn,
    FollowUpAnswerOut,
    FollowUpDetailOut,
    FollowUpIn,
    FollowUpOut,
    FollowUpRecordIn,
    FundingIn,
    FundingOut,
    FundingUpdateIn,
    PartyIn,
    PartyOut,
    PrincipleAnswerIn,
)
from .nested import Nested
from .schemas import WRITE_ERRORS, ErrorOut, Pagination
from .security import api_auth

router = Router(tags=["collaborations"])


# Filters ------------------------------------------------------------------------------


class CollaborationFilterIn(Schema):
    """The list page's filters (`CollaborationFilter`), documented for the API."""

    q: str | None = Field(None, description="Words in the title or the summary")
    status: str | None = Field(None, description="planned, active, completed or ended_early")
    kind: str | None = None
    committee: str | None = Field(None, description="A committee id from the reference data")
    year: str | None = Field(None, description="The year the collaboration starts, e.g. 2026")


# Fetching what the user may see -------------------------------------------------------


def _visible(request: ApiRequest) -> QuerySet[Collaboration]:
    return (
        Collaboration.objects.visible_to(request.auth)
        .select_related("responsible", "inquiry")
        .prefetch_related(
            "committees",
            Prefetch(
                "parties",
                queryset=CollaborationParty.objects.select_related("organisation", "approver"),
            ),
        )
    )


def _get(request: ApiRequest, collaboration_id: int) -> Collaboration:
    return get_object_or_404(_visible(request), pk=collaboration_id)


def _get_detail(request: ApiRequest, collaboration_id: int) -> Collaboration:
    return get_object_or_404(
        _visible(request).prefetch_related("centres", "goals", "need_links"), pk=collaboration_id
    )


def _agreements(collaboration: Collaboration) -> QuerySet[Agreement]:
    return (
        collaboration.agreements.select_related("responsible")
        .prefetch_related(
            "parties",
            Prefetch("principles", queryset=PrincipleAnswer.objects.select_related("principle")),
        )
        .order_by("-created_at", "-pk")
    )


def _agreement_in(
    request: ApiRequest, collaboration: Collaboration, agreement_id: int
) -> Agreement:
    agreement = get_object_or_404(_agreements(collaboration), pk=agreement_id)
    require_party_or_staff(request.auth, {o.pk for o in agreement.parties.all()})
    return agreement


def _get_agreement(request: ApiRequest, collaboration_id: int, agreement_id: int) -> Agreement:
    return _agreement_in(request, _get(request, collaboration_id), agreement_id)


def _require_documents_access(request: ApiRequest) -> None:
    """The document holds the terms: committee members see that the agreement exists, not
    what it says (company users reached this far only as a party)."""
    user = request.auth
    if not (user.reads_everything or user.role == Role.COMPANY):
        raise Http404


def _may_see_drafts(request: ApiRequest, collaboration: Collaboration) -> bool:
    """Company users see drafts only when their organisation must approve them."""
    if request.auth.role != Role.COMPANY:
        return True
    # Every draft of a collaboration has the same approvers: ask about an unsaved one.
    approvers = actions.required_approvers(CommunicationActivity(collaboration=collaboration))
    return company_organisation_id(request.auth) in {o.pk for o in approvers}


def _activity_in(
    request: ApiRequest, collaboration: Collaboration, activity_id: int
) -> CommunicationActivity:
    activity = get_object_or_404(
        collaboration.communications.select_related("created_by"), pk=activity_id
    )
    approvers = actions.required_approvers(activity)
    require_party_or_staff(request.auth, {o.pk for o in approvers})
    return activity


def _get_activity(
    request: ApiRequest, collaboration_id: int, activity_id: int
) -> CommunicationActivity:
    return _activity_in(request, _get(request, collaboration_id), activity_id)


def _follow_up_in(request: ApiRequest, collaboration: Collaboration, follow_up_id: int) -> FollowUp:
    answers = FollowUpAnswer.objects.select_related("organisation", "answered_by").order_by(
        "organisation__name"
    )
    return get_object_or_404(
        collaboration.follow_ups.select_related("recorded_by").prefetch_related(
            Prefetch("answers", queryset=answers)
        ),
        pk=follow_up_id,
    )


def _get_follow_up(request: ApiRequest, collaboration_id: int, follow_up_id: int) -> FollowUp:
    return _follow_up_in(request, _get(request, collaboration_id), follow_up_id)


# Turning ids in a request into records, with field errors for what is unknown ----------


def _check_fields(model: type[Model], values: dict[str, Any]) -> None:
    """Run the model fields' own checks (choices, lengths, blanks, validators)."""
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        try:
            model._meta.get_field(name).clean(value, None)  # type: ignore[union-attr]
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)


def _unknown(field: str, missing: set[Any]) -> ValidationError:
    return ValidationError(
        {field: [_("Unknown: %(ids)s") % {"ids": ", ".join(sorted(str(m) for m in missing))}]}
    )


def _lookup(field: str, queryset: QuerySet, key: str, values: list[Any]) -> list[Any]:
    found = list(queryset.filter(**{f"{key}__in": values}))
    missing = set(values) - {getattr(obj, key) for obj in found}
    if missing:
        raise _unknown(field, missing)
    return found


def _committees(slugs: list[str]) -> list[Committee]:
    return _lookup("committees", Committee.objects.all(), "slug", slugs)


def _organisations(field: str, ids: list[int]) -> list[Organisation]:
    return _lookup(field, Organisation.objects.all(), "pk", ids)


def _organisation(field: str, pk: int) -> Organisation:
    return _organisations(field, [pk])[0]


def _user(field: str, username: str | None, roles: frozenset[str] | None = None) -> User | None:
    if not username:
        return None
    users = User.objects.filter(username=username, is_active=True)
    if roles is not None:
        users = users.filter(role__in=roles)
    user = users.first()
    if user is None:
        raise _unknown(field, {username})
    return user


def _collaboration_data(payload: CollaborationIn) -> actions.CollaborationData:
    _check_fields(
        Collaboration,
        {"title": payload.title, "kind": payload.kind, "summary": payload.summary},
    )
    return actions.CollaborationData(
        title=payload.title,
        kind=payload.kind,
        summary=payload.summary,
        internal_notes=payload.internal_notes,
        start_date=payload.start_date,
        end_date=payload.end_date,
        committees=_committees(payload.committees),
        centres=_lookup("centres", Centre.objects.all(), "slug", payload.centres),
        goals=_lookup("goals", Goal.objects.all(), "number", payload.goals),
        responsible=_user("responsible", payload.responsible, STAFF_ROLES),
    )


# Collaborations -----------------------------------------------------------------------


@router.get("", auth=api_auth, response=list[CollaborationOut], summary="Collaborations")
@paginate(Pagination, page_size=settings.PAGE_SIZE)
def list_collaborations(
    request: ApiRequest, filters: Query[CollaborationFilterIn]
) -> QuerySet[Collaboration]:
    """Collaborations this user may see, newest first, with the list's filters."""
    filterset = CollaborationFilter(
        request.GET, queryset=_visible(request).order_by("-created_at", "-pk")
    )
    if not filterset.is_valid():
        raise ValidationError({k: [str(m) for m in v] for k, v in filterset.errors.items()})
    return filterset.qs


@router.post(
    "",
    auth=api_auth,
    response={201: CollaborationDetailOut, **WRITE_ERRORS},
    summary="Create a collaboration",
)
def create_collaboration(request: ApiRequest, payload: CollaborationIn) -> Status:
    collaboration = actions.do_create_collaboration(request.auth, _collaboration_data(payload))
    return Status(201, _get_detail(request, collaboration.pk))


@router.get("/{collaboration_id}", auth=api_auth, response=CollaborationDetailOut)
def get_collaboration(request: ApiRequest, collaboration_id: int) -> Collaboration:
    return _get_detail(request, collaboration_id)


@router.put(
    "/{collaboration_id}",
    auth=api_auth,
    response={200: CollaborationDetailOut, **WRITE_ERRORS},
)
def update_collaboration(
    request: ApiRequest, collaboration_id: int, payload: CollaborationUpdateIn
) -> Collaboration:
    collaboration = _get(request, collaboration_id)
    actions.do_update_collaboration(
        collaboration,
        request.auth,
        _collaboration_data(payload),
        expected_version=payload.version,
    )
    return _get_detail(request, collaboration.pk)


@router.post(
    "/{collaboration_id}/status",
    auth=api_auth,
    response={200: CollaborationDetailOut, **WRITE_ERRORS},
    summary="Start, complete or end a collaboration early",
)
def change_collaboration_status(
    request: ApiRequest, collaboration_id: int, payload: CollaborationStatusIn
) -> Collaboration:
    """Completion is refused until the final follow-up is recorded."""
    collaboration = _get(request, collaboration_id)
    _check_fields(Collaboration, {"status": payload.status})
    actions.do_change_collaboration_status(
        collaboration, request.auth, payload.status, expected_version=payload.version
    )
    return _get_detail(request, collaboration.pk)


@router.post(
    "/{collaboration_id}/gates",
    auth=api_auth,
    response={200: CollaborationDetailOut, **WRITE_ERRORS},
    summary="Record the gates of a collaboration started without an inquiry",
)
def record_gates(
    request: ApiRequest, collaboration_id: int, payload: CollaborationGatesIn
) -> Collaboration:
    """The same gates a committee answers in its assessment; recorded with who and when."""
    collaboration = _get(request, collaboration_id)
    gates = {g.slug: g for g in Gate.objects.all()}
    unknown = set(payload.gates) - set(gates)
    if unknown:
        raise _unknown("gates", unknown)
    actions.do_record_collaboration_gates(
        collaboration,
        request.auth,
        {gates[slug].pk: (a.met, a.comment) for slug, a in payload.gates.items()},
    )
    return _get_detail(request, collaboration.pk)


# Parties ------------------------------------------------------------------------------


nested = Nested(router, __name__, "collaboration_id", _get)

nested.resource(
    "/{collaboration_id}/parties",
    singular="party",
    plural="parties",
    out=PartyOut,
    items=lambda request, collaboration: list(collaboration.parties.all()),
)


@router.post(
    "/{collaboration_id}/parties",
    auth=api_auth,
    response={201: PartyOut, 200: PartyOut, **WRITE_ERRORS},
    summary="Add a party, or change its role, resources and approver",
)
def save_party(request: ApiRequest, collaboration_id: int, payload: PartyIn) -> Status:
    """Answers 201 for a new party, 200 when the organisation was a party already."""
    collaboration = _get(request, collaboration_id)
    _check_fields(
        CollaborationParty,
        {"role": payload.role, "role_description": payload.role_description},
    )
    organisation = _organisation("organisation", payload.organisation)
    existed = any(p.organisation_id == organisation.pk for p in collaboration.parties.all())
    party = actions.do_save_party(
        collaboration,
        request.auth,
        actions.PartyData(
            organisation=organisation,
            role=payload.role,
            role_description=payload.role_description,
            resources=payload.resources,
            approver=_user("approver", payload.approver),
            contact=_contact(organisation, payload.contact),
        ),
    )
    return Status(200 if existed else 201, party)


def _contact(organisation: Organisation, pk: int | None) -> Contact | None:
    if pk is None:
        return None
    contact = Contact.objects.filter(pk=pk, organisation=organisation).first()
    if contact is None:
        raise _unknown("contact", {pk})
    return contact


@router.delete(
    "/{collaboration_id}/parties/{party_id}",
    auth=api_auth,
    response={204: None, **WRITE_ERRORS},
)
def remove_party(request: ApiRequest, collaboration_id: int, party_id: int) -> Status:
    collaboration = _get(request, collaboration_id)
    party = get_object_or_404(collaboration.parties.all(), pk=party_id)
    actions.do_remove_party(party, request.auth)
    return Status(204, None)


# Funding ------------------------------------------------------------------------------


def _funding_data(payload: FundingIn) -> actions.FundingData:
    return actions.FundingData(
        funder=payload.funder,
        funder_name=payload.funder_name,
        call=payload.call,
        amount_applied=payload.amount_applied,
        amount_granted=payload.amount_granted,
        currency=payload.currency,
        status=payload.status,
        submitted_on=payload.submitted_on,
        decided_on=payload.decided_on,
        applicants=_organisations("applicants", payload.applicants),
    )


def _funding(collaboration: Collaboration) -> QuerySet[FundingApplication]:
    return collaboration.funding_applications.select_related("funder").prefetch_related(
        "applicants"
    )


def _create_funding(
    request: ApiRequest, collaboration: Collaboration, payload: FundingIn
) -> FundingApplication:
    application = actions.do_save_funding_application(
        collaboration, request.auth, _funding_data(payload)
    )
    return _funding(collaboration).get(pk=application.pk)


def _update_funding(
    request: ApiRequest, application: FundingApplication, payload: FundingUpdateIn
) -> FundingApplication:
    actions.do_save_funding_application(
        application.collaboration,
        request.auth,
        _funding_data(payload),
        application=application,
        expected_version=payload.version,
    )
    return _funding(application.collaboration).get(pk=application.pk)


nested.resource(
    "/{collaboration_id}/funding",
    singular="funding",
    plural="funding",
    item_param="funding_id",
    out=FundingOut,
    items=lambda request, collaboration: _funding(collaboration),
    fetch=lambda request, collaboration, pk: get_object_or_404(
        collaboration.funding_applications.all(), pk=pk
    ),
    create=_create_funding,
    create_in=FundingIn,
    update=_update_funding,
    update_in=FundingUpdateIn,
    summaries={"create": "Record a joint funding application"},
)


# Agreements ---------------------------------------------------------------------------


def _agreement_data(payload: AgreementIn) -> agreement_actions.AgreementData:
    _check_fields(Agreement, {"kind": payload.kind, "title": payload.title})
    return agreement_actions.AgreementData(
        kind=payload.kind,
        title=payload.title,
        parties=_organisations("parties", payload.parties),
        valid_from=payload.valid_from,
        valid_to=payload.valid_to,
        responsible=_user("responsible", payload.responsible, STAFF_ROLES),
        terms=payload.terms,
    )


def _list_agreements(request: ApiRequest, collaboration: Collaboration) -> QuerySet[Agreement]:
    agreements = _agreements(collaboration)
    if request.auth.role == Role.COMPANY:
        agreements = agreements.filter(parties=company_organisation_id(request.auth))
    return agreements


def _create_agreement(
    request: ApiRequest, collaboration: Collaboration, payload: AgreementIn
) -> Agreement:
    agreement = agreement_actions.do_save_agreement(
        collaboration, request.auth, _agreement_data(payload)
    )
    return _get_agreement(request, collaboration.pk, agreement.pk)


def _update_agreement(
    request: ApiRequest, agreement: Agreement, payload: AgreementUpdateIn
) -> Agreement:
    agreement_actions.do_save_agreement(
        agreement.collaboration,
        request.auth,
        _agreement_data(payload),
        agreement=agreement,
        expected_version=payload.version,
    )
    return _get_agreement(request, agreement.collaboration_id, agreement.pk)


nested.resource(
    "/{collaboration_id}/agreements",
    singular="agreement",
    plural="agreements",
    item_param="agreement_id",
    out=AgreementOut,
    detail=AgreementDetailOut,
    items=_list_agreements,
    fetch=_agreement_in,
    get=True,
    create=_create_agreement,
    create_in=AgreementIn,
    update=_update_agreement,
    update_in=AgreementUpdateIn,
    summaries={"create": "Draft an agreement"},
    docs={"list": "The agreements; a company user sees those its organisation is a party to."},
)


@router.post(
    "/{collaboration_id}/agreements/{agreement_id}/status",
    auth=api_auth,
    response={200: AgreementDetailOut, **WRITE_ERRORS},
    summary="Negotiate, sign, expire or terminate an agreement",
)
def change_agreement_status(
    request: ApiRequest, collaboration_id: int, agreement_id: int, payload: AgreementStatusIn
) -> Agreement:
    """Signing needs the signing date, two parties and an uploaded document."""
    agreement = _get_agreement(request, collaboration_id, agreement_id)
    _check_fields(Agreement, {"status": payload.status})
    agreement_actions.do_change_agreement_status(
        agreement,
        request.auth,
        payload.status,
        signed_on=payload.signed_on,
        expected_version=payload.version,
    )
    return _get_agreement(request, collaboration_id, agreement_id)


@router.put(
    "/{collaboration_id}/agreements/{agreement_id}/principles",
    auth=api_auth,
    response={200: AgreementDetailOut, **WRITE_ERRORS},
    summary="Answer the agreement principles checklist",
)
def answer_principles(
    request: ApiRequest,
    collaboration_id: int,
    agreement_id: int,
    payload: Body[dict[str, PrincipleAnswerIn]],
) -> Agreement:
    """The body maps a principle's id to its answer (yes, no or na) and a comment."""
    agreement = _get_agreement(request, collaboration_id, agreement_id)
    agreement_actions.do_answer_principles(
        agreement,
        request.auth,
        {slug: (answer.answer, answer.comment) for slug, answer in payload.items()},
        justifications={slug: answer.justification for slug, answer in payload.items()},
    )
    return _get_agreement(request, collaboration_id, agreement_id)


@router.get(
    "/{collaboration_id}/agreements/{agreement_id}/documents",
    auth=api_auth,
    response=list[DocumentOut],
    summary="The versions of the agreement's document",
)
def list_documents(
    request: ApiRequest, collaboration_id: int, agreement_id: int
) -> QuerySet[AgreementDocument]:
    agreement = _get_agreement(request, collaboration_id, agreement_id)
    _require_documents_access(request)
    return agreement.documents.select_related("uploaded_by")


@router.post(
    "/{collaboration_id}/agreements/{agreement_id}/documents",
    auth=api_auth,
    response={201: DocumentOut, **WRITE_ERRORS},
    summary="Upload a new version of the document (PDF, .docx or .odt)",
)
def upload_document(
    request: ApiRequest,
    collaboration_id: int,
    agreement_id: int,
    file: File[UploadedFile],
) -> Status:
    agreement = _get_agreement(request, collaboration_id, agreement_id)
    document = agreement_actions.do_upload_agreement_document(agreement, request.auth, file)
    return Status(201, document)


@router.get(
    "/{collaboration_id}/agreements/{agreement_id}/documents/{document_id}/download",
    auth=api_auth,
    url_name="agreement_document_download",
    summary="Download one version of the document",
    response={200: None, 403: ErrorOut, 404: ErrorOut},
    # The integer key, as django-ninja's own: a string "200" beside it is a second key of
    # the same name in the JSON, which the docs page cannot read.
    openapi_extra={
        "responses": {
            200: {
                "description": "The stored file, as an attachment, in its own type",
                "content": {
                    content_type: {"schema": {"type": "string", "format": "binary"}}
                    for content_type, _magic in ALLOWED_DOCUMENTS.values()
                },
            }
        }
    },
)
def download_document(
    request: ApiRequest, collaboration_id: int, agreement_id: int, document_id: int
) -> FileResponse:
    """Stream the stored file: documents have no public address."""
    agreement = _get_agreement(request, collaboration_id, agreement_id)
    _require_documents_access(request)
    document = get_object_or_404(agreement.documents.all(), pk=document_id)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# Communication ------------------------------------------------------------------------


def _list_communications(
    request: ApiRequest, collaboration: Collaboration
) -> QuerySet[CommunicationActivity]:
    if not _may_see_drafts(request, collaboration):
        return collaboration.communications.none()
    return collaboration.communications.all()


def _create_communication(
    request: ApiRequest, collaboration: Collaboration, payload: CommunicationIn
) -> CommunicationActivity:
    _check_fields(CommunicationActivity, payload.dict())
    activity = actions.do_save_communication(
        collaboration, request.auth, actions.CommunicationData(**payload.dict())
    )
    return _get_activity(request, collaboration.pk, activity.pk)


def _update_communication(
    request: ApiRequest, activity: CommunicationActivity, payload: CommunicationUpdateIn
) -> CommunicationActivity:
    fields = payload.dict(exclude={"version"})
    _check_fields(CommunicationActivity, fields)
    actions.do_save_communication(
        activity.collaboration,
        request.auth,
        actions.CommunicationData(**fields),
        activity=activity,
        expected_version=payload.version,
    )
    return _get_activity(request, activity.collaboration_id, activity.pk)


nested.resource(
    "/{collaboration_id}/communications",
    singular="communication",
    plural="communications",
    item_param="activity_id",
    out=CommunicationOut,
    detail=CommunicationDetailOut,
    items=_list_communications,
    fetch=_activity_in,
    get=True,
    create=_create_communication,
    create_in=CommunicationIn,
    update=_update_communication,
    update_in=CommunicationUpdateIn,
    summaries={"create": "Draft a communication activity"},
    docs={
        "list": "The drafts; a company user sees them when its organisation must approve them.",
        "update": "A changed title or text is a new text version that every party approves again.",
    },
)


@router.post(
    "/{collaboration_id}/communications/{activity_id}/decisions",
    auth=api_auth,
    response={200: CommunicationDetailOut, **WRITE_ERRORS},
    summary="Approve, or ask for changes, for one party",
)
def decide_communication(
    request: ApiRequest,
    collaboration_id: int,
    activity_id: int,
    payload: CommunicationDecisionIn,
) -> CommunicationActivity:
    """Approved once every party to the signed agreements approved the current text."""
    activity = _get_activity(request, collaboration_id, activity_id)
    _check_fields(Approval, {"decision": payload.decision})
    actions.do_decide_communication(
        activity,
        request.auth,
        _organisation("organisation", payload.organisation),
        payload.decision,
        comment=payload.comment,
        text_version=payload.text_version,
    )
    return _get_activity(request, collaboration_id, activity_id)


# Follow-ups ---------------------------------------------------------------------------


def _create_follow_up(
    request: ApiRequest, collaboration: Collaboration, payload: FollowUpIn
) -> FollowUp:
    _check_fields(FollowUp, {"kind": payload.kind})
    follow_up = actions.do_add_follow_up(
        collaboration, request.auth, payload.kind, payload.due_date
    )
    return _get_follow_up(request, collaboration.pk, follow_up.pk)


nested.resource(
    "/{collaboration_id}/follow-ups",
    singular="follow_up",
    plural="follow_ups",
    item_param="follow_up_id",
    out=FollowUpOut,
    detail=FollowUpDetailOut,
    items=lambda request, collaboration: collaboration.follow_ups.all(),
    fetch=_follow_up_in,
    get=True,
    create=_create_follow_up,
    create_in=FollowUpIn,
    summaries={"create": "Plan an extra follow-up"},
)


@router.post(
    "/{collaboration_id}/follow-ups/{follow_up_id}/record",
    auth=api_auth,
    response={200: FollowUpDetailOut, **WRITE_ERRORS},
    summary="Record the follow-up conversation with the parties",
)
def record_follow_up(
    request: ApiRequest, collaboration_id: int, follow_up_id: int, payload: FollowUpRecordIn
) -> FollowUp:
    follow_up = _get_follow_up(request, collaboration_id, follow_up_id)
    actions.do_record_follow_up(
        follow_up,
        request.auth,
        actions.FollowUpRecord(**payload.dict(exclude={"version"})),
        expected_version=payload.version,
    )
    return _get_follow_up(request, collaboration_id, follow_up_id)


@router.put(
    "/{collaboration_id}/follow-ups/{follow_up_id}/answers/{organisation_id}",
    auth=api_auth,
    response={200: FollowUpAnswerOut, **WRITE_ERRORS},
    summary="A party's own answers to the follow-up",
)
def answer_follow_up(
    request: ApiRequest,
    collaboration_id: int,
    follow_up_id: int,
    organisation_id: int,
    payload: FollowUpAnswerIn,
) -> FollowUpAnswer:
    """Company users answer for their own organisation, coordinators for any party."""
    follow_up = _get_follow_up(request, collaboration_id, follow_up_id)
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    return actions.do_answer_follow_up(follow_up, request.auth, organisation, **payload.dict())
