"""Every change to a collaboration and its parts: atomic, permission-checked, recorded."""

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samverkan.accounts.models import STAFF_ROLES, Role, User
from samverkan.core.models import Parameter
from samverkan.inquiries.models import Gate
from samverkan.orgs.models import Committee, Contact, Organisation
from samverkan.strategy.models import Goal

from .links import (
    mark_answered,
    reassign_open_requests,
    remind_parties,
    request_from_parties,
    resend,
)
from .models import (
    Approval,
    Collaboration,
    CollaborationGateAnswer,
    CollaborationParty,
    CommunicationActivity,
    FollowUp,
    FollowUpAnswer,
    Funder,
    FundingApplication,
    PartyRequest,
    PartyRequestPurpose,
)
from .scheduling import follow_up_dates

if TYPE_CHECKING:
    from samverkan.inquiries.models import Inquiry

Status = Collaboration.Status
# The role a gate has when the reference data marks it `blocks: exclusivity`.
EXCLUSIVITY = "exclusivity"


def _refresh_register(collaboration: Collaboration) -> None:
    """Keep the collaboration's public register entry, if any, in step with it."""
    from samverkan.register.actions import refresh_entry

    refresh_entry(collaboration)


def _enter_register(collaboration: Collaboration) -> None:
    """Transparency by default: a collaboration that starts enters the register."""
    from samverkan.register.actions import enter_register

    enter_register(collaboration)


def require_coordinator(actor: User) -> None:
    if not actor.has_role(*STAFF_ROLES):
        raise PermissionDenied


def _lock(model: Any, pk: int, expected_version: int | None) -> Any:
    obj = model.objects.select_for_update().get(pk=pk)
    obj.check_version(expected_version)
    return obj


def _bump(obj: Any) -> None:
    obj.version += 1


@dataclass
class CollaborationData:
    title: str
    kind: str
    summary: str = ""
    internal_notes: str = ""
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    committees: list[Committee] = field(default_factory=list)
    centres: list[Any] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    responsible: User | None = None
    non_exclusivity_note: str = ""


def _check_dates(start: datetime.date | None, end: datetime.date | None) -> None:
    if start and end and end < start:
        raise ValidationError({"end_date": [_("The end date is before the start date.")]})


@transaction.atomic
def do_create_collaboration(
    actor: User, data: CollaborationData, *, inquiry: "Inquiry | None" = None
) -> Collaboration:
    require_coordinator(actor)
    _check_dates(data.start_date, data.end_date)
    collaboration = Collaboration(
        title=data.title,
        kind=data.kind,
        summary=data.summary,
        internal_notes=data.internal_notes,
        start_date=data.start_date,
        end_date=data.end_date,
        responsible=data.responsible or actor,
        inquiry=inquiry,
        non_exclusivity_note=data.non_exclusivity_note,
    )
    collaboration.full_clean(exclude=["inquiry", "responsible"])
    collaboration.save()
    collaboration.committees.set(data.committees)
    collaboration.centres.set(data.centres)
    collaboration.goals.set(data.goals)
    return collaboration


def create_from_inquiry(inquiry: "Inquiry", actor: User) -> Collaboration:
    """What an accepted inquiry becomes: its company, committees, goals and the assessed
    non-exclusivity carried over. Called inside the decision's transaction."""
    assessments = list(
        inquiry.assessments.prefetch_related("goals", "gate_answers__gate").select_related(
            "committee"
        )
    )
    goals = {goal for a in assessments for goal in a.goals.all()}
    notes = [
        f"{a.committee.name}: {answer.comment or _('not exclusive')}"
        for a in assessments
        for answer in a.gate_answers.all()
        if answer.gate.blocks == EXCLUSIVITY and answer.passed
    ]
    collaboration = do_create_collaboration(
        actor,
        CollaborationData(
            title=inquiry.title,
            kind=(inquiry.kinds or ["other"])[0],
            internal_notes=inquiry.description,
            committees=[r.committee for r in inquiry.routings.select_related("committee")],
            goals=sorted(goals, key=lambda g: g.number),
            responsible=inquiry.assigned_to or actor,
            non_exclusivity_note="\n".join(notes),
        ),
        inquiry=inquiry,
    )
    CollaborationParty.objects.create(
        collaboration=collaboration,
        organisation=inquiry.organisation,
        role=CollaborationParty.Role.COMPANY,
        resources=inquiry.resources_offered,
        contact=inquiry.contact,
    )
    _inherit_need(collaboration, actor)
    return collaboration


