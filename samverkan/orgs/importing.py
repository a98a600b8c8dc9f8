"""Import of organisations and contacts from a CSV or Excel file: read, plan, write.

The plan says per row what will be created, updated or refused and why; it is made with a
fixed number of queries however long the file is. Writing follows the plan inside the
caller's transaction, in batches that record their history, so a failure anywhere leaves
nothing behind. A long file is planned and written a chunk at a time (plan_chunks, Outline,
Writer): memory holds one chunk of rows and what the file said about each organisation,
never the whole plan.
"""

import codecs
import contextlib
import csv
import hashlib
import io
import itertools
import json
import re
import sys
import zipfile
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.files import File
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
MAX_BYTES = 30 * 1024 * 1024
MAX_ROWS = 200_000
# An Excel workbook is a zip of XML files: a small one can unpack to gigabytes (a "zip
# bomb"). These bound what reading it may unpack, however it was made.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_PACKING_RATIO = 100
MAX_COLUMNS = 40
# Longer than any field the import fills; a longer cell refuses its row, and only this much
# of it is kept for the preview.
MAX_CELL = 1000
# Above this many rows the worker imports the file and the page shows its progress.
WORKER_THRESHOLD = 300
BATCH = 250
# Lookups go to the database in chunks well below every backend's limit on parameters.
CHUNK = 500
# Rows are cleaned and planned this many at a time, so memory does not grow with the file.
PLAN_CHUNK = 5000
# The stored preview: the first rows and the refused ones, never the whole of a long file.
PREVIEW_ROWS = 200
PREVIEW_REFUSED = 1000

CREATE, UPDATE, REFUSE = "create", "update", "refuse"

_COUNTRY = re.compile(r"^[A-Z]{2}$")


# --- Reading ------------------------------------------------------------------------------


@dataclass(slots=True)
class SourceRow:
    line: int  # as a spreadsheet numbers it: the headings are line 1
    values: dict[str, str]
    overlong: tuple[str, ...] = ()  # columns whose cell was longer than MAX_CELL


def _header(value: Any) -> str:
    """A column heading as its name: "Contact e-mail" is contact_email."""
    text = str(value or "").strip()[:MAX_CELL].lower().replace("e-mail", "email")
    return re.sub(r"[\s\-]+", "_", text)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a number typed into Excel: 5566778899.0
    return str(value).strip()


def _size(file: IO[bytes]) -> int:
    file.seek(0, io.SEEK_END)
    size = file.tell()
    file.seek(0)
    return size


