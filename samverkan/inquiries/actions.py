"""Every change to an inquiry goes through here: atomic, permission-checked, recorded."""

import datetime
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import CharField, Exists, OuterRef, Value, prefetch_related_objects
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from samverkan.accounts.models import STAFF_ROLES, Role, User
from samverkan.core.email import queue_email
from samverkan.core.models import Infrastructure, ReminderLog
from samverkan.core.queue import enqueue_on_commit
from samverkan.notifications.actions import notify
from samverkan.notifications.models import Event
from samverkan.orgs.models import Committee, Contact, Organisation
from samverkan.strategy.models import Goal

from .models import (
    Assessment,
    CriterionScore,
    Gate,
    GateAnswer,
    Inquiry,
    Message,
    PriorityCriterion,
    ReferenceCounter,
    Routing,
    StatusChange,
    priority_from_scores,
)

if TYPE_CHECKING:
    from samverkan.needs.models import Need

Status = Inquiry.Status


@dataclass
class IntakeData:
    """A validated inquiry from the public form or the API."""

    organisation_name: str
    contact_name: str
    contact_email: str
    title: str
    description: str
    organisation_number: str = ""
    foreign_identifier: str = ""
    country: str = "SE"
    kinds: list[str] = field(default_factory=list)
    committees: list[Committee] = field(default_factory=list)
    need: "Need | None" = None
    resources_offered: str = ""
    mutual_benefit: str = ""
    other_companies: str = ""
    operations_in_sweden: bool = False


def _require_role(actor: User, roles: Iterable[str]) -> None:
    if not actor.has_role(*roles):
        raise PermissionDenied


def _lock(inquiry: Inquiry, expected_version: int | None) -> Inquiry:
    locked = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
    locked.check_version(expected_version)
    return locked


def _save(inquiry: Inquiry, *fields: str) -> None:
    inquiry.version += 1
    inquiry.save(update_fields=[*fields, "version", "updated_at"])


def _transition(inquiry: Inquiry, to: str, actor: User | None, comment: str = "") -> None:
    if not inquiry.can_transition_to(to):
        raise ValidationError(
            _("An inquiry that is “%(current)s” cannot become “%(target)s”.")
            % {"current": inquiry.get_status_display(), "target": Status(to).label}
        )
    StatusChange.objects.create(
        inquiry=inquiry,
        from_status=inquiry.status,
        to_status=to,
        changed_by=actor,
        comment=comment,
    )
    inquiry.status = to


def _mark_answered(inquiry: Inquiry) -> None:
    if inquiry.first_response_at is None:
        inquiry.first_response_at = timezone.now()


def sender_url(inquiry: Inquiry) -> str:
    return settings.SITE_URL + reverse("inquiries:sender", args=[inquiry.sender_token])


def _email_sender(inquiry: Inquiry, template: str, **context: Any) -> None:
    context.update(inquiry=inquiry, sender_url=sender_url(inquiry))
    queue_email(inquiry.contact_email, template, context, inquiry.language)


def next_reference(year: int | None = None) -> str:
    """The next reference of the year, like REF-2026-00042; call inside a transaction."""
    prefix = Infrastructure.current().prefix
    year = year or timezone.localdate().year
    table, p, y, v = (
        connection.ops.quote_name(name)
        for name in [ReferenceCounter._meta.db_table, "prefix", "year", "value"]
    )
    # One statement creates the year's row or counts it up, and locks it until the
    # transaction ends, so no two inquiries read the same number.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({p}, {y}, {v}) VALUES (%s, %s, 1) "  # noqa: S608
            f"ON CONFLICT ({p}, {y}) DO UPDATE SET {v} = {table}.{v} + 1 RETURNING {v}",
            [prefix, year],
        )
        (value,) = cursor.fetchone()
    return f"{prefix}-{year}-{value:05d}"


