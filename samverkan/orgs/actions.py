"""Every change to the industry network: atomic, permission-checked, recorded.

simple_history keeps a row per change with the acting user (the request's, through its
middleware); where an action changes records the person did not edit themselves (a merge,
an import) it also says why, as the history's change reason.
"""

import datetime
import logging
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.core.files.uploadedfile import UploadedFile
from django.db import models, router, transaction
from django.db.models.deletion import Collector
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.models import HistoricalChanges

from samverkan.accounts.models import STAFF_ROLES, Role, User
from samverkan.core.models import VersionedModel
from samverkan.core.queue import enqueue_on_commit
from samverkan.lib import orgnr

from . import importing
from .models import (
    AssociationMembership,
    Committee,
    Contact,
    Event,
    EventParticipant,
    ImportJob,
    Interaction,
    Organisation,
)
from .storage import PrivateImportStorage

logger = logging.getLogger(__name__)


def require_network_writer(actor: User) -> None:
    """Coordinators and administrators keep the network; everyone else only reads it."""
    if not actor.has_role(*STAFF_ROLES):
        raise PermissionDenied


def _lock(model: type[models.Model], pk: int, expected_version: int | None) -> Any:
    obj: Any = model._default_manager.select_for_update().get(pk=pk)
    obj.check_version(expected_version)
    return obj


def _is_staff_user(user: User) -> bool:
    return user.is_active and user.role != Role.COMPANY


# --- Organisations ------------------------------------------------------------------------


@dataclass
class OrganisationData:
    name: str
    kind: str = Organisation.Kind.COMPANY
    organisation_number: str = ""
    foreign_identifier: str = ""
    country: str = "SE"
    website: str = ""


def clean_organisation_number(value: str) -> str:
    """The number as NNNNNN-NNNN, "" for none; a ValidationError for a wrong one."""
    if not value.strip():
        return ""
    number = orgnr.normalise(value)
    if number is None:
        raise ValidationError(
            {"organisation_number": [_("This is not a valid Swedish organisation number.")]}
        )
    return number


def identifier_conflicts(
    number: str, country: str, foreign_identifier: str, exclude_pk: int | None = None
) -> dict[str, list[str]]:
    """Errors for identifiers another organisation already has, by field."""
    others = Organisation.objects.all()
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    errors: dict[str, list[str]] = {}
    if number:
        taken = others.filter(organisation_number=number).first()
        if taken:
            errors["organisation_number"] = [
                _("%(name)s already has this organisation number.") % {"name": taken.name}
            ]
    if foreign_identifier:
        taken = others.filter(country=country, foreign_identifier=foreign_identifier).first()
        if taken:
            errors["foreign_identifier"] = [
                _("%(name)s already has this identifier.") % {"name": taken.name}
            ]
    return errors


@transaction.atomic
def do_save_organisation(
    actor: User,
    data: OrganisationData,
    organisation: Organisation | None = None,
    *,
    expected_version: int | None = None,
) -> Organisation:
    """Create an organisation, or change one that nobody else changed in the meantime."""
    require_network_writer(actor)
    number = clean_organisation_number(data.organisation_number)
    country = (data.country or "SE").strip().upper()
    if number and country != "SE":
        raise ValidationError(
            {"country": [_("A Swedish organisation number belongs to an organisation in SE.")]}
        )
    foreign_identifier = data.foreign_identifier.strip()
    if organisation is None:
        org = Organisation()
    else:
        org = _lock(Organisation, organisation.pk, expected_version)
        org.version += 1
    errors = identifier_conflicts(number, country, foreign_identifier, exclude_pk=org.pk)
    if errors:
        raise ValidationError(errors)
    org.name = data.name.strip()
    org.kind = data.kind
    org.organisation_number = number
    org.foreign_identifier = foreign_identifier
    org.country = country
    org.website = data.website.strip()
    org.full_clean(validate_constraints=False)
    org.save()
    return org


# --- Contacts -----------------------------------------------------------------------------


@dataclass
class ContactData:
    name: str
    email: str
    phone: str = ""
    title: str = ""
    legal_basis: str = Contact.LegalBasis.LEGITIMATE_INTEREST
    consent_given_at: datetime.datetime | None = None
    consent_withdrawn_at: datetime.datetime | None = None


