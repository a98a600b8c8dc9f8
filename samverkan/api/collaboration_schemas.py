"""Request and response bodies of the collaborations API."""

import datetime
from decimal import Decimal
from typing import Any

from django.urls import reverse
from ninja import Field, Schema

from samverkan.accounts.models import Role
from samverkan.agreements.models import AgreementPrinciple
from samverkan.collaborations.actions import can_approve_for, required_approvers

from .schemas import Id, VersionIn


def _username(user: Any) -> str | None:
    return user.username if user else None


def _user(context: Any) -> Any:
    return context["request"].auth


def _is_company(context: Any) -> bool:
    return bool(_user(context).role == Role.COMPANY)


class OrganisationRefOut(Schema):
    id: int
    name: str


# Collaborations -----------------------------------------------------------------------


class PartyBriefOut(Schema):
    organisation: int = Field(..., alias="organisation_id")
    organisation_name: str
    role: str

    @staticmethod
    def resolve_organisation_name(obj: Any) -> str:
        return str(obj.organisation.name)


class PartyOut(PartyBriefOut):
    id: int
    role_description: str
    resources: str
    approver: str | None = Field(None, description="Username of who approves communication")
    contact: int | None = Field(
        None,
        alias="contact_id",
        description="The contact person who gets personal links (no account needed)",
    )

    @staticmethod
    def resolve_approver(obj: Any) -> str | None:
        return _username(obj.approver)


class PartyIn(Schema):
    organisation: int = Field(..., description="The organisation's id")
    role: str = Field(..., description="infrastructure_party, company or other")
    role_description: str = ""
    resources: str = ""
    approver: str | None = Field(
        None, description="Username of who approves communication for the party"
    )
    contact: int | None = Field(
        None,
        description="Id of the organisation's contact person who gets personal links by "
        "e-mail; left unchanged when not given",
    )


class CollaborationOut(Schema):
    id: int
    title: str
    kind: str
    status: str
    start_date: datetime.date | None
    end_date: datetime.date | None
    committees: list[str] = Field(..., description="Committee ids from the reference data")
    parties: list[PartyBriefOut]
    responsible: str | None
    created_at: datetime.datetime
    version: int

    @staticmethod
    def resolve_committees(obj: Any) -> list[str]:
        return [c.slug for c in obj.committees.all()]

    @staticmethod
    def resolve_responsible(obj: Any) -> str | None:
        return _username(obj.responsible)


class CollaborationDetailOut(CollaborationOut):
    summary: str
    internal_notes: str | None = Field(None, description="Not shown to company users")
    non_exclusivity_note: str
    inquiry: str | None = Field(None, description="The reference of the inquiry it came from")
    parties: list[PartyOut]  # type: ignore[assignment]
    centres: list[str] = Field(
        ..., description="Identifiers of the regional centres taking part in it"
    )
    needs: list[int] = Field(
        ..., description="Ids of the committees' and centres' needs it answers"
    )
    goals: list[int]
    allowed_transitions: list[str]
    start_blockers: list[str] = Field(
        ..., description="Why it cannot start yet (gates, parties, start date); empty when it can"
    )
    gates_inherited: bool = Field(
        ..., description="The gates were met in the accepted inquiry's assessments"
    )
    register_state: str | None = Field(
        None, description="preview, published or withdrawn; none before it starts"
    )

    @staticmethod
    def resolve_start_blockers(obj: Any) -> list[str]:
        return obj.start_blockers() if obj.status == "planned" else []

    @staticmethod
    def resolve_gates_inherited(obj: Any) -> bool:
        return bool(obj.inherited_gates())

    @staticmethod
    def resolve_register_state(obj: Any) -> str | None:
        entry = getattr(obj, "register_entry", None)
        return entry.state if entry is not None else None

    @staticmethod
    def resolve_internal_notes(obj: Any, context: Any) -> str | None:
        return None if _is_company(context) else obj.internal_notes

    @staticmethod
    def resolve_inquiry(obj: Any) -> str | None:
        return obj.inquiry.reference if obj.inquiry_id else None

    @staticmethod
    def resolve_centres(obj: Any) -> list[str]:
        return [g.slug for g in obj.centres.all()]

    @staticmethod
    def resolve_needs(obj: Any) -> list[int]:
        return [link.need_id for link in obj.need_links.all()]

    @staticmethod
    def resolve_goals(obj: Any) -> list[int]:
        return [g.number for g in obj.goals.all()]

    @staticmethod
    def resolve_allowed_transitions(obj: Any) -> list[str]:
        return sorted(obj.allowed_transitions())


class CollaborationIn(Schema):
    title: str
    kind: str = Field(..., description="research, development, testing, education, pilot, ...")
    summary: str = Field("", description="Public: shown in the register")
    internal_notes: str = ""
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    committees: list[str] = Field([], description="Committee ids from the reference data")
    centres: list[str] = Field([], description="Identifiers of the regional centres")
    goals: list[Id] = Field([], description="Numbers of the infrastructure's goals served")
    responsible: str | None = Field(
        None, description="Username of the responsible coordinator; you when empty"
    )


