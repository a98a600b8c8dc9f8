"""A list as a file: CSV or Excel from a queryset (or any rows) and a list of columns.

A list page offers `?format=csv` and `?format=xlsx` beside its filters and answers with
`export_response(filterset.qs, COLUMNS, ...)`, so the file holds exactly the filtered
rows, all of them, not only the page shown.

A CSV streams however long the list. A workbook of more than
EXPORT_XLSX_IN_REQUEST_ROWS rows is written by the worker instead, when the list names
its `source`: a function `(user, query) -> (rows, columns)` that rebuilds it. The person
then follows the work on a page of its own and downloads the file from there. A list with
no source, or a visitor who is not signed in, is offered the CSV instead.
"""

import csv
import datetime
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

import tablib
from django.conf import settings
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, QueryDict, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import get_language

from samverkan.lib.spreadsheets import safe_cell

from .actions import do_request_list_export

# Above this many rows a workbook is written by the worker (see export_response).
XLSX_IN_REQUEST_ROWS = 5000

CSV = "csv"
XLSX = "xlsx"
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Column:
    """A column: its heading and the value, as a dotted attribute path or a function."""

    header: str | Promise
    value: str | Callable[[Any], Any]

    def get(self, row: Any) -> Any:
        if callable(self.value):
            return self.value(row)
        value = row
        for part in self.value.replace("__", ".").split("."):
            value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
            if value is None:
                return None
        return value


def requested_format(request: HttpRequest) -> str | None:
    """The file format asked for with `?format=`, or None for the HTML page."""
    value = request.GET.get("format", "")
    return value if value in CONTENT_TYPES else None


def _cell(value: Any, fmt: str) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.replace(tzinfo=None) if fmt == XLSX else value.isoformat(sep=" ")
    if isinstance(value, int | float | Decimal | datetime.date):
        return value
    if isinstance(value, list | tuple | set):
        value = ", ".join(force_str(item) for item in value)
    return safe_cell(force_str(value))


def _rows(rows: Iterable[Any]) -> Iterable[Any]:
    if isinstance(rows, QuerySet):
        # Prefetches still apply, a chunk at a time, and the rows are not all kept.
        return rows.iterator(chunk_size=2000)
    return rows


def dataset(rows: Iterable[Any], columns: Sequence[Column], fmt: str, title: str = "") -> Any:
    data = tablib.Dataset(title=title[:31])
    data.headers = [force_str(column.header) for column in columns]
    for row in _rows(rows):
        data.append([_cell(column.get(row), fmt) for column in columns])
    return data


class _Echo:
    """A file that hands back what is written, for csv.writer in a streamed answer."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: Iterable[Any], columns: Sequence[Column]) -> Iterator[bytes]:
    writer = csv.writer(_Echo())
    # The byte-order mark makes Excel read the file as UTF-8 (å, ä, ö).
    yield ("\ufeff" + writer.writerow([force_str(c.header) for c in columns])).encode()
    for row in _rows(rows):
        yield writer.writerow([_cell(column.get(row), CSV) for column in columns]).encode()


def write_xlsx(
    rows: Iterable[Any],
    columns: Sequence[Column],
    title: str,
    file: IO[bytes],
    progress: Callable[[int], object] | None = None,
) -> None:
    """The workbook written row by row (openpyxl's write-only mode) to `file`; `progress`
    hears the number of rows written every thousand rows."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31] or "Sheet")
    sheet.append([force_str(column.header) for column in columns])
    for n, row in enumerate(_rows(rows), start=1):
        sheet.append([_cell(column.get(row), XLSX) for column in columns])
        if progress is not None and n % 1000 == 0:
            progress(n)
    book.save(file)


def _xlsx_file(rows: Iterable[Any], columns: Sequence[Column], title: str) -> IO[bytes]:
    file = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - returned
    write_xlsx(rows, columns, title, file)
    file.seek(0)
    return file


def export_filename(filename: str, fmt: str) -> str:
    return f"{filename}-{timezone.localdate().isoformat()}.{fmt}"


def in_request_rows() -> int:
    return int(getattr(settings, "EXPORT_XLSX_IN_REQUEST_ROWS", XLSX_IN_REQUEST_ROWS))


def export_response(
    rows: Iterable[Any],
    columns: Sequence[Column],
    *,
    fmt: str,
    filename: str,
    title: str = "",
    request: HttpRequest | None = None,
    source: str = "",
) -> HttpResponseBase:
    """The rows as a download named `filename` plus the date and the format's extension.

    A CSV is streamed while the rows are read, so its first bytes leave at once however
    long the list; an Excel workbook is written row by row to a temporary file, or, for
    more rows than a request should take, by the worker (when `request` and `source` are
    given): the answer then leads to the page that follows its progress."""
    if fmt == XLSX and request is not None and isinstance(rows, QuerySet):
        count = rows.count()
        if count > in_request_rows():
            query = request.GET.copy()
            query.pop("page", None)
            if source and request.user.is_authenticated:
                export = do_request_list_export(
                    request.user, source, query.urlencode(), filename, get_language() or "sv"
                )
                return redirect(export)
            query["format"] = CSV
            context = {"count": count, "limit": in_request_rows(), "csv": query.urlencode()}
            return render(request, "core/export_too_long.html", context)
    response: HttpResponseBase
    if fmt == CSV:
        response = StreamingHttpResponse(_csv_lines(rows, columns), content_type=CONTENT_TYPES[fmt])
    else:
        response = FileResponse(
            _xlsx_file(rows, columns, title or filename), content_type=CONTENT_TYPES[fmt]
        )
    response["Content-Disposition"] = f'attachment; filename="{export_filename(filename, fmt)}"'
    return response


def rebuild(source: str, user: Any, query: str) -> tuple[Any, Sequence[Column]]:
    """The rows and columns of a list, for a person and the filters they chose."""
    build: Callable[[Any, QueryDict], tuple[Any, Sequence[Column]]] = import_string(source)
    return build(user, QueryDict(query))


def export_links(request: HttpRequest) -> dict[str, str]:
    """Query strings for the current list's filters as CSV and as XLSX (no page number)."""
    query = request.GET.copy()
    query.pop("page", None)
    links = {}
    for fmt in CONTENT_TYPES:
        query["format"] = fmt
        links[fmt] = "?" + query.urlencode()
    return links
