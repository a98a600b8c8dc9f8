"""Import of organisations and contacts from a CSV or Excel file: read, plan, write.

The plan says per row what will be created, updated or refused and why; it is made with a
fixed number of queries however long the file is. Writing follows the plan inside the
caller's transaction, in batches that record their history, so a failure anywhere leaves
nothing behind.
"""

import csv
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db.models import Model, Q
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from samverkan.accounts.models import User
from samverkan.lib import orgnr
from samverkan.lib.spreadsheets import SafeCsvWriter

from .models import Contact, Organisation

COLUMNS = (
    "organisation_name",
    "organisation_number",
    "foreign_identifier",
    "country",
    "kind",
    "website",
    "contact_name",
    "contact_email",
    "contact_phone",
    "contact_title",
    "legal_basis",
)
CONTACT_COLUMNS = ("contact_name", "contact_email", "contact_phone", "contact_title")
EXTENSIONS = (".csv", ".xlsx")
MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
# Above this many rows the worker imports the file and the page shows its progress.
WORKER_THRESHOLD = 300
BATCH = 250
# Lookups go to the database in chunks well below every backend's limit on parameters.
CHUNK = 500

CREATE, UPDATE, REFUSE = "create", "update", "refuse"

_COUNTRY = re.compile(r"^[A-Z]{2}$")


# --- Reading ------------------------------------------------------------------------------


@dataclass
class SourceRow:
    line: int  # as a spreadsheet numbers it: the headings are line 1
    values: dict[str, str]


def _header(value: Any) -> str:
    """A column heading as its name: "Contact e-mail" is contact_email."""
    text = str(value or "").strip().lower().replace("e-mail", "email")
    return re.sub(r"[\s\-]+", "_", text)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a number typed into Excel: 5566778899.0
    return str(value).strip()