class CollaborationUpdateIn(CollaborationIn):
    version: int


class CollaborationStatusIn(VersionIn):
    status: str = Field(..., description="planned, active, completed or ended_early")


class GateAnswerIn(Schema):
    met: bool
    comment: str = Field("", max_length=2000)


class CollaborationGatesIn(Schema):
    gates: dict[str, GateAnswerIn] = Field(
        ..., description="Every gate, by its identifier, answered met or not, with a comment"
    )


# Funding ------------------------------------------------------------------------------


class FundingOut(Schema):
    id: int
    funder: str = Field(..., description="The funder's identifier in the reference data, or other")
    funder_name: str
    call: str
    amount_applied: Decimal
    amount_granted: Decimal | None
    currency: str
    status: str
    submitted_on: datetime.date | None
    decided_on: datetime.date | None
    applicants: list[OrganisationRefOut]
    version: int

    @staticmethod
    def resolve_funder(obj: Any) -> str:
        return str(obj.funder_slug)


class FundingIn(Schema):
    funder: str = Field(
        ...,
        max_length=50,
        description="A funder's identifier from the reference data (GET /api/v1/funders), or other",
    )
    funder_name: str = Field("", description="Required when the funder is other")
    call: str
    amount_applied: Decimal = Field(Decimal(0), description='A decimal string, e.g. "1500000.00"')
    amount_granted: Decimal | None = None
    currency: str = "SEK"
    status: str = Field("planned", description="planned, submitted, granted or rejected")
    submitted_on: datetime.date | None = None
    decided_on: datetime.date | None = None
    applicants: list[Id] = Field([], description="Organisation ids")


class FundingUpdateIn(FundingIn):
    version: int


# Agreements ---------------------------------------------------------------------------


class AgreementOut(Schema):
    id: int
    kind: str
    title: str
    status: str
    parties: list[OrganisationRefOut]
    signed_on: datetime.date | None
    valid_from: datetime.date | None
    valid_to: datetime.date | None
    responsible: str | None
    version: int

    @staticmethod
    def resolve_responsible(obj: Any) -> str | None:
        return _username(obj.responsible)


class PrincipleAnswerOut(Schema):
    principle: str
    text: str
    answer: str | None
    comment: str
    justification: str = ""
    blocks_signing: bool = False


class AgreementDetailOut(AgreementOut):
    terms: str | None = Field(
        None, description="Confidential: for coordinators, viewers and the parties only"
    )
    allowed_transitions: list[str]
    principles: list[PrincipleAnswerOut]

    @staticmethod
    def resolve_terms(obj: Any, context: Any) -> str | None:
        user = _user(context)
        party_ids = {o.pk for o in obj.parties.all()}
        if user.reads_everything or (
            user.role == Role.COMPANY and user.organisation_id in party_ids
        ):
            return str(obj.terms)
        return None

    @staticmethod
    def resolve_allowed_transitions(obj: Any) -> list[str]:
        return sorted(obj.allowed_transitions())

    @staticmethod
    def resolve_principles(obj: Any) -> list[dict[str, Any]]:
        answers = {a.principle_id: a for a in obj.principles.all()}
        rows = []
        for principle in AgreementPrinciple.objects.all():
            answer = answers.get(principle.pk)
            rows.append(
                {
                    "principle": principle.slug,
                    "text": principle.text,
                    "answer": answer.answer if answer else None,
                    "comment": answer.comment if answer else "",
                    "justification": answer.justification if answer else "",
                    "blocks_signing": principle.blocks_signing,
                }
            )
        return rows


class AgreementIn(Schema):
    kind: str = Field(
        ..., description="collaboration, confidentiality, data_processing, transfer or other"
    )
    title: str
    parties: list[Id] = Field([], description="Organisation ids; parties to the collaboration")
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None
    responsible: str | None = Field(None, description="Username of the responsible coordinator")
    terms: str = ""


class AgreementUpdateIn(AgreementIn):
    version: int


class AgreementStatusIn(VersionIn):
    status: str = Field(..., description="draft, negotiation, signed, expired or terminated")
    signed_on: datetime.date | None = Field(None, description="Required when signing")


class PrincipleAnswerIn(Schema):
    answer: str = Field(..., description="yes, no or na")
    comment: str = ""
    justification: str = Field(
        "",
        description="Why a “no” is acceptable; required to sign when the principle does "
        "not block signing",
    )


class DocumentOut(Schema):
    id: int
    number: int = Field(..., description="The document's version, from 1")
    name: str = Field(..., alias="original_name")
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime.datetime
    uploaded_by: str | None
    download_url: str

    @staticmethod
    def resolve_uploaded_by(obj: Any) -> str | None:
        return _username(obj.uploaded_by)

    @staticmethod
    def resolve_download_url(obj: Any) -> str:
        return reverse(
            "api:agreement_document_download",
            kwargs={
                "collaboration_id": obj.agreement.collaboration_id,
                "agreement_id": obj.agreement_id,
                "document_id": obj.pk,
            },
        )


# Communication ------------------------------------------------------------------------