def _inherit_need(collaboration: Collaboration, actor: User) -> None:
    """A collaboration made from an inquiry that answered a need answers that need too."""
    from samverkan.needs.actions import link_from_inquiry

    link_from_inquiry(collaboration, actor)


@transaction.atomic
def do_update_collaboration(
    collaboration: Collaboration,
    actor: User,
    data: CollaborationData,
    *,
    expected_version: int | None = None,
) -> Collaboration:
    require_coordinator(actor)
    collaboration = _lock(Collaboration, collaboration.pk, expected_version)
    _check_dates(data.start_date, data.end_date)
    dates_changed = (collaboration.start_date, collaboration.end_date) != (
        data.start_date,
        data.end_date,
    )
    for name in [
        "title",
        "kind",
        "summary",
        "internal_notes",
        "start_date",
        "end_date",
        "non_exclusivity_note",
    ]:
        setattr(collaboration, name, getattr(data, name))
    if data.responsible is not None:
        collaboration.responsible = data.responsible
    _bump(collaboration)
    collaboration.full_clean(exclude=["inquiry", "responsible"])
    collaboration.save()
    collaboration.committees.set(data.committees)
    collaboration.centres.set(data.centres)
    collaboration.goals.set(data.goals)
    if dates_changed and collaboration.status == Status.ACTIVE:
        schedule_follow_ups(collaboration)
    _refresh_register(collaboration)
    return collaboration


def schedule_follow_ups(collaboration: Collaboration) -> list[FollowUp]:
    """(Re)plan the follow-ups that are not yet held, from the dates and the cadence."""
    if collaboration.start_date is None:
        return []
    interim, final = follow_up_dates(
        collaboration.start_date,
        collaboration.end_date,
        every_months=int(Parameter.get("follow_up_interval_months")),
        final_after_days=int(Parameter.get("final_follow_up_days_after_end")),
    )
    collaboration.follow_ups.pending().filter(answers__isnull=True).delete()
    kept = {(f.kind, f.due_date) for f in collaboration.follow_ups.all()}
    planned = [(FollowUp.Kind.INTERIM, day) for day in interim]
    if final is not None:
        planned.append((FollowUp.Kind.FINAL, final))
    return FollowUp.objects.bulk_create(
        [
            FollowUp(collaboration=collaboration, kind=kind, due_date=day)
            for kind, day in planned
            if (kind, day) not in kept
        ]
    )


@transaction.atomic
def do_change_collaboration_status(
    collaboration: Collaboration,
    actor: User,
    status: str,
    *,
    expected_version: int | None = None,
) -> Collaboration:
    require_coordinator(actor)
    if status not in Status.values:
        raise ValidationError({"status": [_("Unknown status.")]})
    collaboration = _lock(Collaboration, collaboration.pk, expected_version)
    if status not in collaboration.allowed_transitions():
        raise ValidationError(
            _("A collaboration that is “%(current)s” cannot become “%(target)s”.")
            % {"current": collaboration.get_status_display(), "target": Status(status).label}
        )
    if status == Status.ACTIVE:
        blockers = collaboration.start_blockers()
        if blockers:
            raise ValidationError(blockers)
    if (
        status == Status.COMPLETED
        and not collaboration.follow_ups.filter(
            kind=FollowUp.Kind.FINAL, held_on__isnull=False
        ).exists()
    ):
        raise ValidationError(
            _("Record the final follow-up with the parties before the collaboration is completed.")
        )
    started = collaboration.status == Status.ACTIVE
    collaboration.status = status
    _bump(collaboration)
    collaboration.save(update_fields=["status", "version", "updated_at"])
    if status == Status.ACTIVE:
        schedule_follow_ups(collaboration)
        _enter_register(collaboration)
    elif status == Status.ENDED_EARLY and started:
        _plan_final_follow_up(collaboration)
    _refresh_register(collaboration)
    return collaboration