def _csv_lines(data: bytes) -> Iterator[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # Excel's "CSV" on Windows
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _xlsx_lines(data: bytes) -> Iterator[list[Any]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise ValidationError(_("The file is not a readable Excel workbook.")) from error
    try:
        sheet = book.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield list(row)
    finally:
        book.close()


def read_rows(data: bytes, filename: str) -> list[SourceRow]:
    """The file's rows by column name; unknown columns are ignored, blank rows skipped."""
    extension = PurePath(filename).suffix.lower()
    if extension not in EXTENSIONS:
        raise ValidationError(_("Upload a CSV file or an Excel workbook (.xlsx)."))
    if len(data) > MAX_BYTES:
        raise ValidationError(_("The file is larger than 10 MB."))
    lines: Iterable[Sequence[Any]] = _csv_lines(data) if extension == ".csv" else _xlsx_lines(data)
    rows: list[SourceRow] = []
    headers: list[str] | None = None
    try:
        for number, line in enumerate(lines, start=1):
            if headers is None:
                headers = [_header(cell) for cell in line]
                missing = [c for c in ("organisation_name",) if c not in headers]
                if missing:
                    raise ValidationError(
                        _("The first row must name the columns; %(columns)s is missing.")
                        % {"columns": ", ".join(missing)}
                    )
                continue
            values = {
                name: _text(cell)
                for name, cell in zip(headers, line, strict=False)
                if name in COLUMNS
            }
            if not any(values.values()):
                continue
            if len(rows) >= MAX_ROWS:
                raise ValidationError(
                    _("The file has more than %(max)s rows; split it.") % {"max": MAX_ROWS}
                )
            rows.append(SourceRow(number, {c: values.get(c, "") for c in COLUMNS}))
    except csv.Error as error:
        raise ValidationError(_("The file is not a readable CSV file.")) from error
    if headers is None:
        raise ValidationError(_("The file is empty."))
    return rows


def template_csv() -> str:
    """An empty file with the columns, and one example row, for people to fill in."""
    out = io.StringIO()
    writer = SafeCsvWriter(out)
    writer.writerow(COLUMNS)
    writer.writerow(
        [
            "Exempel Diagnostik AB",
            orgnr.with_check_digit("556677889"),
            "",
            "SE",
            "company",
            "https://example.se",
            "Ada Lind",
            "ada@example.se",
            "+46 70 123 45 67",
            "CSO",
            "legitimate_interest",
        ]
    )
    return out.getvalue()


# --- Checking each row on its own -----------------------------------------------------------


def _choices_by_text(choices: Iterable[tuple[str, Any]]) -> dict[str, str]:
    """A choice by its value or its label in either language, case-insensitively."""
    found: dict[str, str] = {}
    pairs = list(choices)
    for language in ("en", "sv"):
        with translation.override(language):
            for value, label in pairs:
                found[str(label).casefold()] = value
    for value, _label in pairs:
        found[value.casefold()] = value
    return found


@dataclass
class Cleaned:
    name: str = ""
    number: str = ""
    foreign_identifier: str = ""
    country: str = "SE"
    country_given: bool = False
    kind: str = ""
    website: str = ""
    contact_name: str = ""
    email: str = ""
    phone: str = ""
    title: str = ""
    legal_basis: str = ""
    has_contact: bool = False
    errors: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, ...]:
        """How the organisation is recognised: number, foreign identifier, else name."""
        if self.number:
            return ("number", self.number)
        if self.foreign_identifier:
            return ("foreign", self.country, self.foreign_identifier)
        return ("name", self.name.lower())

    def organisation_values(self) -> dict[str, str]:
        return {
            "name": self.name,
            "organisation_number": self.number,
            "foreign_identifier": self.foreign_identifier,
            "country": self.country if self.country_given else "",
            "kind": self.kind,
            "website": self.website,
        }


def _too_long(errors: list[str], label: str, value: str, limit: int) -> None:
    if len(value) > limit:
        errors.append(
            _("%(field)s is longer than %(limit)s characters.") % {"field": label, "limit": limit}
        )


def clean_row(values: dict[str, str], kinds: dict[str, str], bases: dict[str, str]) -> Cleaned:
    row = Cleaned()
    errors = row.errors
    row.name = values["organisation_name"]
    _too_long(errors, _("The organisation name"), row.name, 200)

    raw_number = values["organisation_number"]
    if raw_number:
        row.number = orgnr.normalise(raw_number) or ""
        if not row.number:
            errors.append(
                _("The organisation number %(value)s is not valid.") % {"value": raw_number}
            )
    row.foreign_identifier = values["foreign_identifier"]
    _too_long(errors, _("The foreign identifier"), row.foreign_identifier, 64)
    if values["country"]:
        row.country, row.country_given = values["country"].upper(), True
        if not _COUNTRY.match(row.country):
            errors.append(_("The country must be a two-letter code such as SE or DK."))
    if row.foreign_identifier and not raw_number and not row.country_given:
        errors.append(_("Give the country the foreign identifier belongs to."))
    if raw_number and row.country != "SE":
        errors.append(_("A Swedish organisation number belongs to an organisation in SE."))
    if not (row.name or raw_number or row.foreign_identifier):
        errors.append(_("The row names no organisation."))

    if values["kind"]:
        row.kind = kinds.get(values["kind"].casefold(), "")
        if not row.kind:
            errors.append(_("The kind %(value)s is unknown.") % {"value": values["kind"]})
    website = values["website"]
    if website:
        if "://" not in website:
            website = "https://" + website
        try:
            URLValidator(schemes=["http", "https"])(website)
        except ValidationError:
            errors.append(_("The website %(value)s is not a web address.") % {"value": website})
        _too_long(errors, _("The website"), website, 200)
        row.website = website

    row.contact_name = values["contact_name"]
    row.email = values["contact_email"].lower()
    row.phone = values["contact_phone"]
    row.title = values["contact_title"]
    row.has_contact = any(values[c] for c in CONTACT_COLUMNS)
    if row.has_contact:
        if not row.email:
            errors.append(_("The contact has no e-mail address."))
        else:
            try:
                EmailValidator()(row.email)
            except ValidationError:
                errors.append(
                    _("The e-mail address %(value)s is not valid.") % {"value": row.email}
                )
        if not row.contact_name:
            errors.append(_("The contact has no name."))
        _too_long(errors, _("The contact's name"), row.contact_name, 200)
        _too_long(errors, _("The e-mail address"), row.email, 254)
        _too_long(errors, _("The phone number"), row.phone, 40)
        _too_long(errors, _("The title"), row.title, 200)
    if values["legal_basis"]:
        row.legal_basis = bases.get(values["legal_basis"].casefold(), "")
        if not row.legal_basis:
            errors.append(
                _("The legal basis %(value)s is unknown.") % {"value": values["legal_basis"]}
            )
    return row


# --- Planning against the database --------------------------------------------------------


@dataclass
class PlannedRow:
    line: int
    action: str
    cleaned: Cleaned
    reasons: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
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
            "changes": self.changes,
        }


def _chunks(values: Iterable[Any]) -> Iterator[list[Any]]:
    items = list(values)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