@transaction.atomic
def do_save_contact(
    actor: User,
    organisation: Organisation,
    data: ContactData,
    contact: Contact | None = None,
    *,
    expected_version: int | None = None,
) -> Contact:
    """Add a person to an organisation, or change one; the e-mail is unique within it."""
    require_network_writer(actor)
    if contact is None:
        obj = Contact(organisation=organisation)
    else:
        obj = _lock(Contact, contact.pk, expected_version)
        if obj.organisation_id != organisation.pk:
            raise PermissionDenied
        if obj.is_erased:
            raise ValidationError(_("The contact's personal data was erased; it is not edited."))
        obj.version += 1
    email = data.email.strip().lower()
    if (
        Contact.objects.filter(organisation=organisation, email__iexact=email)
        .exclude(pk=obj.pk)
        .exists()
    ):
        raise ValidationError({"email": [_("The organisation already has a contact with it.")]})
    given, withdrawn = data.consent_given_at, data.consent_withdrawn_at
    if withdrawn and not given:
        raise ValidationError(
            {"consent_withdrawn_at": [_("Consent that was never given cannot be withdrawn.")]}
        )
    if withdrawn and given and withdrawn < given:
        raise ValidationError(
            {"consent_withdrawn_at": [_("Consent is withdrawn before it was given.")]}
        )
    obj.name = data.name.strip()
    obj.email = email
    obj.phone = data.phone.strip()
    obj.title = data.title.strip()
    obj.legal_basis = data.legal_basis
    obj.consent_given_at = given
    obj.consent_withdrawn_at = withdrawn
    obj.full_clean(validate_constraints=False)
    obj.save()
    return obj


# --- Memberships --------------------------------------------------------------------------


@transaction.atomic
def do_add_membership(
    actor: User,
    organisation: Organisation,
    association: Organisation,
    since: datetime.date | None = None,
) -> AssociationMembership:
    require_network_writer(actor)
    if association.kind != Organisation.Kind.ASSOCIATION:
        raise ValidationError({"association": [_("Choose an industry association.")]})
    if association.pk == organisation.pk:
        raise ValidationError({"association": [_("An association is not its own member.")]})
    if AssociationMembership.objects.filter(
        organisation=organisation, association=association
    ).exists():
        raise ValidationError({"association": [_("It is already a member.")]})
    return AssociationMembership.objects.create(
        organisation=organisation, association=association, since=since
    )


@transaction.atomic
def do_remove_membership(actor: User, membership: AssociationMembership) -> None:
    require_network_writer(actor)
    membership.delete()


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


# --- Merging duplicates -------------------------------------------------------------------


def referring_fields(model: type[models.Model]) -> list[Any]:
    """Every foreign key in the project that points at `model`, found by introspection, so
    a relation another app adds later is included without anyone listing it here: reverse
    relations, hidden ones (related_name="+") and the tables behind many-to-many fields.
    History tables are left as they are: they record the past as it was."""
    found = []
    for relation in model._meta.get_fields(include_hidden=True):
        if not relation.auto_created or relation.concrete:
            continue
        if not (relation.one_to_many or relation.one_to_one):
            continue  # a many-to-many is moved through the foreign keys of its table
        foreign_key = relation.field  # type: ignore[union-attr]
        if issubclass(foreign_key.model, HistoricalChanges):
            continue
        if getattr(foreign_key.remote_field, "parent_link", False):
            continue
        found.append(foreign_key)
    return found


def _unique_sets(model: type[models.Model]) -> list[tuple[tuple[str, ...], Any]]:
    """The sets of fields that are unique together, each with its condition (or None)."""
    sets: list[tuple[tuple[str, ...], Any]] = [
        ((f.name,), None) for f in model._meta.concrete_fields if f.unique and not f.primary_key
    ]
    sets += [(tuple(names), None) for names in model._meta.unique_together]
    sets += [
        (tuple(c.fields), c.condition)
        for c in model._meta.constraints
        if isinstance(c, models.UniqueConstraint) and c.fields
    ]
    return sets