def _plan_final_follow_up(collaboration: Collaboration) -> None:
    """An early ending gets its final follow-up too, due as after any ending; the interim
    conversations still ahead are no longer held."""
    today = timezone.localdate()
    if collaboration.end_date is None or collaboration.end_date > today:
        collaboration.end_date = today
        collaboration.save(update_fields=["end_date"])
    collaboration.follow_ups.pending().filter(
        kind=FollowUp.Kind.INTERIM, due_date__gt=today, answers__isnull=True
    ).delete()
    due = today + datetime.timedelta(days=int(Parameter.get("final_follow_up_days_after_end")))
    final = collaboration.follow_ups.filter(kind=FollowUp.Kind.FINAL).first()
    if final is None:
        FollowUp.objects.create(collaboration=collaboration, kind=FollowUp.Kind.FINAL, due_date=due)
    elif final.held_on is None and final.due_date > due:
        final.due_date = due
        final.save(update_fields=["due_date", "updated_at"])


@transaction.atomic
def do_record_collaboration_gates(
    collaboration: Collaboration,
    actor: User,
    answers: "dict[int, tuple[bool, str]]",
    *,
    expected_version: int | None = None,
) -> list[CollaborationGateAnswer]:
    """Answer every gate on a collaboration the infrastructure starts itself; recorded
    with who answered and when. Once it has started, the answers are what it started on."""
    require_coordinator(actor)
    collaboration = _lock(Collaboration, collaboration.pk, expected_version)
    if collaboration.status != Status.PLANNED:
        raise ValidationError(_("The gates are answered before the collaboration starts."))
    gates = list(Gate.objects.all())
    missing = [g.text for g in gates if g.pk not in answers]
    if missing:
        raise ValidationError(_("Answer every gate: %(gates)s") % {"gates": "; ".join(missing)})
    now = timezone.now()
    collaboration.gate_answers.all().delete()
    saved = CollaborationGateAnswer.objects.bulk_create(
        [
            CollaborationGateAnswer(
                collaboration=collaboration,
                gate=gate,
                passed=bool(answers[gate.pk][0]),
                comment=answers[gate.pk][1],
                recorded_by=actor,
                recorded_at=now,
            )
            for gate in gates
        ]
    )
    return saved


@dataclass
class PartyData:
    organisation: Organisation
    role: str
    role_description: str = ""
    resources: str = ""
    approver: User | None = None
    contact: Contact | None = None


def _check_approver(data: PartyData) -> None:
    approver = data.approver
    if approver is None:
        return
    if approver.role == Role.COMPANY and approver.organisation_id != data.organisation.pk:
        raise ValidationError(
            {"approver": [_("A company user approves only for their own organisation.")]}
        )
    if approver.role not in {Role.COMPANY, *STAFF_ROLES, Role.COMMITTEE}:
        raise ValidationError({"approver": [_("This person cannot approve communication.")]})


@transaction.atomic
def do_save_party(collaboration: Collaboration, actor: User, data: PartyData) -> CollaborationParty:
    """Add an organisation to the collaboration, or update its role, resources and approver."""
    require_coordinator(actor)
    _check_approver(data)
    if data.contact is not None and data.contact.organisation_id != data.organisation.pk:
        raise ValidationError({"contact": [_("Choose a contact person of the organisation.")]})
    defaults: dict[str, Any] = {
        "role": data.role,
        "role_description": data.role_description,
        "resources": data.resources,
        "approver": data.approver,
    }
    if data.contact is not None:  # a party keeps its contact person until another is chosen
        defaults["contact"] = data.contact
    party, _created = CollaborationParty.objects.update_or_create(
        collaboration=collaboration, organisation=data.organisation, defaults=defaults
    )
    reassign_open_requests(party)
    _refresh_register(collaboration)
    return party


@transaction.atomic
def do_remove_party(party: CollaborationParty, actor: User) -> None:
    require_coordinator(actor)
    if party.collaboration.agreements.filter(parties=party.organisation).exists():
        raise ValidationError(_("The organisation is a party to an agreement; end that first."))
    party.delete()
    _refresh_register(party.collaboration)