def _organisation_for(data: IntakeData) -> tuple[Organisation, bool]:
    """The sender's organisation, and whether it is new."""
    # Public input never renames an organisation we already know.
    if data.organisation_number:
        return Organisation.objects.get_or_create(
            organisation_number=data.organisation_number,
            defaults={"name": data.organisation_name, "country": "SE"},
        )
    return Organisation.objects.get_or_create(
        country=data.country,
        foreign_identifier=data.foreign_identifier,
        defaults={"name": data.organisation_name},
    )


def _contact_for(data: IntakeData, organisation: Organisation, *, new: bool) -> Contact:
    email = data.contact_email.lower()
    if new:
        # Nobody else can see an organisation this transaction created: nothing to look up.
        return Contact.objects.create(
            organisation=organisation, email=email, name=data.contact_name
        )
    contact, _created = Contact.objects.get_or_create(
        organisation=organisation, email=email, defaults={"name": data.contact_name}
    )
    return contact


def do_submit_inquiry(
    data: IntakeData,
    *,
    language: str,
    idempotency_key: str | None = None,
    submitted_at: datetime.datetime | None = None,
) -> tuple[Inquiry, bool]:
    """Store an inquiry from the central entry point; a repeated key returns the first one.

    `submitted_at` is for inquiries that arrived earlier by other means (the demo story): the
    reference carries the year it was sent, as it would have had then.
    """
    # A repeated key is rare (a double click, a client's retry): the unique key refuses it
    # below, which costs the first-time sender no look-up.
    try:
        with transaction.atomic():
            organisation, new = _organisation_for(data)
            contact = _contact_for(data, organisation, new=new)
            when = submitted_at or timezone.now()
            inquiry = Inquiry.objects.create(
                reference=next_reference(timezone.localtime(when).year),
                organisation=organisation,
                contact=contact,
                organisation_name=data.organisation_name,
                organisation_number=data.organisation_number,
                foreign_identifier=data.foreign_identifier,
                country=data.country,
                contact_name=data.contact_name,
                contact_email=data.contact_email,
                title=data.title,
                description=data.description,
                kinds=list(data.kinds),
                need=data.need,
                resources_offered=data.resources_offered,
                mutual_benefit=data.mutual_benefit,
                other_companies=data.other_companies,
                operations_in_sweden=data.operations_in_sweden,
                language=language if language in dict(settings.LANGUAGES) else "sv",
                consent_at=when,
                idempotency_key=idempotency_key or None,
                sender_token=secrets.token_urlsafe(32),
            )
            committees = list(data.committees)
            # A centre's need names the committee to contact, if any, instead of its own.
            need_committee = data.need and (data.need.committee or data.need.contact_committee)
            if need_committee and need_committee not in committees:
                committees.append(need_committee)
            # A new inquiry has no committees yet: the links are inserted in one statement.
            link = Inquiry.requested_committees.through
            link.objects.bulk_create(
                link(inquiry=inquiry, committee=committee) for committee in committees
            )
            StatusChange.objects.create(inquiry=inquiry, to_status=Status.RECEIVED)
            # The sender's acknowledgement is stored with the inquiry; matching and telling
            # the coordinators wait for the worker, so the sender does not wait for them.
            _email_sender(inquiry, "inquiries/email/acknowledgement.txt")
            for task in ["suggest_committees_for_inquiry", "announce_new_inquiry"]:
                enqueue_on_commit(f"samverkan.inquiries.tasks.{task}", inquiry.pk)
    except IntegrityError:
        # A repeat of the same submission, or a concurrent one that won the race: answer
        # with the inquiry stored first.
        if idempotency_key:
            existing = Inquiry.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing, False
        raise
    return inquiry, True


def announce_key(inquiry: Inquiry) -> str:
    return f"new-inquiry:{inquiry.pk}"