def _twin(row: models.Model, foreign_key: models.ForeignKey, target: Any) -> Any:
    """The row that would break a unique rule once `row` points at `target`: the same
    contact (e-mail) or the same party, already there. None when there is none."""
    model = type(row)
    manager = model._base_manager
    for names, condition in _unique_sets(model):
        if foreign_key.name not in names:
            continue
        lookup: dict[str, Any] = {foreign_key.attname: target}
        for name in names:
            if name == foreign_key.name:
                continue
            other: Any = model._meta.get_field(name)
            value = getattr(row, other.attname)
            if value is None:
                break  # NULLs are never equal: no twin through this rule
            # E-mail addresses are one person whatever their case.
            key = f"{name}__iexact" if isinstance(other, models.EmailField) else other.attname
            lookup[key] = value
        else:
            candidates = manager.filter(**lookup).exclude(pk=row.pk)
            if condition is not None:
                if not manager.filter(pk=row.pk).filter(condition).exists():
                    continue
                candidates = candidates.filter(condition)
            twin = candidates.order_by("pk").first()
            if twin is not None:
                return twin
    return None


def _fill_blanks(keep: models.Model, duplicate: models.Model) -> list[str]:
    """Text the kept record lacks and the duplicate has (a phone, a website)."""
    filled: list[str] = []
    if getattr(keep, "erased_at", None) is not None:
        return filled  # personal data erased on request is never written back
    for f in type(keep)._meta.concrete_fields:
        if f.primary_key or f.is_relation or not f.editable:
            continue
        if not isinstance(f, models.CharField | models.TextField):
            continue
        if getattr(keep, f.attname) == "" and getattr(duplicate, f.attname):
            setattr(keep, f.attname, getattr(duplicate, f.attname))
            filled.append(f.attname)
    return filled


def _leftovers(obj: models.Model) -> list[str]:
    """What deleting `obj` would still delete or change: nothing, after a complete move."""
    collector = Collector(using=router.db_for_write(type(obj)))
    collector.collect([obj])
    found = [m._meta.label for m, rows in collector.data.items() if m is not type(obj) and rows]
    found += [qs.model._meta.label for qs in collector.fast_deletes if qs.exists()]
    found += [
        f"{f.model._meta.label}.{f.name}"
        for (f, _value), rows in collector.field_updates.items()
        if any(r.exists() if isinstance(r, models.QuerySet) else r for r in rows)
    ]
    return found


@dataclass
class MergeResult:
    kept: Organisation
    moved: Counter[str] = field(default_factory=Counter)
    merged: Counter[str] = field(default_factory=Counter)
    filled: list[str] = field(default_factory=list)


def merge_records(keep: Any, duplicate: Any, reason: str, result: MergeResult) -> None:
    """Point everything that refers to `duplicate` at `keep`, then delete `duplicate`.

    A referring row that would then repeat one `keep` already has (the same e-mail in the
    organisation, the same party to a collaboration) is a duplicate itself: it is merged
    into that row the same way. Text `keep` lacks is taken from `duplicate`."""
    for foreign_key in referring_fields(type(keep)):
        model = foreign_key.model
        target = getattr(keep, foreign_key.target_field.attname)
        source = getattr(duplicate, foreign_key.target_field.attname)
        label = record_label(model)
        for row in list(model._base_manager.filter(**{foreign_key.attname: source})):
            twin = _twin(row, foreign_key, target)
            if twin is not None:
                merge_records(twin, row, reason, result)
                result.merged[label] += 1
                continue
            setattr(row, foreign_key.attname, target)
            update_fields = [foreign_key.attname]
            if isinstance(row, VersionedModel):
                row.version += 1
                update_fields.append("version")
            row._change_reason = reason
            row.save(update_fields=update_fields)
            result.moved[label] += 1
    leftovers = _leftovers(duplicate)
    if leftovers:
        # Only a relation the introspection cannot see (a generic one) gets here.
        raise RuntimeError(f"Merging would lose {', '.join(leftovers)}")
    filled = _fill_blanks(keep, duplicate)
    duplicate._change_reason = reason
    duplicate.delete()
    if filled:
        if isinstance(keep, VersionedModel):
            keep.version += 1
            filled.append("version")
        keep._change_reason = reason
        keep.save(update_fields=filled)
    if isinstance(keep, Organisation):
        result.filled = [f for f in filled if f != "version"]