@dataclass
class FundingData:
    funder: str  # a funder's identifier in the reference data, or Funder.OTHER
    call: str
    amount_applied: Any
    currency: str = "SEK"
    status: str = FundingApplication.Status.PLANNED
    funder_name: str = ""
    amount_granted: Any = None
    submitted_on: datetime.date | None = None
    decided_on: datetime.date | None = None
    applicants: list[Organisation] = field(default_factory=list)


@transaction.atomic
def do_save_funding_application(
    collaboration: Collaboration,
    actor: User,
    data: FundingData,
    *,
    application: FundingApplication | None = None,
    expected_version: int | None = None,
) -> FundingApplication:
    require_coordinator(actor)
    errors: dict[str, list[str]] = {}
    if data.status == FundingApplication.Status.GRANTED and data.amount_granted is None:
        errors["amount_granted"] = [_("Give the amount granted.")]
    funder = None
    if data.funder == Funder.OTHER:
        if not data.funder_name.strip():
            errors["funder_name"] = [_("Name the funder.")]
    elif (funder := Funder.objects.filter(slug=data.funder).first()) is None:
        errors["funder"] = [_("Choose one of the funders listed, or “Other” with a name.")]
    if errors:
        raise ValidationError(errors)
    if application is None:
        application = FundingApplication(collaboration=collaboration)
    else:
        application = _lock(FundingApplication, application.pk, expected_version)
        _bump(application)
    application.funder = funder
    for name in [
        "funder_name",
        "call",
        "amount_applied",
        "amount_granted",
        "currency",
        "status",
        "submitted_on",
        "decided_on",
    ]:
        setattr(application, name, getattr(data, name))
    application.currency = application.currency.upper()
    application.full_clean(exclude=["collaboration"])
    application.save()
    application.applicants.set(data.applicants)
    _refresh_register(collaboration)
    return application


# Communication -----------------------------------------------------------------------


def required_approvers_for(collaboration: Collaboration) -> list[Organisation]:
    """Communication is decided jointly: by the parties of the signed agreements, or,
    before any agreement is signed, by every party of the collaboration."""
    from samverkan.agreements.models import Agreement

    signed = list(
        Organisation.objects.filter(
            agreements__collaboration=collaboration,
            agreements__status=Agreement.Status.SIGNED,
        )
        .distinct()
        .order_by("name")
    )
    if signed:
        return signed
    return list(
        Organisation.objects.filter(collaboration_parties__collaboration=collaboration)
        .distinct()
        .order_by("name")
    )


def required_approvers(activity: CommunicationActivity) -> list[Organisation]:
    return required_approvers_for(activity.collaboration)


def can_approve_for(user: User, collaboration: Collaboration, organisation: Organisation) -> bool:
    """The named approver; a company user for their own organisation; or, for an
    infrastructure party with no named approver, a coordinator."""
    party = CollaborationParty.objects.filter(
        collaboration=collaboration, organisation=organisation
    ).first()
    return party is not None and _approves_for(user, party, organisation)


def approvable_for(
    user: User, collaboration: Collaboration, organisations: list[Organisation]
) -> list[Organisation]:
    """Those of the organisations the user may approve for (as `can_approve_for`), the
    parties read in one query."""
    parties = {p.organisation_id: p for p in collaboration.parties.all()}
    return [
        organisation
        for organisation in organisations
        if (party := parties.get(organisation.pk)) and _approves_for(user, party, organisation)
    ]


def _approves_for(user: User, party: CollaborationParty, organisation: Organisation) -> bool:
    if party.approver_id is not None:
        return party.approver_id == user.pk
    if user.role == Role.COMPANY:
        return user.organisation_id == organisation.pk
    return user.has_role(*STAFF_ROLES) and organisation.is_infrastructure_party


@dataclass
class CommunicationData:
    kind: str
    title: str
    text: str
    planned_date: datetime.date | None = None
    channel: str = ""