def _encoding(file: IO[bytes]) -> str:
    """UTF-8 when the whole file decodes as such, else Excel's "CSV" on Windows."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := file.read(1024 * 1024):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        encoding = "utf-8-sig"
    except UnicodeDecodeError:
        encoding = "cp1252"
    file.seek(0)
    return encoding


def _csv_lines(file: IO[bytes]) -> Iterator[list[str]]:
    text = io.TextIOWrapper(file, encoding=_encoding(file), errors="replace", newline="")
    try:
        first = text.readline()
        delimiter = max((",", ";", "\t"), key=first.count)
        yield from csv.reader(itertools.chain([first], text), delimiter=delimiter)
    finally:
        with contextlib.suppress(ValueError):  # already closed by the caller
            text.detach()  # else closing the wrapper would close the caller's file


def _check_zip(file: IO[bytes]) -> None:
    """Refuse a workbook that unpacks to far more than it weighs, before unpacking it."""
    unreadable = ValidationError(_("The file is not a readable Excel workbook."))
    try:
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise unreadable from error
    finally:
        file.seek(0)
    if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES or any(
        m.file_size > 1024 * 1024 and m.file_size > MAX_PACKING_RATIO * max(m.compress_size, 1)
        for m in members
    ):
        raise ValidationError(
            _("The workbook unpacks to far more data than a list of organisations holds.")
        )


def _xlsx_lines(file: IO[bytes]) -> Iterator[Sequence[Any]]:
    from openpyxl import load_workbook

    _check_zip(file)
    unreadable = _("The file is not a readable Excel workbook.")
    try:
        book = load_workbook(file, read_only=True, data_only=True)
    except Exception as error:  # a broken workbook fails in many ways, all the sender's
        raise ValidationError(unreadable) from error
    try:
        if not book.worksheets:
            raise ValidationError(unreadable)
        # Read row by row, never more columns than an import has.
        rows = book.worksheets[0].iter_rows(max_col=MAX_COLUMNS, values_only=True)
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except Exception as error:  # broken XML inside the sheet, met while reading it
                raise ValidationError(unreadable) from error
            yield row
    finally:
        book.close()


def open_file(file: IO[bytes] | File | bytes, filename: str) -> IO[bytes]:
    """The upload as a file to read rows from, once its name and size are acceptable."""
    if PurePath(filename).suffix.lower() not in EXTENSIONS:
        raise ValidationError(_("Upload a CSV file or an Excel workbook (.xlsx)."))
    if isinstance(file, bytes):
        file = io.BytesIO(file)
    while isinstance(file, File):  # Django's wrappers, down to the file they hold
        if file.file is None:
            raise ValidationError(_("The file is empty."))
        file = file.file
    if _size(file) > MAX_BYTES:
        raise ValidationError(
            _("The file is larger than %(size)s MB.") % {"size": MAX_BYTES // (1024 * 1024)}
        )
    return file


def read_rows(file: IO[bytes] | File | bytes, filename: str) -> Iterator[SourceRow]:
    """The file's rows by column name, one at a time; unknown columns are ignored, blank
    rows skipped. Raises ValidationError, possibly part-way, for a file it cannot read."""
    file = open_file(file, filename)
    extension = PurePath(filename).suffix.lower()
    lines: Iterable[Sequence[Any]] = _csv_lines(file) if extension == ".csv" else _xlsx_lines(file)
    return _rows(lines)


def _rows(lines: Iterable[Sequence[Any]]) -> Iterator[SourceRow]:
    headers: list[str] | None = None
    count = 0
    try:
        for number, line in enumerate(lines, start=1):
            if headers is None:
                headers = [_header(cell) for cell in line[:MAX_COLUMNS]]
                missing = [c for c in ("organisation_name",) if c not in headers]
                if missing:
                    raise ValidationError(
                        _("The first row must name the columns; %(columns)s is missing.")
                        % {"columns": ", ".join(missing)}
                    )
                continue
            values = dict.fromkeys(COLUMNS, "")
            overlong: list[str] = []
            for name, cell in zip(headers, line, strict=False):
                if name in values:
                    text = _text(cell)
                    if len(text) > MAX_CELL:
                        text = text[:MAX_CELL]
                        overlong.append(name)
                    values[name] = text
            if not any(values.values()):
                continue
            count += 1
            if count > MAX_ROWS:
                raise ValidationError(
                    _("The file has more than %(max)s rows; split it.") % {"max": MAX_ROWS}
                )
            yield SourceRow(number, values, tuple(overlong))
    except csv.Error as error:
        raise ValidationError(_("The file is not a readable CSV file.")) from error
    if headers is None:
        raise ValidationError(_("The file is empty."))


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


@dataclass(slots=True)
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


def clean_row(
    values: dict[str, str],
    kinds: dict[str, str],
    bases: dict[str, str],
    overlong: Sequence[str] = (),
) -> Cleaned:
    row = Cleaned()
    errors = row.errors
    for column in overlong:
        errors.append(
            _("The column %(column)s holds more than %(limit)s characters.")
            % {"column": column, "limit": MAX_CELL}
        )
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
        # Interned: a long file repeats a handful of countries thousands of times.
        row.country, row.country_given = sys.intern(values["country"].upper()), True
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


@dataclass(slots=True)
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


def _chunks(values: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    items = iter(values)
    while chunk := list(itertools.islice(items, size)):
        yield chunk


class _Known:
    """Organisations and contacts the file mentions that are already in the database,
    fetched in a few queries whatever the length of the file."""

    def __init__(
        self, rows: Sequence[Cleaned], also: Iterable[int] = (), skip: Container[int] = ()
    ) -> None:
        numbers = {r.number for r in rows if r.number}
        foreign = {r.foreign_identifier for r in rows if r.foreign_identifier}
        names = {r.name for r in rows if r.name and not r.number and not r.foreign_identifier}
        self.by_number: dict[str, Organisation] = {}
        self.by_foreign: dict[tuple[str, str], Organisation] = {}
        self.by_name: dict[str, list[Organisation]] = {}
        # What this import wrote already (`skip`) is not known to it: the rows that
        # created it are, the way a plan made before any writing sees them.
        for chunk in _chunks(numbers):
            for org in Organisation.objects.filter(organisation_number__in=chunk):
                if org.pk not in skip:
                    self.by_number[org.organisation_number] = org
        for chunk in _chunks(foreign):
            for org in Organisation.objects.filter(foreign_identifier__in=chunk):
                if org.pk not in skip:
                    self.by_foreign[(org.country, org.foreign_identifier)] = org
        for chunk in _chunks(names):
            # The database folds the case of ASCII letters only; Python folds the rest.
            lowered = [name.lower() for name in chunk]
            for org in Organisation.objects.annotate(lower_name=Lower("name")).filter(
                Q(name__in=chunk) | Q(lower_name__in=lowered)
            ):
                if org.pk not in skip:
                    self.by_name.setdefault(org.name.lower(), []).append(org)
        org_ids = {
            o.pk
            for o in [*self.by_number.values(), *self.by_foreign.values()]
            + [o for found in self.by_name.values() for o in found]
        } | set(also)
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
    that gave it. Kept for every organisation of the file, so in as little memory as a
    tuple allows (a 100,000-row file holds 100,000 of them)."""

    __slots__ = ("_lines", "_values", "existing", "first_line")

    def __init__(self, existing: Organisation | None) -> None:
        self.existing = existing
        self.first_line = 0
        self._values: tuple[str | None, ...] = _UNSET
        # None while every value comes from the organisation's first row, as most do.
        self._lines: tuple[int | None, ...] | None = None

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
    fetched for each chunk, what earlier rows of the file said is kept for the whole file.
    `written` holds the organisations a caller created from earlier chunks meanwhile.
    """
    kinds = _choices_by_text(Organisation.Kind.choices)
    bases = _choices_by_text(Contact.LegalBasis.choices)
    file_orgs: dict[tuple[str, ...], _FileOrganisation] = {}
    file_names: dict[str, tuple[str, ...]] = {}
    file_foreign: dict[tuple[str, str], int | tuple[int, tuple[str, ...]]] = {}
    file_contacts: dict[tuple[tuple[str, ...], str], int] = {}
    rows = iter(source)
    while chunk := list(itertools.islice(rows, PLAN_CHUNK)):
        cleaned = [clean_row(row.values, kinds, bases, row.overlong) for row in chunk]
        lines = [row.line for row in chunk]
        del chunk
        valid = [c for c in cleaned if not c.errors]
        # Organisations earlier chunks found, which rows of this one may name again.
        earlier = {
            state.existing.pk
            for c in valid
            if (state := file_orgs.get(_file_key(c, file_orgs, file_names))) and state.existing
        }
        known = _Known(valid, also=earlier, skip=written)
        planned = []
        for line, row in zip(lines, cleaned, strict=True):
            item = PlannedRow(line, REFUSE, row)
            planned.append(item)
            _plan_row(item, known, file_orgs, file_names, file_foreign, file_contacts)
        yield planned


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
    file_foreign: dict[tuple[str, str], int | tuple[int, tuple[str, ...]]],
    file_contacts: dict[tuple[tuple[str, ...], str], int],
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
    item.reasons = _plan_organisation(item, state, known, file_foreign)
    if item.reasons:
        return
    if row.has_contact:
        earlier = file_contacts.get((key, row.email))
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
    if not state.first_line:
        state.first_line = item.line
        file_orgs[key] = state
        if row.name:
            file_names.setdefault(row.name.lower(), key)
    for name, value in row.organisation_values().items():
        if value and state.value(name) is None:
            state.set(name, value, item.line)
    if row.foreign_identifier:
        pair = (row.country, row.foreign_identifier)
        # Only the row when the organisation is known by this identifier, as most are.
        file_foreign[pair] = item.line if key == ("foreign", *pair) else (item.line, key)
    if row.has_contact:
        file_contacts[(key, row.email)] = item.line


def _plan_organisation(
    item: PlannedRow,
    state: _FileOrganisation,
    known: _Known,
    file_foreign: dict[tuple[str, str], int | tuple[int, tuple[str, ...]]],
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
        in_file = file_foreign.get(pair)
        if isinstance(in_file, int):
            in_file = (in_file, ("foreign", *pair))
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


class Outline:
    """What a plan does, gathered a chunk at a time: the counts, a signature of every
    row's effect, and the preview (the first rows and the refused ones, up to a bound,
    so a long file never makes a huge record)."""

    def __init__(self) -> None:
        self.counts = {CREATE: 0, UPDATE: 0, REFUSE: 0}
        self.rows = 0
        self.preview: list[dict[str, Any]] = []
        self._refused_shown = 0
        self._signature = hashlib.sha256()

    def add(self, planned: Iterable[PlannedRow]) -> None:
        for item in planned:
            self.counts[item.action] += 1
            self._signature.update(json.dumps(item.signature(), default=str).encode())
            self._signature.update(b"\n")
            if self.rows < PREVIEW_ROWS:
                self.preview.append(item.preview())
                self._refused_shown += item.action == REFUSE
            elif item.action == REFUSE and self._refused_shown < PREVIEW_REFUSED:
                self.preview.append(item.preview())
                self._refused_shown += 1
            self.rows += 1

    def summary(self) -> dict[str, Any]:
        return {
            **self.counts,
            "rows": self.rows,
            "signature": self._signature.hexdigest(),
            "preview_rows": PREVIEW_ROWS,
        }


def summarise(planned: Sequence[PlannedRow]) -> dict[str, Any]:
    outline = Outline()
    outline.add(planned)
    return outline.summary()


def preview(planned: Sequence[PlannedRow]) -> list[dict[str, Any]]:
    """What the preview page shows and the job stores (see Outline)."""
    outline = Outline()
    outline.add(planned)
    return outline.preview


# --- Writing ------------------------------------------------------------------------------


def apply(
    planned: Sequence[PlannedRow],
    *,
    actor: User | None,
    reason: str,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Write what the plan says; call inside a transaction, which a failure rolls back."""
    writer = Writer(actor=actor, reason=reason, progress=progress, total=len(planned))
    writer.write(planned)
    return writer.counts