@transaction.atomic
def do_merge_organisations(
    actor: User,
    keep: Organisation,
    duplicate: Organisation,
    *,
    keep_version: int | None = None,
    duplicate_version: int | None = None,
) -> MergeResult:
    """Merge a duplicate organisation into the one to keep, in one transaction: every
    record that refers to the duplicate (contacts, inquiries, parties, agreements,
    memberships, interactions, participants, users, register entries and anything added
    later) moves to the kept one; contacts with the same e-mail become one; the duplicate
    is deleted."""
    require_network_writer(actor)
    if keep.pk == duplicate.pk:
        raise ValidationError(_("Choose two different organisations."))
    locked = {
        o.pk: o
        for o in Organisation.objects.select_for_update().filter(pk__in=[keep.pk, duplicate.pk])
    }
    if len(locked) != 2:
        raise ValidationError(_("One of the organisations no longer exists."))
    kept, gone = locked[keep.pk], locked[duplicate.pk]
    kept.check_version(keep_version)
    gone.check_version(duplicate_version)

    from samverkan.collaborations.models import CollaborationParty

    collaboration_ids = set(
        CollaborationParty.objects.filter(organisation=gone).values_list(
            "collaboration_id", flat=True
        )
    )
    reason = _("Merged “%(duplicate)s” (%(id)s) into “%(kept)s”") % {
        "duplicate": gone.name,
        "id": gone.pk,
        "kept": kept.name,
    }
    result = MergeResult(kept=kept)
    merge_records(kept, gone, reason, result)
    # A member of the association it was merged into would be its own member.
    for membership in AssociationMembership.objects.filter(organisation=kept, association=kept):
        membership.delete()
        result.merged[record_label(AssociationMembership)] += 1
    kept.refresh_from_db()
    kept.version += 1
    kept._change_reason = reason
    kept.save(update_fields=["version", "updated_at"])
    _refresh_register(collaboration_ids)
    return result


def _refresh_register(collaboration_ids: Iterable[int]) -> None:
    """The public register names the parties: show the kept organisation there."""
    from samverkan.collaborations.models import Collaboration
    from samverkan.register.actions import refresh_entry

    for collaboration in Collaboration.objects.filter(pk__in=list(collaboration_ids)):
        refresh_entry(collaboration)


def merge_preview(duplicate: Organisation) -> list[tuple[str, int]]:
    """What refers to an organisation, by kind of record: what a merge would move."""
    counts: Counter[str] = Counter()
    for foreign_key in referring_fields(Organisation):
        n = foreign_key.model._base_manager.filter(**{foreign_key.attname: duplicate.pk}).count()
        if n:
            counts[record_label(foreign_key.model)] += n
    return sorted(counts.items())


def record_label(model: type[models.Model]) -> str:
    """What a person calls the records of a table: "agreements (parties)" for the table
    behind a many-to-many field, the model's plural name otherwise."""
    source: Any = model._meta.auto_created  # the model whose many-to-many made the table
    if source:
        for m2m in source._meta.local_many_to_many:
            if m2m.remote_field.through is model:
                return f"{source._meta.verbose_name_plural} ({m2m.verbose_name})"
    return str(model._meta.verbose_name_plural)


# --- Import -------------------------------------------------------------------------------

STALE_PREVIEW = datetime.timedelta(days=1)


def _storage() -> PrivateImportStorage:
    return PrivateImportStorage()


def _write_progress(job_id: int, done: int, total: int) -> None:
    path = _storage().progress_path(job_id)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.write_text(f"{done} {total}")


def import_progress(job: ImportJob) -> tuple[int, int] | None:
    """Rows written so far and in all, while the worker imports; None before it starts."""
    try:
        done, total = _storage().progress_path(job.pk).read_text().split()
        return int(done), int(total)
    except (OSError, ValueError):
        return None


def _finish(job: ImportJob) -> None:
    """Delete the uploaded file and the contact details the preview held; keep the rest."""
    if job.file:
        job.file.delete(save=False)
    _storage().progress_path(job.pk).unlink(missing_ok=True)
    job.preview = [
        {k: v for k, v in row.items() if k not in ("contact", "email")} for row in job.preview
    ]
    job.finished_at = timezone.now()
    job.version += 1
    job.save()


def _purge_stale_imports() -> None:
    """Previews nobody confirmed within a day are cancelled, and their files deleted."""
    cutoff = timezone.now() - STALE_PREVIEW
    for job in ImportJob.objects.filter(status=ImportJob.Status.PREVIEW, created_at__lt=cutoff):
        job.status = ImportJob.Status.CANCELLED
        _finish(job)