class _Known:
    """Organisations and contacts the file mentions that are already in the database,
    fetched in a few queries whatever the length of the file."""

    def __init__(self, rows: Sequence[Cleaned]) -> None:
        numbers = {r.number for r in rows if r.number}
        foreign = {r.foreign_identifier for r in rows if r.foreign_identifier}
        names = {r.name for r in rows if r.name and not r.number and not r.foreign_identifier}
        self.by_number: dict[str, Organisation] = {}
        self.by_foreign: dict[tuple[str, str], Organisation] = {}
        self.by_name: dict[str, list[Organisation]] = {}
        for chunk in _chunks(numbers):
            for org in Organisation.objects.filter(organisation_number__in=chunk):
                self.by_number[org.organisation_number] = org
        for chunk in _chunks(foreign):
            for org in Organisation.objects.filter(foreign_identifier__in=chunk):
                self.by_foreign[(org.country, org.foreign_identifier)] = org
        for chunk in _chunks(names):
            # The database folds the case of ASCII letters only; Python folds the rest.
            lowered = [name.lower() for name in chunk]
            for org in Organisation.objects.annotate(lower_name=Lower("name")).filter(
                Q(name__in=chunk) | Q(lower_name__in=lowered)
            ):
                self.by_name.setdefault(org.name.lower(), []).append(org)
        org_ids = {
            o.pk
            for o in [*self.by_number.values(), *self.by_foreign.values()]
            + [o for found in self.by_name.values() for o in found]
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


@dataclass
class _FileOrganisation:
    """An organisation as the rows of the file so far describe it."""

    existing: Organisation | None
    values: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)  # which row gave each value
    first_line: int = 0


_ORG_LABELS = {
    "name": lambda: _("name"),
    "kind": lambda: _("kind"),
    "website": lambda: _("website"),
    "organisation_number": lambda: _("organisation number"),
    "foreign_identifier": lambda: _("foreign identifier"),
    "country": lambda: _("country"),
}


def plan(source: Sequence[SourceRow]) -> list[PlannedRow]:
    """Per row: create, update or refuse, with the reasons and the changes."""
    kinds = _choices_by_text(Organisation.Kind.choices)
    bases = _choices_by_text(Contact.LegalBasis.choices)
    cleaned = [clean_row(row.values, kinds, bases) for row in source]
    known = _Known([c for c in cleaned if not c.errors])
    file_orgs: dict[tuple[str, ...], _FileOrganisation] = {}
    file_names: dict[str, tuple[str, ...]] = {}
    file_foreign: dict[tuple[str, str], tuple[int, tuple[str, ...]]] = {}
    file_contacts: dict[tuple[tuple[str, ...], str], int] = {}
    planned = []
    for source_row, row in zip(source, cleaned, strict=True):
        item = PlannedRow(source_row.line, REFUSE, row)
        planned.append(item)
        if row.errors:
            item.reasons = row.errors
            continue
        key = row.key
        if key[0] == "name" and key not in file_orgs and row.name.lower() in file_names:
            key = file_names[row.name.lower()]  # named earlier in the file with its number
        item.org_key = key
        state = file_orgs.get(key)
        if state is None:
            existing, refusal = known.organisation(row)
            if refusal:
                item.reasons = [refusal]
                continue
            state = _FileOrganisation(existing)
        item.reasons = _plan_organisation(item, state, known, file_foreign)
        if item.reasons:
            continue
        if row.has_contact:
            earlier = file_contacts.get((key, row.email))
            if earlier:
                item.reasons = [_("Duplicate of row %(line)s.") % {"line": earlier}]
                continue
            item.reasons = _plan_contact(item, known)
            if item.reasons:
                continue
        if item.creates_org or item.creates_contact:
            item.action = CREATE
        elif item.org_changes or item.contact_changes:
            item.action = UPDATE
        elif state.first_line:
            item.reasons = [_("Duplicate of row %(line)s.") % {"line": state.first_line}]
            continue
        else:
            item.reasons = [_("Already present: nothing to change.")]
            continue
        # The row is accepted: later rows see what it adds.
        if not state.first_line:
            state.first_line = item.line
            file_orgs[key] = state
            if row.name:
                file_names.setdefault(row.name.lower(), key)
        for name, value in row.organisation_values().items():
            if value and name not in state.values:
                state.values[name], state.lines[name] = value, item.line
        if row.foreign_identifier:
            file_foreign[(row.country, row.foreign_identifier)] = (item.line, key)
        if row.has_contact:
            file_contacts[(key, row.email)] = item.line
    return planned


def _plan_organisation(
    item: PlannedRow,
    state: _FileOrganisation,
    known: _Known,
    file_foreign: dict[tuple[str, str], tuple[int, tuple[str, ...]]],
) -> list[str]:
    """What the row does to its organisation; the reasons to refuse it, if any."""
    row = item.cleaned
    existing = state.existing
    wanted = {name: value for name, value in row.organisation_values().items() if value}
    for name, value in wanted.items():
        earlier = state.values.get(name)
        if earlier and earlier != value:
            return [
                _("The organisation's %(field)s differs from row %(line)s.")
                % {"field": _ORG_LABELS[name](), "line": state.lines[name]}
            ]
    if row.foreign_identifier:
        pair = (row.country, row.foreign_identifier)
        taken = known.by_foreign.get(pair)
        if taken is not None and (existing is None or taken.pk != existing.pk):
            return [
                _("%(name)s already has the foreign identifier %(value)s.")
                % {"name": taken.name, "value": row.foreign_identifier}
            ]
        in_file = file_foreign.get(pair)
        if in_file and in_file[1] != item.org_key:
            return [
                _("Row %(line)s gives another organisation the same foreign identifier.")
                % {"line": in_file[0]}
            ]
    new = {name: value for name, value in wanted.items() if name not in state.values}
    if existing is None:
        if not state.first_line:
            if not row.name:
                return [_("A new organisation needs a name.")]
            item.creates_org = True
            item.changes.append(_("New organisation."))
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
        item.changes.append(_("New contact."))
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