@transaction.atomic
def do_announce_new_inquiry(inquiry: Inquiry) -> int:
    """Tell the coordinators that the inquiry arrived, once however often the worker runs
    this; how many were told (0 when they already were)."""
    try:
        with transaction.atomic():
            # The log row commits with the notifications: a failure leaves neither, and a
            # second run (or a concurrent one, which waits for the first) finds it.
            ReminderLog.objects.create(key=announce_key(inquiry))
    except IntegrityError:
        return 0
    # The coordinators read it in the platform's language, not the sender's.
    with translation.override(settings.LANGUAGE_CODE):
        title = _("New inquiry %(reference)s: %(title)s") % {
            "reference": inquiry.reference,
            "title": inquiry.title,
        }
    return len(
        notify(
            User.objects.filter(role__in=STAFF_ROLES),
            Event.NEW_INQUIRY,
            title,
            inquiry.get_absolute_url(),
        )
    )


# An announcement whose task was lost (the database gone between the intake's commit and
# the queueing) is made by the periodic sweep: inquiries this old and not yet announced.
ANNOUNCE_GRACE = datetime.timedelta(minutes=10)
ANNOUNCE_LOOKBACK = datetime.timedelta(days=7)


def announce_missed_inquiries() -> int:
    """Announce the recent inquiries whose announcement never ran; how many."""
    now = timezone.now()
    announced = ReminderLog.objects.filter(
        key=Concat(Value("new-inquiry:"), Cast(OuterRef("pk"), CharField()))
    )
    missed = Inquiry.objects.filter(
        created_at__gte=now - ANNOUNCE_LOOKBACK, created_at__lt=now - ANNOUNCE_GRACE
    ).exclude(Exists(announced))
    return sum(1 for inquiry in missed if do_announce_new_inquiry(inquiry))


@transaction.atomic
def do_assign_inquiry(
    inquiry: Inquiry,
    actor: User,
    *,
    assignee: User | None = None,
    expected_version: int | None = None,
) -> Inquiry:
    _require_role(actor, STAFF_ROLES)
    assignee = assignee or actor
    if not assignee.has_role(*STAFF_ROLES):
        raise ValidationError(_("Only a coordinator can be assigned an inquiry."))
    inquiry = _lock(inquiry, expected_version)
    if not inquiry.is_open:
        raise ValidationError(_("A decided inquiry cannot be assigned."))
    inquiry.assigned_to = assignee
    if inquiry.status == Status.RECEIVED:
        _transition(inquiry, Status.TRIAGE, actor, _("Assigned to %(name)s") % {"name": assignee})
    _save(inquiry, "assigned_to", "status")
    return inquiry


@transaction.atomic
def do_request_information(
    inquiry: Inquiry, actor: User, body: str, *, expected_version: int | None = None
) -> Message:
    """Ask the sender for more; the inquiry waits until they answer."""
    _require_role(actor, STAFF_ROLES)
    if not body.strip():
        raise ValidationError(_("Write what you want to know."))
    inquiry = _lock(inquiry, expected_version)
    _transition(inquiry, Status.AWAITING_INFO, actor, body)
    _mark_answered(inquiry)
    message = Message.objects.create(
        inquiry=inquiry, direction=Message.Direction.TO_SENDER, author=actor, body=body
    )
    _save(inquiry, "status", "first_response_at")
    _email_sender(inquiry, "inquiries/email/information_requested.txt", message=message)
    return message


@transaction.atomic
def do_receive_sender_reply(inquiry: Inquiry, body: str, *, author: User | None = None) -> Message:
    """The sender answers; an inquiry that was waiting goes back to where it was."""
    if not body.strip():
        raise ValidationError(_("Write your answer."))
    inquiry = _lock(inquiry, None)
    if not inquiry.is_open:
        raise ValidationError(_("This inquiry is closed and takes no more messages."))
    message = Message.objects.create(
        inquiry=inquiry, direction=Message.Direction.FROM_SENDER, author=author, body=body
    )
    if inquiry.status == Status.AWAITING_INFO:
        back_to = Status.ASSESSMENT if inquiry.routings.exists() else Status.TRIAGE
        _transition(inquiry, back_to, author, _("The sender answered."))
        _save(inquiry, "status")
    if inquiry.assigned_to and inquiry.assigned_to.email:
        queue_email(
            inquiry.assigned_to.email,
            "inquiries/email/sender_replied.txt",
            {"inquiry": inquiry, "url": settings.SITE_URL + inquiry.get_absolute_url()},
            settings.LANGUAGE_CODE,
        )
    return message


