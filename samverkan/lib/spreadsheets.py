"""Cells a spreadsheet will not run: the one rule for every CSV and Excel file we write.

A spreadsheet treats a cell that starts like a formula as one, so a company name such as
`=HYPERLINK("http://evil", "click")` in a public export would run on the reader's machine
(OWASP's "CSV injection"). Such text is written with a leading apostrophe, which Excel and
LibreOffice read as "this is text". Numbers and dates stay numbers and dates.
"""

import csv
from collections.abc import Iterable, Mapping
from typing import Any

# The ASCII starts OWASP lists, the full-width forms some spreadsheets also accept, and
# the line breaks and tabs that can start a cell's second line.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def safe_cell(value: Any) -> Any:
    """The value, with text that a spreadsheet would run as a formula made inert."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unsafe_cell(value: str) -> str:
    """The text `safe_cell` was given back, for files we read in again (round trips)."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


class SafeCsvWriter:
    """`csv.writer` whose every cell goes through `safe_cell`."""

    def __init__(self, out: Any, **kwargs: Any) -> None:
        self._writer = csv.writer(out, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class SafeDictWriter(csv.DictWriter):
    """`csv.DictWriter` whose every value goes through `safe_cell` (not the header)."""

    def writerow(self, rowdict: Mapping[str, Any]) -> Any:
        return super().writerow({key: safe_cell(value) for key, value in rowdict.items()})


def make_workbook_safe(workbook: Any) -> None:
    """Make every text cell of an openpyxl workbook inert (openpyxl stores "=..." as a
    formula the moment it is assigned)."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" or isinstance(cell.value, str):
                    cell.value = safe_cell(cell.value)
                    if isinstance(cell.value, str):
                        cell.data_type = "s"