@transaction.atomic
def do_save_communication(
    collaboration: Collaboration,
    actor: User,
    data: CommunicationData,
    *,
    activity: CommunicationActivity | None = None,
    expected_version: int | None = None,
) -> CommunicationActivity:
    """Create or edit a draft; a changed text needs everyone's approval again, and the
    parties without an account get a new personal link to read and decide on it."""
    require_coordinator(actor)
    asks_again = activity is None
    if activity is None:
        activity = CommunicationActivity(collaboration=collaboration, created_by=actor)
    else:
        activity = _lock(CommunicationActivity, activity.pk, expected_version)
        _bump(activity)
        if (activity.title, activity.text) != (data.title, data.text):
            activity.text_version += 1
            activity.approved_at = None
            asks_again = True
    for name in ["kind", "title", "text", "planned_date", "channel"]:
        setattr(activity, name, getattr(data, name))
    activity.save()
    if asks_again:
        request_from_parties(
            collaboration,
            PartyRequestPurpose.APPROVE_COMMUNICATION,
            activity.pk,
            organisations=required_approvers(activity),
        )
    return activity


@transaction.atomic
def do_decide_communication(
    activity: CommunicationActivity,
    actor: User | None,
    organisation: Organisation,
    decision: str,
    *,
    comment: str = "",
    text_version: int | None = None,
    contact: Contact | None = None,
) -> Approval:
    """Approve, or ask for changes, on behalf of one party for the current text: signed
    in, or as the party's contact person through a personal link."""
    activity = CommunicationActivity.objects.select_for_update().get(pk=activity.pk)
    if text_version is not None and text_version != activity.text_version:
        raise ValidationError(
            _("The text has changed since you read it. Read the new text before you decide.")
        )
    required = required_approvers(activity)
    if organisation not in required:
        raise ValidationError(
            _("%(org)s does not decide on this collaboration's communication.")
            % {"org": organisation}
        )
    if contact is not None:
        if contact.organisation_id != organisation.pk:
            raise PermissionDenied
    elif actor is None or not can_approve_for(actor, activity.collaboration, organisation):
        raise PermissionDenied
    if decision not in Approval.Decision.values:
        raise ValidationError({"decision": [_("Approve or ask for changes.")]})
    if decision == Approval.Decision.APPROVED and not activity.names_infrastructure:
        raise ValidationError(
            _(
                "The text does not name the infrastructure, as the strategy requires; it "
                "cannot be approved until it does."
            )
        )
    if decision == Approval.Decision.CHANGES_REQUESTED and not comment.strip():
        raise ValidationError({"comment": [_("Say what should change.")]})
    approval, _created = Approval.objects.update_or_create(
        activity=activity,
        organisation=organisation,
        text_version=activity.text_version,
        defaults={
            "decision": decision,
            "comment": comment,
            "decided_by": actor,
            "decided_by_contact": contact,
        },
    )
    approved = set(
        activity.approvals.filter(
            text_version=activity.text_version, decision=Approval.Decision.APPROVED
        ).values_list("organisation_id", flat=True)
    )
    activity.approved_at = timezone.now() if {o.pk for o in required} <= approved else None
    activity.save(update_fields=["approved_at", "updated_at"])
    mark_answered(
        activity.collaboration, organisation, PartyRequestPurpose.APPROVE_COMMUNICATION, activity.pk
    )
    return approval


def missing_approvals(activity: CommunicationActivity) -> list[Organisation]:
    """The parties whose approval of the current text is still missing."""
    approved = set(
        activity.approvals.filter(
            text_version=activity.text_version, decision=Approval.Decision.APPROVED
        ).values_list("organisation_id", flat=True)
    )
    return [o for o in required_approvers(activity) if o.pk not in approved]


# Follow-ups ---------------------------------------------------------------------------


@transaction.atomic
def do_add_follow_up(
    collaboration: Collaboration, actor: User, kind: str, due_date: datetime.date
) -> FollowUp:
    require_coordinator(actor)
    return FollowUp.objects.create(collaboration=collaboration, kind=kind, due_date=due_date)


@dataclass
class FollowUpRecord:
    held_on: datetime.date
    participants: str = ""
    what_worked: str = ""
    what_to_change: str = ""
    lessons: str = ""
    would_collaborate_again: int | None = None
    notes: str = ""