@transaction.atomic
def do_route_inquiry(
    inquiry: Inquiry,
    actor: User,
    committees: Iterable[Committee],
    *,
    note: str = "",
    expected_version: int | None = None,
) -> list[Routing]:
    """Send the inquiry to committees for assessment; earlier routings stay."""
    _require_role(actor, STAFF_ROLES)
    committees = list(committees)
    if not committees:
        raise ValidationError(_("Choose at least one committee."))
    inquiry = _lock(inquiry, expected_version)
    already = set(inquiry.routings.values_list("committee_id", flat=True))
    new = [c for c in committees if c.pk not in already]
    if not new:
        raise ValidationError(_("The inquiry is already routed to these committees."))
    if inquiry.status != Status.ASSESSMENT:
        names = ", ".join(c.name for c in committees)
        _transition(inquiry, Status.ASSESSMENT, actor, note or names)
    routings = Routing.objects.bulk_create(
        [Routing(inquiry=inquiry, committee=c, routed_by=actor, note=note) for c in new]
    )
    _mark_answered(inquiry)
    _save(inquiry, "status", "first_response_at")
    notify(
        User.objects.filter(committees__in=new).distinct(),
        Event.INQUIRY_ROUTED,
        _("Inquiry %(reference)s is routed to your committee: %(title)s")
        % {"reference": inquiry.reference, "title": inquiry.title},
        inquiry.get_absolute_url(),
        # The coordinator's routing message reaches the committee in the e-mail too.
        body=(_("From the coordinator: %(note)s") % {"note": note}) if note.strip() else "",
    )
    _email_sender(inquiry, "inquiries/email/in_assessment.txt", committees=new)
    return routings


@dataclass
class AssessmentInput:
    gates: Mapping[int, tuple[bool, str]]  # gate id -> (met, comment)
    scores: Mapping[int, int]  # criterion id -> score
    goals: list[Goal] = field(default_factory=list)
    comment: str = ""
    recommendation: str = ""  # Assessment.Recommendation; empty when none is given


@transaction.atomic
def do_save_assessment(
    inquiry: Inquiry,
    committee: Committee,
    actor: User,
    data: AssessmentInput,
    *,
    expected_version: int | None = None,
) -> Assessment:
    """Record (or revise) a committee's assessment and compute its priority."""
    is_member = actor.has_role(Role.COMMITTEE) and committee.pk in actor.committee_ids()
    if not (is_member or actor.has_role(*STAFF_ROLES)):
        raise PermissionDenied
    inquiry = _lock(inquiry, None)
    if inquiry.status != Status.ASSESSMENT:
        raise ValidationError(_("Only an inquiry in assessment can be assessed."))
    if not inquiry.routings.filter(committee=committee).exists():
        raise ValidationError(_("The inquiry is not routed to this committee."))

    gates = list(Gate.objects.all())
    criteria = list(PriorityCriterion.objects.all())
    missing = [g.text for g in gates if g.pk not in data.gates]
    if missing:
        raise ValidationError(_("Answer every gate: %(gates)s") % {"gates": "; ".join(missing)})
    scored: list[tuple[PriorityCriterion, int]] = []
    for criterion in criteria:
        score = data.scores.get(criterion.pk)
        if score is None or not 0 <= int(score) <= criterion.max_score:
            raise ValidationError(
                _("Score “%(criterion)s” from 0 to %(max)s.")
                % {"criterion": criterion.text, "max": criterion.max_score}
            )
        scored.append((criterion, int(score)))

    assessment = (
        Assessment.objects.select_for_update().filter(inquiry=inquiry, committee=committee).first()
    )
    if assessment is None:
        assessment = Assessment(inquiry=inquiry, committee=committee)
    else:
        assessment.check_version(expected_version)
        assessment.version += 1
    if data.recommendation and data.recommendation not in Assessment.Recommendation.values:
        raise ValidationError({"recommendation": [_("Unknown recommendation.")]})
    assessment.assessed_by = actor
    assessment.comment = data.comment
    assessment.recommendation = data.recommendation
    assessment.gates_passed = all(data.gates[g.pk][0] for g in gates)
    assessment.priority = priority_from_scores(scored)
    assessment.save()
    assessment.gate_answers.all().delete()
    GateAnswer.objects.bulk_create(
        [
            GateAnswer(
                assessment=assessment,
                gate=g,
                passed=data.gates[g.pk][0],
                comment=data.gates[g.pk][1],
            )
            for g in gates
        ]
    )
    assessment.scores.all().delete()
    CriterionScore.objects.bulk_create(
        [CriterionScore(assessment=assessment, criterion=c, score=s) for c, s in scored]
    )
    assessment.goals.set(data.goals)
    _save(inquiry)
    return assessment


