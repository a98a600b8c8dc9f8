"""Reading an import file: its columns, its rows one at a time, and the template to fill in."""

import codecs
import contextlib
import csv
import io
import itertools
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils.translation import gettext as _

from samverkan.lib import orgnr
from samverkan.lib.spreadsheets import SafeCsvWriter

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
