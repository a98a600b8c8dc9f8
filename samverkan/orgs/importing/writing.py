"""Writing what the plan says, in batches that record their history."""

from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import Model
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from samverkan.accounts.models import User

from ..models import Contact, Organisation
from .planning import REFUSE, PlannedRow, _chunks
from .record import Ids, Record

# Above this many rows the worker imports the file and the page shows its progress.
WORKER_THRESHOLD = 300
BATCH = 250


def apply(
    planned: Sequence[PlannedRow],
    *,
    actor: User | None,
    reason: str,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Write what the plan says; call inside a transaction, which a failure rolls back."""
    writer = Writer(actor=actor, reason=reason, progress=progress, total=len(planned))
    try:
        writer.write(planned)
    finally:
        writer.close()
    return writer.counts


class Writer:
    """Writes a plan a chunk at a time, inside the caller's transaction; close() it after.

    Records are built and written a batch at a time. The ids of the organisations created,
    which later rows' changes and contacts need, are kept in a record on disk (record.Record);
    memory holds the set of those ids, in eight bytes each."""

    def __init__(
        self,
        *,
        actor: User | None,
        reason: str,
        progress: Callable[[int, int], None] | None = None,
        total: int = 0,
    ) -> None:
        self.history = {"default_user": actor, "default_change_reason": reason}
        self.progress = progress
        self.total = total
        self.done = 0
        self.org_ids = Record()  # an organisation's key in the plan: the id it was given
        self.created = Ids()
        self.updated = Ids()
        self._counts = {"organisations_created": 0, "contacts_created": 0, "contacts_updated": 0}

    @property
    def counts(self) -> dict[str, int]:
        # Organisations a file changes in several rows count once.
        return {
            "organisations_created": self._counts["organisations_created"],
            "organisations_updated": len(self.updated),
            "contacts_created": self._counts["contacts_created"],
            "contacts_updated": self._counts["contacts_updated"],
        }

    def close(self) -> None:
        self.org_ids.close()

    def write(self, planned: Sequence[PlannedRow]) -> None:
        """Write a chunk of the plan, a batch of rows at a time, telling the progress."""
        for batch in _chunks(planned, BATCH):
            self._write(batch)
            self.done += len(batch)
            if self.progress:
                self.progress(self.done, max(self.total, self.done))

    def _write(self, planned: Sequence[PlannedRow]) -> None:
        now = timezone.now()
        rows = [p for p in planned if p.action != REFUSE]
        creating: dict[tuple[str, ...], PlannedRow] = {}
        later_values: dict[tuple[str, ...], dict[str, str]] = {}
        changed_orgs: dict[int, dict[str, str]] = {}
        # The organisations earlier batches created that these rows name again.
        org_ids: dict[tuple[str, ...], int] = self.org_ids.load(
            "created", {p.org_key for p in rows if not (p.org_id or p.creates_org)}
        )
        for item in rows:
            if item.creates_org:
                creating[item.org_key] = item
            elif item.org_changes and item.org_id:
                changed_orgs.setdefault(item.org_id, {}).update(item.org_changes)
            elif item.org_changes and item.org_key in org_ids:
                # What a later row adds to an organisation an earlier batch created.
                pk = org_ids[item.org_key]
                changed_orgs.setdefault(pk, {}).update(item.org_changes)
            elif item.org_changes:  # ... or one this chunk creates
                later_values.setdefault(item.org_key, {}).update(item.org_changes)
        new_contacts = [p for p in rows if p.creates_contact]
        changed_contacts = [p for p in rows if p.contact_changes and p.contact_id]
        history = self.history

        # Organisations the rows name that exist already stay as they are until we are done.
        for ids in _chunks({p.org_id for p in rows if p.org_id}):
            list(Organisation.objects.select_for_update().filter(pk__in=ids).values_list("pk"))

        for batch in _chunks(creating.items(), BATCH):
            organisations = []
            for key, item in batch:
                row = item.cleaned
                organisation = Organisation(
                    name=row.name,
                    kind=row.kind or Organisation.Kind.COMPANY,
                    organisation_number=row.number,
                    foreign_identifier=row.foreign_identifier,
                    country=row.country,
                    website=row.website,
                )
                for name, value in later_values.get(key, {}).items():
                    setattr(organisation, name, value)
                organisations.append(organisation)
            created = bulk_create_with_history(organisations, Organisation, **history)
            new_ids = {}
            for (key, _item), organisation in zip(batch, created, strict=True):
                new_ids[key] = organisation.pk
                self.created.add(organisation.pk)
            self.org_ids.save("created", new_ids)
            org_ids.update(new_ids)
            self._counts["organisations_created"] += len(batch)

        org_fields = sorted({n for changes in changed_orgs.values() for n in changes})
        for ids in _chunks(changed_orgs, BATCH):
            organisations = list(Organisation.objects.filter(pk__in=ids))
            for organisation in organisations:
                for name, value in changed_orgs[organisation.pk].items():
                    setattr(organisation, name, value)
                organisation.version += 1
                organisation.updated_at = now
            _update(organisations, Organisation, org_fields, history)
            for organisation in organisations:
                if organisation.pk not in self.created:
                    self.updated.add(organisation.pk)

        for batch in _chunks(new_contacts, BATCH):
            contacts = []
            for item in batch:
                row = item.cleaned
                contacts.append(
                    Contact(
                        # In the database already, or created by this or an earlier row.
                        organisation_id=item.org_id or org_ids[item.org_key],
                        name=row.contact_name,
                        email=row.email,
                        phone=row.phone,
                        title=row.title,
                        legal_basis=row.legal_basis or Contact.LegalBasis.LEGITIMATE_INTEREST,
                    )
                )
            bulk_create_with_history(contacts, Contact, **history)
            self._counts["contacts_created"] += len(batch)

        contact_fields = sorted({n for p in changed_contacts for n in p.contact_changes})
        for batch in _chunks(changed_contacts, BATCH):
            found = Contact.objects.select_for_update().in_bulk([p.contact_id for p in batch])
            contacts = []
            for item in batch:
                contact = found[item.contact_id]
                for name, value in item.contact_changes.items():
                    setattr(contact, name, value)
                contact.version += 1
                contact.updated_at = now
                contacts.append(contact)
            _update(contacts, Contact, contact_fields, history)
            self._counts["contacts_updated"] += len(batch)


def _update(objects: list[Any], model: type[Model], fields: list[str], history: Any) -> None:
    names = sorted({*fields, "version", "updated_at"})
    bulk_update_with_history(objects, model, names, **history)
