"""Planning an import against the database: per row, create, update or refuse, and why.

The plan is made with a fixed number of queries per chunk of rows however long the file is.
"""

import gc
import itertools
from collections.abc import Container, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import Contact, Organisation
from .cleaning import Cleaned, _choices_by_text, clean_row
from .reading import SourceRow
from .record import Record

# Lookups go to the database in chunks well below every backend's limit on parameters.
CHUNK = 500
# Rows are cleaned and planned this many at a time, so memory does not grow with the file.
PLAN_CHUNK = 5000

CREATE, UPDATE, REFUSE = "create", "update", "refuse"

_NEW_ORGANISATION = gettext_lazy("New organisation.")
_NEW_CONTACT = gettext_lazy("New contact.")


@dataclass(slots=True)
class PlannedRow:
    line: int
    action: str
    cleaned: Cleaned
    reasons: list[str] = field(default_factory=list)
    # Translated when the preview shows them, which is for few rows of a long file.
    changes: list[str | Promise] = field(default_factory=list)
    org_key: tuple[str, ...] = ()
    org_id: int | None = None  # the organisation already in the database
    creates_org: bool = False
    org_changes: dict[str, str] = field(default_factory=dict)
    contact_id: int | None = None  # the contact already in the database
    creates_contact: bool = False
    contact_changes: dict[str, str] = field(default_factory=dict)

    def signature(self) -> list[Any]:
        """What writing this row would do, to tell whether the database moved since."""
        return [
            self.line,
            self.action,
            self.org_id,
            sorted(self.org_changes.items()),
            self.contact_id,
            self.creates_contact,
            sorted(self.contact_changes.items()),
        ]

    def preview(self) -> dict[str, Any]:
        c = self.cleaned
        return {
            "line": self.line,
            "action": self.action,
            "organisation": c.name,
            "identifier": c.number or c.foreign_identifier,
            "contact": c.contact_name,
            "email": c.email,
            "reasons": self.reasons,
            "changes": [str(change) for change in self.changes],
        }