def do_start_import(actor: User, upload: UploadedFile) -> ImportJob:
    """Read an uploaded file and plan its import; nothing in the network changes yet."""
    require_network_writer(actor)
    name = upload.name or "import.csv"
    file = importing.open_file(upload, name)
    planned = importing.plan(importing.read_rows(file, name))
    if not planned:
        raise ValidationError(_("The file has no rows under its headings."))
    job = ImportJob(
        created_by=actor,
        original_name=name[:255],
        row_count=len(planned),
        preview=importing.preview(planned),
        summary=importing.summarise(planned),
    )
    del planned
    # A random name: the person's file name says nothing the platform needs on disk.
    extension = PurePath(name).suffix.lower()
    file.seek(0)
    job.file.save(f"{uuid.uuid4().hex}{extension}", File(file), save=False)
    try:
        with transaction.atomic():
            job.save()
            _purge_stale_imports()
    except BaseException:
        job.file.delete(save=False)
        raise
    return job


def do_confirm_import(
    actor: User, job: ImportJob, *, expected_version: int | None = None
) -> ImportJob:
    """Import the previewed rows: now for a short file, in the worker for a long one."""
    require_network_writer(actor)
    with transaction.atomic():
        locked = _lock(ImportJob, job.pk, expected_version)
        if locked.status != ImportJob.Status.PREVIEW:
            raise ValidationError(_("This import is already confirmed or cancelled."))
        if not (locked.summary.get(importing.CREATE) or locked.summary.get(importing.UPDATE)):
            raise ValidationError(_("No row of the file can be imported."))
        locked.status = ImportJob.Status.QUEUED
        locked.version += 1
        locked.save(update_fields=["status", "version", "updated_at"])
        if locked.row_count > importing.WORKER_THRESHOLD:
            enqueue_on_commit("samverkan.orgs.tasks.run_import_job", locked.pk)
            return locked
    run_import(locked.pk)
    locked.refresh_from_db()
    return locked


@transaction.atomic
def do_cancel_import(
    actor: User, job: ImportJob, *, expected_version: int | None = None
) -> ImportJob:
    require_network_writer(actor)
    locked = _lock(ImportJob, job.pk, expected_version)
    if locked.status != ImportJob.Status.PREVIEW:
        raise ValidationError(_("This import is already confirmed or cancelled."))
    locked.status = ImportJob.Status.CANCELLED
    _finish(locked)
    return locked


class _PlanChanged(Exception):
    def __init__(self, planned: list[importing.PlannedRow]) -> None:
        super().__init__()
        self.planned = planned


def run_import(job_id: int) -> str:
    """Import a confirmed file in one transaction: every row, or nothing when one fails.

    The rows are planned again inside the transaction; when the database changed since
    the preview so that a row would now do something else, nothing is written and the
    new preview waits for confirmation."""
    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update(of=("self",))
            .select_related("created_by")
            .filter(pk=job_id)
            .first()
        )
        if job is None or job.status != ImportJob.Status.QUEUED:
            return "skipped"
        job.status = ImportJob.Status.RUNNING
        job.started_at = timezone.now()
        job.save(update_fields=["status", "started_at", "updated_at"])
    reason = _("Import of %(file)s (import %(id)s)") % {"file": job.original_name, "id": job.pk}
    try:
        with job.file.open("rb") as file, transaction.atomic():
            planned = importing.plan(importing.read_rows(file, job.original_name))
            if importing.summarise(planned)["signature"] != job.summary.get("signature"):
                raise _PlanChanged(planned)
            counts = importing.apply(
                planned,
                actor=job.created_by,
                reason=reason,
                progress=lambda done, total: _write_progress(job_id, done, total),
            )
    except _PlanChanged as changed:
        job.status = ImportJob.Status.PREVIEW
        job.preview = importing.preview(changed.planned)
        job.summary = importing.summarise(changed.planned)
        job.error = _(
            "The network changed after the preview, so nothing was imported. "
            "Check the new preview and confirm again."
        )
        job.version += 1
        job.save()
        return "changed"
    except Exception as error:
        logger.exception("Import %s failed", job_id)
        job.status = ImportJob.Status.FAILED
        job.error = _("The import failed and stored nothing (%(error)s).") % {
            "error": f"{type(error).__name__}: {error}"[:400]
        }
        _finish(job)
        return "failed"
    job.status = ImportJob.Status.DONE
    job.error = ""
    job.summary = {**job.summary, **counts}
    _finish(job)
    return "done"