def summarise(planned: Sequence[PlannedRow]) -> dict[str, Any]:
    counts = {CREATE: 0, UPDATE: 0, REFUSE: 0}
    for item in planned:
        counts[item.action] += 1
    signature = json.dumps([item.signature() for item in planned], default=str)
    return {
        **counts,
        "rows": len(planned),
        "signature": hashlib.sha256(signature.encode()).hexdigest(),
    }


# --- Writing ------------------------------------------------------------------------------


def apply(
    planned: Sequence[PlannedRow],
    *,
    actor: User | None,
    reason: str,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Write what the plan says; call inside a transaction, which a failure rolls back."""
    now = timezone.now()
    rows = [p for p in planned if p.action != REFUSE]
    existing_ids = {p.org_id for p in rows if p.org_id}
    existing = Organisation.objects.select_for_update().in_bulk(list(existing_ids))
    new_orgs: dict[tuple[str, ...], Organisation] = {}
    changed_orgs: dict[int, Organisation] = {}
    for item in rows:
        row = item.cleaned
        if item.creates_org:
            new_orgs[item.org_key] = Organisation(
                name=row.name,
                kind=row.kind or Organisation.Kind.COMPANY,
                organisation_number=row.number,
                foreign_identifier=row.foreign_identifier,
                country=row.country,
                website=row.website,
            )
        elif item.org_changes and item.org_id:
            org = existing[item.org_id]
            for name, value in item.org_changes.items():
                setattr(org, name, value)
            if item.org_id not in changed_orgs:
                org.version += 1
                org.updated_at = now
            changed_orgs[item.org_id] = org
        elif item.org_changes:  # what a later row adds to an organisation the file creates
            for name, value in item.org_changes.items():
                setattr(new_orgs[item.org_key], name, value)

    new_contacts: list[Contact] = []
    contact_ids = [p.contact_id for p in rows if p.contact_changes and p.contact_id]
    known_contacts = Contact.objects.select_for_update().in_bulk(contact_ids)
    changed_contacts: list[Contact] = []
    total = (
        len(new_orgs)
        + len(changed_orgs)
        + sum(1 for p in rows if p.creates_contact or p.contact_changes)
    )
    done = 0

    def step(count: int) -> None:
        nonlocal done
        done += count
        if progress:
            progress(done, total)

    history = {"default_user": actor, "default_change_reason": reason}

    def create(model: type[Model], objects: list[Any]) -> None:
        for start in range(0, len(objects), BATCH):
            batch = objects[start : start + BATCH]
            bulk_create_with_history(batch, model, **history)
            step(len(batch))

    def update(model: type[Model], objects: list[Any], fields: set[str]) -> None:
        names = sorted(fields | {"version", "updated_at"})
        for start in range(0, len(objects), BATCH):
            batch = objects[start : start + BATCH]
            bulk_update_with_history(batch, model, names, **history)
            step(len(batch))

    create(Organisation, list(new_orgs.values()))
    update(Organisation, list(changed_orgs.values()), {n for p in rows for n in p.org_changes})

    for item in rows:
        row = item.cleaned
        if item.creates_contact:
            # The organisation is in the database, or created above by this or an earlier row.
            org = existing[item.org_id] if item.org_id else new_orgs[item.org_key]
            new_contacts.append(
                Contact(
                    organisation=org,
                    name=row.contact_name,
                    email=row.email,
                    phone=row.phone,
                    title=row.title,
                    legal_basis=row.legal_basis or Contact.LegalBasis.LEGITIMATE_INTEREST,
                )
            )
        elif item.contact_changes and item.contact_id:
            contact = known_contacts[item.contact_id]
            for name, value in item.contact_changes.items():
                setattr(contact, name, value)
            contact.version += 1
            contact.updated_at = now
            changed_contacts.append(contact)
    create(Contact, new_contacts)
    update(Contact, changed_contacts, {n for p in rows for n in p.contact_changes})
    return {
        "organisations_created": len(new_orgs),
        "organisations_updated": len(changed_orgs),
        "contacts_created": len(new_contacts),
        "contacts_updated": len(changed_contacts),
    }