def _chunks(values: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    items = iter(values)
    while chunk := list(itertools.islice(items, size)):
        yield chunk


class _Known:
    """Organisations and contacts the file mentions that are already in the database,
    fetched in a few queries whatever the length of the file.

    `also` are organisations earlier chunks found, which rows of this one name again."""

    def __init__(
        self, rows: Sequence[Cleaned], also: Iterable[int] = (), skip: Container[int] = ()
    ) -> None:
        numbers = {r.number for r in rows if r.number}
        foreign = {r.foreign_identifier for r in rows if r.foreign_identifier}
        countries = {r.country for r in rows if r.foreign_identifier}
        names = {r.name for r in rows if r.name and not r.number and not r.foreign_identifier}
        self.by_number: dict[str, Organisation] = {}
        self.by_foreign: dict[tuple[str, str], Organisation] = {}
        self.by_name: dict[str, list[Organisation]] = {}
        self.by_pk: dict[int, Organisation] = {}
        organisations = Organisation.objects.order_by()
        # What this import wrote already (`skip`) is not known to it: the rows that
        # created it are, the way a plan made before any writing sees them.
        for chunk in _chunks(numbers):
            # The condition of the unique index, so that the lookup can use it.
            for org in organisations.filter(
                ~Q(organisation_number=""), organisation_number__in=chunk
            ):
                if org.pk not in skip:
                    self.by_number[org.organisation_number] = org
        for chunk in _chunks(foreign):
            for org in organisations.filter(
                ~Q(foreign_identifier=""), country__in=countries, foreign_identifier__in=chunk
            ):
                if org.pk not in skip:
                    self.by_foreign[(org.country, org.foreign_identifier)] = org
        for chunk in _chunks(names):
            # The database folds the case of ASCII letters only; Python folds the rest.
            lowered = [name.lower() for name in chunk]
            for org in organisations.annotate(lower_name=Lower("name")).filter(
                Q(name__in=chunk) | Q(lower_name__in=lowered)
            ):
                if org.pk not in skip:
                    self.by_name.setdefault(org.name.lower(), []).append(org)
        for chunk in _chunks(set(also)):
            self.by_pk.update((org.pk, org) for org in organisations.filter(pk__in=chunk))
        org_ids = {
            o.pk
            for o in [*self.by_number.values(), *self.by_foreign.values(), *self.by_pk.values()]
            + [o for found in self.by_name.values() for o in found]
        }
        # The infrastructure's parties come from the reference data, which finds them by
        # name: an import neither changes them nor makes another of the same name.
        self.party_names = {
            name.lower()
            for name in Organisation.objects.infrastructure_parties().values_list("name", flat=True)
        }
        emails = {r.email for r in rows if r.email}
        self.contacts: dict[tuple[int, str], Contact] = {}
        for chunk in _chunks(org_ids):
            for contact in Contact.objects.annotate(lower_email=Lower("email")).filter(
                organisation_id__in=chunk, lower_email__in=emails
            ):
                self.contacts[(contact.organisation_id, contact.email.lower())] = contact

    def organisation(self, row: Cleaned) -> tuple[Organisation | None, str]:
        """The organisation the row means, or None for a new one; and a reason to refuse."""
        if row.number:
            return self.by_number.get(row.number), ""
        if row.foreign_identifier:
            return self.by_foreign.get((row.country, row.foreign_identifier)), ""
        found = self.by_name.get(row.name.lower(), [])
        if len(found) > 1:
            return None, _("Several organisations have this name; give its number.")
        return (found[0] if found else None), ""


_ORG_FIELDS = (
    "name",
    "organisation_number",
    "foreign_identifier",
    "country",
    "kind",
    "website",
)
_UNSET = (None,) * len(_ORG_FIELDS)


class _FileOrganisation:
    """An organisation as the rows of the file so far describe it: each value with the row
    that gave it, its contacts' e-mail addresses with theirs, and the last row that named it
    by its foreign identifier. Kept in the file's record between chunks (as_saved,
    from_saved); `changed` when a row of this chunk added to it."""

    __slots__ = (
        "_lines",
        "_values",
        "changed",
        "contacts",
        "existing",
        "existing_id",
        "first_line",
        "foreign_line",
    )

    def __init__(self, existing: Organisation | None) -> None:
        self.existing = existing
        self.existing_id = existing.pk if existing else None
        self.first_line = 0
        self._values: tuple[str | None, ...] = _UNSET
        # None while every value comes from the organisation's first row, as most do.
        self._lines: tuple[int | None, ...] | None = None
        self.contacts: dict[str, int] = {}
        self.foreign_line = 0
        self.changed = True

    def as_saved(self) -> tuple[Any, ...]:
        return (
            self.existing_id,
            self.first_line,
            self._values,
            self._lines,
            self.contacts,
            self.foreign_line,
        )

    @classmethod
    def from_saved(cls, saved: tuple[Any, ...], known: "_Known") -> "_FileOrganisation":
        existing_id, first_line, values, lines, contacts, foreign_line = saved
        state = cls(known.by_pk.get(existing_id) if existing_id else None)
        state.existing_id = existing_id
        state.first_line = first_line
        state._values = values
        state._lines = lines
        state.contacts = contacts
        state.foreign_line = foreign_line
        state.changed = False
        return state

    def value(self, name: str) -> str | None:
        return self._values[_ORG_FIELDS.index(name)]

    def line(self, name: str) -> int | None:
        if self._lines is None:
            return self.first_line
        return self._lines[_ORG_FIELDS.index(name)]

    def set(self, name: str, value: str, line: int) -> None:
        i = _ORG_FIELDS.index(name)
        self._values = (*self._values[:i], value, *self._values[i + 1 :])
        if self._lines is None and line != self.first_line:
            self._lines = tuple(self.first_line if v is not None else None for v in self._values)
        if self._lines is not None:
            self._lines = (*self._lines[:i], line, *self._lines[i + 1 :])


_ORG_LABELS = {
    "name": lambda: _("name"),
    "kind": lambda: _("kind"),
    "website": lambda: _("website"),
    "organisation_number": lambda: _("organisation number"),
    "foreign_identifier": lambda: _("foreign identifier"),
    "country": lambda: _("country"),
}


def plan(source: Iterable[SourceRow]) -> list[PlannedRow]:
    """Per row: create, update or refuse, with the reasons and the changes (see
    plan_chunks)."""
    return [item for chunk in plan_chunks(source) for item in chunk]


def plan_chunks(
    source: Iterable[SourceRow], written: Container[int] = ()
) -> Iterator[list[PlannedRow]]:
    """The plan a chunk of rows at a time, so that a long file is never held whole.

    The rows are cleaned and looked up a chunk at a time: what the database knows is
    fetched for each chunk, and so is what earlier rows of the file said about the
    organisations and contacts the chunk names, from the file's record (record.Record),
    which then keeps what the chunk adds. `written` holds the organisations a caller
    created from earlier chunks meanwhile.
    """
    kinds = _choices_by_text(Organisation.Kind.choices)
    bases = _choices_by_text(Contact.LegalBasis.choices)
    record = Record()
    try:
        rows = iter(source)
        first = True
        while chunk := list(itertools.islice(rows, PLAN_CHUNK)):
            if not first:
                # The cycles the last chunk left (the ORM's and the history's) go now, not
                # when the collector next looks at old objects: memory stays at one chunk's.
                gc.collect()
            first = False
            cleaned = [clean_row(row.values, kinds, bases, row.overlong) for row in chunk]
            lines = [row.line for row in chunk]
            del chunk
            valid = [c for c in cleaned if not c.errors]
            file = _FileChunk(record, valid, written)
            planned = []
            for line, row in zip(lines, cleaned, strict=True):
                item = PlannedRow(line, REFUSE, row)
                planned.append(item)
                _plan_row(item, file.known, file.orgs, file.names, file.foreign)
            file.save()
            del file
            yield planned
    finally:
        record.close()


class _FileChunk:
    """What earlier rows of the file said about what a chunk's rows name, loaded from the
    file's record; the rows of the chunk add to it, and save() keeps that for the next."""

    def __init__(self, record: Record, rows: Sequence[Cleaned], written: Container[int]):
        self.record = record
        self.names: dict[str, tuple[str, ...]] = record.load("name", {r.name.lower() for r in rows})
        pairs = {(r.country, r.foreign_identifier) for r in rows if r.foreign_identifier}
        # Identifiers that organisations known by their number carry.
        self.foreign: dict[tuple[str, str], tuple[int, tuple[str, ...]]] = record.load(
            "foreign", pairs
        )
        self._loaded = (set(self.names), dict(self.foreign))
        # The organisation a row names by its key or by its name, and the one known by
        # the foreign identifier the row gives.
        keys = (
            {r.key for r in rows}
            | {self.names[r.name.lower()] for r in rows if r.name.lower() in self.names}
            | {("foreign", *pair) for pair in pairs}
        )
        saved = record.load("organisation", keys)
        # Organisations earlier chunks found, which rows of this one name again.
        earlier = {state[0] for state in saved.values() if state[0]}
        self.known = _Known(rows, also=earlier, skip=written)
        self.orgs: dict[tuple[str, ...], _FileOrganisation] = {
            key: _FileOrganisation.from_saved(state, self.known) for key, state in saved.items()
        }

    def save(self) -> None:
        """Keep what the rows of the chunk added."""
        names, foreign = self._loaded
        self.record.save("name", {k: v for k, v in self.names.items() if k not in names})
        self.record.save("foreign", {k: v for k, v in self.foreign.items() if foreign.get(k) != v})
        self.record.save(
            "organisation",
            {key: state.as_saved() for key, state in self.orgs.items() if state.changed},
        )


def _file_key(
    row: Cleaned,
    file_orgs: dict[tuple[str, ...], "_FileOrganisation"],
    file_names: dict[str, tuple[str, ...]],
) -> tuple[str, ...]:
    key = row.key
    if key[0] == "name" and key not in file_orgs and row.name.lower() in file_names:
        key = file_names[row.name.lower()]  # named earlier in the file with its number
    return key


def _plan_row(
    item: PlannedRow,
    known: "_Known",
    file_orgs: dict[tuple[str, ...], "_FileOrganisation"],
    file_names: dict[str, tuple[str, ...]],
    file_foreign: dict[tuple[str, str], tuple[int, tuple[str, ...]]],
) -> None:
    row = item.cleaned
    if row.errors:
        item.reasons = row.errors
        return
    key = _file_key(row, file_orgs, file_names)
    item.org_key = key
    state = file_orgs.get(key)
    if state is None:
        existing, refusal = known.organisation(row)
        if refusal:
            item.reasons = [refusal]
            return
        state = _FileOrganisation(existing)
    item.reasons = _plan_organisation(item, state, known, file_orgs, file_foreign)
    if item.reasons:
        return
    if row.has_contact:
        earlier = state.contacts.get(row.email)
        if earlier:
            item.reasons = [_("Duplicate of row %(line)s.") % {"line": earlier}]
            return
        item.reasons = _plan_contact(item, known)
        if item.reasons:
            return
    if item.creates_org or item.creates_contact:
        item.action = CREATE
    elif item.org_changes or item.contact_changes:
        item.action = UPDATE
    elif state.first_line:
        item.reasons = [_("Duplicate of row %(line)s.") % {"line": state.first_line}]
        return
    else:
        item.reasons = [_("Already present: nothing to change.")]
        return
    # The row is accepted: later rows see what it adds.
    state.changed = True
    if not state.first_line:
        state.first_line = item.line
        file_orgs[key] = state
        if row.name and key[0] != "name":  # a name-keyed one is found by its key
            file_names.setdefault(row.name.lower(), key)
    for name, value in row.organisation_values().items():
        if value and state.value(name) is None:
            state.set(name, value, item.line)
    if row.foreign_identifier:
        pair = (row.country, row.foreign_identifier)
        if key == ("foreign", *pair):  # as most organisations with one are known
            state.foreign_line = item.line
        else:
            file_foreign[pair] = (item.line, key)
    if row.has_contact:
        state.contacts[row.email] = item.line


def _plan_organisation(
    item: PlannedRow,
    state: _FileOrganisation,
    known: _Known,
    file_orgs: dict[tuple[str, ...], _FileOrganisation],
    file_foreign: dict[tuple[str, str], tuple[int, tuple[str, ...]]],
) -> list[str]:
    """What the row does to its organisation; the reasons to refuse it, if any."""
    row = item.cleaned
    existing = state.existing
    wanted = {name: value for name, value in row.organisation_values().items() if value}
    for name, value in wanted.items():
        earlier = state.value(name)
        if earlier and earlier != value:
            return [
                _("The organisation's %(field)s differs from row %(line)s.")
                % {"field": _ORG_LABELS[name](), "line": state.line(name)}
            ]
    if row.foreign_identifier:
        pair = (row.country, row.foreign_identifier)
        taken = known.by_foreign.get(pair)
        if taken is not None and (existing is None or taken.pk != existing.pk):
            return [
                _("%(name)s already has the foreign identifier %(value)s.")
                % {"name": taken.name, "value": row.foreign_identifier}
            ]
        # The last row that gave the identifier, and the organisation it gave it to.
        in_file = file_foreign.get(pair)
        holder = file_orgs.get(("foreign", *pair))
        if in_file is None and holder and holder.foreign_line:
            in_file = (holder.foreign_line, ("foreign", *pair))
        if in_file and in_file[1] != item.org_key:
            return [
                _("Row %(line)s gives another organisation the same foreign identifier.")
                % {"line": in_file[0]}
            ]
    new = {name: value for name, value in wanted.items() if state.value(name) is None}
    if existing is None:
        if not state.first_line:
            if not row.name:
                return [_("A new organisation needs a name.")]
            if row.name.lower() in known.party_names:
                return [
                    _(
                        "%(name)s is a party of the infrastructure; an import does not make "
                        "another organisation of that name."
                    )
                    % {"name": row.name}
                ]
            item.creates_org = True
            item.changes.append(_NEW_ORGANISATION)
            return []
        item.org_changes = new
    else:
        item.org_id = existing.pk
        for name, value in new.items():
            current = getattr(existing, name)
            if value == current:
                continue
            if name in ("organisation_number", "foreign_identifier") and current:
                return [
                    _("%(name)s is already registered with another %(field)s (%(value)s).")
                    % {"name": existing.name, "field": _ORG_LABELS[name](), "value": current}
                ]
            item.org_changes[name] = value
        if item.org_changes and existing.is_infrastructure_party:
            return [
                _(
                    "%(name)s is a party of the infrastructure: its details come from the "
                    "reference data, and an import does not change them."
                )
                % {"name": existing.name}
            ]
    if item.org_changes:
        item.changes.append(
            _("Changes the organisation's %(fields)s.")
            % {"fields": ", ".join(str(_ORG_LABELS[n]()) for n in item.org_changes)}
        )
    return []


_CONTACT_FIELDS = {
    "name": ("contact_name", lambda: _("name")),
    "phone": ("phone", lambda: _("phone")),
    "title": ("title", lambda: _("title")),
    "legal_basis": ("legal_basis", lambda: _("legal basis")),
}


def _plan_contact(item: PlannedRow, known: _Known) -> list[str]:
    row = item.cleaned
    contact = known.contacts.get((item.org_id, row.email)) if item.org_id else None
    if contact is None:
        item.creates_contact = True
        item.changes.append(_NEW_CONTACT)
        return []
    if contact.is_erased:
        return [_("This person's data was erased at their request; it is not imported again.")]
    item.contact_id = contact.pk
    for name, (attribute, _label) in _CONTACT_FIELDS.items():
        value = getattr(row, attribute)
        if value and value != getattr(contact, name):
            item.contact_changes[name] = value
    if item.contact_changes:
        item.changes.append(
            _("Changes the contact's %(fields)s.")
            % {"fields": ", ".join(str(_CONTACT_FIELDS[n][1]()) for n in item.contact_changes)}
        )
    return []