class CommunicationOut(Schema):
    id: int
    kind: str
    title: str
    planned_date: datetime.date | None
    channel: str
    text_version: int
    approved: bool = Field(..., description="Every required party approved the current text")
    approved_at: datetime.datetime | None
    names_infrastructure: bool = Field(
        ..., description="The text names the infrastructure, as every communication must"
    )
    version: int

    @staticmethod
    def resolve_approved(obj: Any) -> bool:
        return bool(obj.is_approved)


class ApproverOut(Schema):
    organisation: int
    organisation_name: str
    decision: str | None = Field(None, description="On the current text version")
    comment: str
    decided_by: str | None
    decided_at: datetime.datetime | None
    may_decide: bool = Field(..., description="Whether you may decide for this party")


class CommunicationDetailOut(CommunicationOut):
    text: str
    created_by: str | None
    required_approvers: list[ApproverOut] = Field(
        ..., description="The parties to the signed agreements, with their decisions"
    )

    @staticmethod
    def resolve_created_by(obj: Any) -> str | None:
        return _username(obj.created_by)

    @staticmethod
    def resolve_required_approvers(obj: Any, context: Any) -> list[dict[str, Any]]:
        user = _user(context)
        decisions = {
            a.organisation_id: a
            for a in obj.approvals.filter(text_version=obj.text_version).select_related(
                "decided_by"
            )
        }
        rows = []
        for organisation in required_approvers(obj):
            decision = decisions.get(organisation.pk)
            rows.append(
                {
                    "organisation": organisation.pk,
                    "organisation_name": organisation.name,
                    "decision": decision.decision if decision else None,
                    "comment": decision.comment if decision else "",
                    "decided_by": _username(decision.decided_by) if decision else None,
                    "decided_at": decision.decided_at if decision else None,
                    "may_decide": can_approve_for(user, obj.collaboration, organisation),
                }
            )
        return rows


class CommunicationIn(Schema):
    kind: str = Field(..., description="press_release, news, talk, article or social_media")
    title: str
    text: str
    planned_date: datetime.date | None = None
    channel: str = ""


class CommunicationUpdateIn(CommunicationIn):
    version: int


class CommunicationDecisionIn(Schema):
    organisation: int = Field(..., description="The id of the party you decide for")
    decision: str = Field(..., description="approved or changes_requested")
    comment: str = Field("", description="Required when asking for changes")
    text_version: int | None = Field(None, description="The text version you read")


# Follow-ups ---------------------------------------------------------------------------


class FollowUpOut(Schema):
    id: int
    kind: str
    due_date: datetime.date
    held_on: datetime.date | None
    is_done: bool
    version: int


class FollowUpAnswerOut(Schema):
    organisation: int = Field(..., alias="organisation_id")
    organisation_name: str
    value_created: str
    what_worked: str
    what_to_change: str
    would_collaborate_again: int | None
    answered_by: str | None
    updated_at: datetime.datetime

    @staticmethod
    def resolve_organisation_name(obj: Any) -> str:
        return str(obj.organisation.name)

    @staticmethod
    def resolve_answered_by(obj: Any) -> str | None:
        return _username(obj.answered_by)


def _conversation(field: str) -> Any:
    """The record of the conversation is for the infrastructure's staff; company users see
    their answers."""

    def resolve(obj: Any, context: Any) -> Any:
        return None if _is_company(context) else getattr(obj, field)

    return staticmethod(resolve)


class FollowUpDetailOut(FollowUpOut):
    participants: str | None = Field(None, description="Not shown to company users")
    what_worked: str | None = None
    what_to_change: str | None = None
    lessons: str | None = None
    would_collaborate_again: int | None = None
    notes: str | None = None
    recorded_by: str | None = None
    answers: list[FollowUpAnswerOut] = Field(
        ..., description="The parties' answers; a company user sees its own"
    )

    resolve_participants = _conversation("participants")
    resolve_what_worked = _conversation("what_worked")
    resolve_what_to_change = _conversation("what_to_change")
    resolve_lessons = _conversation("lessons")
    resolve_would_collaborate_again = _conversation("would_collaborate_again")
    resolve_notes = _conversation("notes")

    @staticmethod
    def resolve_recorded_by(obj: Any, context: Any) -> str | None:
        return None if _is_company(context) else _username(obj.recorded_by)

    @staticmethod
    def resolve_answers(obj: Any, context: Any) -> list[Any]:
        user = _user(context)
        answers = list(obj.answers.all())
        if user.role == Role.COMPANY:
            return [a for a in answers if a.organisation_id == user.organisation_id]
        return answers


class FollowUpIn(Schema):
    kind: str = Field(..., description="interim or final")
    due_date: datetime.date


class FollowUpRecordIn(VersionIn):
    held_on: datetime.date
    participants: str = ""
    what_worked: str = ""
    what_to_change: str = ""
    lessons: str = ""
    would_collaborate_again: int | None = Field(None, description="1 to 5")
    notes: str = ""


class FollowUpAnswerIn(Schema):
    value_created: str
    what_worked: str = ""
    what_to_change: str = ""
    would_collaborate_again: int | None = Field(None, description="1 to 5")