@transaction.atomic
def do_record_follow_up(
    follow_up: FollowUp,
    actor: User,
    data: FollowUpRecord,
    *,
    expected_version: int | None = None,
) -> FollowUp:
    """The coordinator records the conversation with the parties."""
    require_coordinator(actor)
    follow_up = _lock(FollowUp, follow_up.pk, expected_version)
    if data.held_on > timezone.localdate():
        raise ValidationError({"held_on": [_("A follow-up cannot be held in the future.")]})
    for name in [
        "held_on",
        "participants",
        "what_worked",
        "what_to_change",
        "lessons",
        "would_collaborate_again",
        "notes",
    ]:
        setattr(follow_up, name, getattr(data, name))
    follow_up.recorded_by = actor
    _bump(follow_up)
    follow_up.full_clean(exclude=["collaboration"])
    follow_up.save()
    return follow_up


@transaction.atomic
def do_answer_follow_up(
    follow_up: FollowUp,
    actor: User | None,
    organisation: Organisation,
    *,
    value_created: str,
    what_worked: str = "",
    what_to_change: str = "",
    would_collaborate_again: int | None = None,
    contact: Contact | None = None,
) -> FollowUpAnswer:
    """A party's own answers: company users for their organisation, staff for any party,
    or the party's contact person through a personal link."""
    is_party = follow_up.collaboration.parties.filter(organisation=organisation).exists()
    if not is_party:
        raise ValidationError(
            _("%(org)s is not a party to the collaboration.") % {"org": organisation}
        )
    if contact is not None:
        allowed = contact.organisation_id == organisation.pk
    elif actor is not None:
        own_company = actor.role == Role.COMPANY and actor.organisation_id == organisation.pk
        allowed = own_company or actor.has_role(*STAFF_ROLES)
    else:
        allowed = False
    if not allowed:
        raise PermissionDenied
    answer, _created = FollowUpAnswer.objects.update_or_create(
        follow_up=follow_up,
        organisation=organisation,
        defaults={
            "value_created": value_created,
            "what_worked": what_worked,
            "what_to_change": what_to_change,
            "would_collaborate_again": would_collaborate_again,
            "answered_by": actor,
            "answered_by_contact": contact,
        },
    )
    answer.full_clean()
    mark_answered(
        follow_up.collaboration, organisation, PartyRequestPurpose.ANSWER_FOLLOW_UP, follow_up.pk
    )
    return answer


@transaction.atomic
def do_ask_follow_up_answers(follow_up: FollowUp, actor: User) -> list[PartyRequest]:
    """Send the parties without an account their personal links to answer the follow-up."""
    require_coordinator(actor)
    return request_from_parties(
        follow_up.collaboration,
        PartyRequestPurpose.ANSWER_FOLLOW_UP,
        follow_up.pk,
        without_account=True,
    )


@transaction.atomic
def send_due_follow_up_links(follow_up: FollowUp) -> list[PartyRequest]:
    """The reminder job's part: when a follow-up falls due, and with each reminder after,
    the parties whose contact person has no account get their personal link to answer,
    without anyone asking. A party that has answered is not asked again."""
    answered = set(follow_up.answers.values_list("organisation_id", flat=True))
    return remind_parties(
        follow_up.collaboration,
        PartyRequestPurpose.ANSWER_FOLLOW_UP,
        follow_up.pk,
        answered=answered,
    )


@transaction.atomic
def do_resend_party_request(
    request: PartyRequest, actor: User, *, contact: Contact | None = None
) -> PartyRequest:
    """Send the link again, or to another contact person of the same party."""
    require_coordinator(actor)
    request = PartyRequest.objects.select_for_update().get(pk=request.pk)
    if request.answered_at is not None:
        raise ValidationError(_("The party has already answered."))
    if contact is not None:
        if contact.organisation_id != request.organisation_id:
            raise ValidationError({"contact": [_("Choose a contact person of the party.")]})
        if not contact.email or contact.erased_at is not None:
            raise ValidationError({"contact": [_("The contact person has no e-mail address.")]})
        CollaborationParty.objects.filter(
            collaboration_id=request.collaboration_id, organisation_id=request.organisation_id
        ).update(contact=contact)
    return resend(request, contact)
