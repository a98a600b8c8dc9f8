"""Interactions with organisations, and events with their participants (each
participant's organisation gets an interaction)."""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from samverkan.accounts.models import Role, User

from ..models import (
    Committee,
    Contact,
    Event,
    EventParticipant,
    Interaction,
    Organisation,
)
from .common import (
    _is_staff_user,
    _lock,
    require_network_writer,
)

# --- Interactions -------------------------------------------------------------------------


@dataclass
class InteractionData:
    kind: str
    date: datetime.date
    subject: str
    notes: str = ""
    contacts: list[Contact] = field(default_factory=list)
    participants: list[User] = field(default_factory=list)


@transaction.atomic
def do_log_interaction(
    actor: User, organisation: Organisation, data: InteractionData
) -> Interaction:
    """Write a meeting, call or e-mail into the organisation's log."""
    require_network_writer(actor)
    if any(c.organisation_id != organisation.pk or c.is_erased for c in data.contacts):
        raise ValidationError({"contacts": [_("Choose people of this organisation.")]})
    if not all(_is_staff_user(user) for user in data.participants):
        raise ValidationError({"participants": [_("Choose people from the infrastructure.")]})
    interaction = Interaction(
        organisation=organisation,
        kind=data.kind,
        date=data.date,
        subject=data.subject.strip(),
        notes=data.notes.strip(),
        created_by=actor,
    )
    interaction.full_clean(exclude=["event", "created_by"])
    interaction.save()
    interaction.contacts.set(data.contacts)
    interaction.participants.set(data.participants)
    return interaction


# --- Events -------------------------------------------------------------------------------


@dataclass
class EventData:
    title: str
    kind: str
    date: datetime.date
    location: str = ""
    description: str = ""
    committees: list[Committee] = field(default_factory=list)


@transaction.atomic
def do_save_event(
    actor: User,
    data: EventData,
    event: Event | None = None,
    *,
    expected_version: int | None = None,
) -> Event:
    """Create or change an event; the interactions it logged follow its title and date."""
    require_network_writer(actor)
    if event is None:
        obj = Event()
    else:
        obj = _lock(Event, event.pk, expected_version)
        obj.version += 1
    obj.title = data.title.strip()
    obj.kind = data.kind
    obj.date = data.date
    obj.location = data.location.strip()
    obj.description = data.description.strip()
    obj.full_clean()
    obj.save()
    obj.committees.set(data.committees)
    for interaction in Interaction.objects.filter(event=obj, kind=Interaction.Kind.EVENT):
        if (interaction.date, interaction.subject) != (obj.date, obj.title):
            interaction.date, interaction.subject = obj.date, obj.title
            interaction.save(update_fields=["date", "subject", "updated_at"])
    return obj


def _event_interaction(event: Event, organisation: Organisation, actor: User) -> Interaction:
    """The organisation's log entry for the event: one per organisation and event."""
    interaction = Interaction.objects.filter(
        event=event, organisation=organisation, kind=Interaction.Kind.EVENT
    ).first()
    if interaction is None:
        interaction = Interaction.objects.create(
            organisation=organisation,
            kind=Interaction.Kind.EVENT,
            date=event.date,
            subject=event.title,
            event=event,
            created_by=actor,
        )
        staff_people = User.objects.filter(
            event_participations__event=event, is_active=True
        ).exclude(role=Role.COMPANY)
        interaction.participants.add(*staff_people)
    return interaction


@transaction.atomic
def do_add_event_participant(
    actor: User,
    event: Event,
    *,
    organisation: Organisation,
    contact: Contact | None = None,
    user: User | None = None,
) -> EventParticipant:
    """Someone from the infrastructure (a user) or from a company (its organisation and maybe
    a contact) took part; a company's attendance goes into its interaction log."""
    require_network_writer(actor)
    Event.objects.select_for_update().filter(pk=event.pk).first()
    participants = EventParticipant.objects.filter(event=event)
    if user is not None:
        if contact is not None:
            raise ValidationError(
                _("A participant is either from the infrastructure or a company contact.")
            )
        if not _is_staff_user(user):
            raise ValidationError({"user": [_("Choose a person from the infrastructure.")]})
        if participants.filter(user=user).exists():
            raise ValidationError({"user": [_("This person is already a participant.")]})
    elif contact is not None:
        if contact.organisation_id != organisation.pk or contact.is_erased:
            raise ValidationError({"contact": [_("Choose a person of this organisation.")]})
        if participants.filter(contact=contact).exists():
            raise ValidationError({"contact": [_("This person is already a participant.")]})
    elif participants.filter(
        organisation=organisation, contact__isnull=True, user__isnull=True
    ).exists():
        raise ValidationError(
            {"organisation": [_("The organisation already takes part without a name.")]}
        )
    participant = EventParticipant.objects.create(
        event=event, organisation=organisation, contact=contact, user=user
    )
    if user is not None:
        for interaction in Interaction.objects.filter(event=event, kind=Interaction.Kind.EVENT):
            interaction.participants.add(user)
    if not organisation.is_infrastructure_party and user is None:
        interaction = _event_interaction(event, organisation, actor)
        if contact is not None:
            interaction.contacts.add(contact)
    return participant


@transaction.atomic
def do_remove_event_participant(actor: User, participant: EventParticipant) -> None:
    """Take back a participant entered by mistake, and what it logged."""
    require_network_writer(actor)
    event, organisation = participant.event, participant.organisation
    logged = Interaction.objects.filter(
        event=event, organisation=organisation, kind=Interaction.Kind.EVENT
    )
    participant.delete()
    if participant.user_id is not None:
        for interaction in Interaction.objects.filter(event=event, kind=Interaction.Kind.EVENT):
            interaction.participants.remove(participant.user_id)
        return
    if not EventParticipant.objects.filter(
        event=event, organisation=organisation, user__isnull=True
    ).exists():
        for interaction in logged:
            interaction.delete()
    elif participant.contact_id is not None:
        for interaction in logged:
            interaction.contacts.remove(participant.contact_id)