class Writer:
    """Writes a plan a chunk at a time, inside the caller's transaction.

    Records are built and written a batch at a time, so memory holds the ids of the
    organisations created (which later rows' contacts belong to), not the records."""

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
        self.org_ids: dict[tuple[str, ...], int] = {}
        self.created: set[int] = set()
        self.updated: set[int] = set()
        self.counts = {
            "organisations_created": 0,
            "organisations_updated": 0,
            "contacts_created": 0,
            "contacts_updated": 0,
        }

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
        for item in rows:
            if item.creates_org:
                creating[item.org_key] = item
            elif item.org_changes and item.org_id:
                changed_orgs.setdefault(item.org_id, {}).update(item.org_changes)
            elif item.org_changes and item.org_key in self.org_ids:
                # What a later row adds to an organisation an earlier chunk created.
                pk = self.org_ids[item.org_key]
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
            for (key, _item), organisation in zip(batch, created, strict=True):
                self.org_ids[key] = organisation.pk
                self.created.add(organisation.pk)
            self.counts["organisations_created"] += len(batch)

        org_fields = sorted({n for changes in changed_orgs.values() for n in changes})
        for ids in _chunks(changed_orgs, BATCH):
            organisations = list(Organisation.objects.filter(pk__in=ids))
            for organisation in organisations:
                for name, value in changed_orgs[organisation.pk].items():
                    setattr(organisation, name, value)
                organisation.version += 1
                organisation.updated_at = now
            _update(organisations, Organisation, org_fields, history)
            self.updated.update(o.pk for o in organisations if o.pk not in self.created)

        for batch in _chunks(new_contacts, BATCH):
            contacts = []
            for item in batch:
                row = item.cleaned
                contacts.append(
                    Contact(
                        # In the database already, or created by this or an earlier row.
                        organisation_id=item.org_id or self.org_ids[item.org_key],
                        name=row.contact_name,
                        email=row.email,
                        phone=row.phone,
                        title=row.title,
                        legal_basis=row.legal_basis or Contact.LegalBasis.LEGITIMATE_INTEREST,
                    )
                )
            bulk_create_with_history(contacts, Contact, **history)
            self.counts["contacts_created"] += len(batch)

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
            self.counts["contacts_updated"] += len(batch)
        self.counts["organisations_updated"] = len(self.updated)


def _update(objects: list[Any], model: type[Model], fields: list[str], history: Any) -> None:
    names = sorted({*fields, "version", "updated_at"})
    bulk_update_with_history(objects, model, names, **history)