def acceptance_blockers(inquiry: Inquiry) -> list[str]:
    """Why the inquiry cannot be accepted now; empty when it can.

    Reads routings (with committees) and assessments through .all(), so a caller that
    prefetched them pays no queries.
    """
    if inquiry.status != Status.ASSESSMENT:
        return [_("Only an inquiry in assessment can be accepted.")]
    assessments = {a.committee_id: a for a in inquiry.assessments.all()}
    reasons = []
    for routing in inquiry.routings.all():
        assessment = assessments.get(routing.committee_id)
        if assessment is None:
            reasons.append(
                _("%(committee)s has not assessed the inquiry.")
                % {"committee": routing.committee.name}
            )
        elif not assessment.gates_passed:
            reasons.append(
                _("%(committee)s found that a gate is not met.")
                % {"committee": routing.committee.name}
            )
    return reasons


@transaction.atomic
def do_decide_inquiry(
    inquiry: Inquiry,
    actor: User,
    decision: str,
    *,
    reason: str = "",
    expected_version: int | None = None,
) -> Inquiry:
    """Accept, decline (with a reason the company receives), park or withdraw."""
    _require_role(actor, STAFF_ROLES)
    if decision not in Inquiry.DECISIONS:
        raise ValidationError(_("Unknown decision."))
    inquiry = _lock(inquiry, expected_version)
    if decision == Status.ACCEPTED:
        prefetch_related_objects([inquiry], "routings__committee", "assessments")
        blockers = acceptance_blockers(inquiry)
        if blockers:
            raise ValidationError(blockers)
    if decision == Status.DECLINED and not reason.strip():
        raise ValidationError(_("Give the company a reason for declining."))
    _transition(inquiry, decision, actor, reason)
    _mark_answered(inquiry)
    inquiry.decision_reason = reason
    if decision != Status.PARKED:
        inquiry.decided_at = timezone.now()
    _save(inquiry, "status", "first_response_at", "decision_reason", "decided_at")
    if decision == Status.ACCEPTED:
        from samverkan.collaborations.actions import create_from_inquiry

        create_from_inquiry(inquiry, actor)
    _email_sender(inquiry, f"inquiries/email/decision_{decision}.txt")
    notify(
        User.objects.filter(role=Role.COMPANY, organisation=inquiry.organisation_id),
        Event.INQUIRY_DECIDED,
        _("Inquiry %(reference)s: %(status)s")
        % {"reference": inquiry.reference, "status": inquiry.get_status_display()},
        inquiry.get_absolute_url(),
    )
    return inquiry
