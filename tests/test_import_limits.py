"""Hostile and huge import files: bounded memory, bounded records, a clear refusal."""

import io
import tracemalloc
import zipfile
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from samverkan.orgs import actions, importing
from samverkan.orgs.models import ImportJob, Organisation

from .test_import import ImportTestCase, csv_file, row


def workbook(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(importing.COLUMNS)
    for values in rows:
        sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def replace_member(content: bytes, member: str, data: bytes) -> bytes:
    """The workbook with one of its XML files swapped for `data`."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = data if info.filename == member else source.read(info.filename)
            target.writestr(info.filename, body)
    return out.getvalue()


def sheet_member(content: bytes) -> str:
    names = zipfile.ZipFile(io.BytesIO(content)).namelist()
    return next(n for n in names if n.startswith("xl/worksheets/sheet"))


class HostileFileTestCase(ImportTestCase):
    def assert_refused(self, content: bytes, name: str, words: str) -> None:
        before = ImportJob.objects.count(), Organisation.objects.count()
        response = self.upload(content, name)
        self.assertEqual(response.status_code, 200)
        form = response.context["form"]
        errors = " ".join([*form.errors.get("file", []), *form.non_field_errors()])
        self.assertIn(words, errors)
        self.assertEqual((ImportJob.objects.count(), Organisation.objects.count()), before)

    def test_a_zip_bomb_is_refused_before_it_is_unpacked(self):
        # One cell of 100 MB of "A" packs into about 100 KB (the one found was 300 MB).
        good = workbook([row(organisation_name="Bomb AB")])
        cell = b"A" * (100 * 1024 * 1024)
        sheet = (
            b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxml'
            b'formats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" '
            b't="inlineStr"><is><t>organisation_name</t></is></c></row><row r="2"><c r="A2" '
            b't="inlineStr"><is><t>' + cell + b"</t></is></c></row></sheetData></worksheet>"
        )
        bomb = replace_member(good, sheet_member(good), sheet)
        del cell, sheet
        self.assertLess(len(bomb), 2 * 1024 * 1024)
        tracemalloc.start()
        try:
            self.assert_refused(bomb, "bomb.xlsx", "unpacks to far more data")
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        self.assertLess(peak, 50 * 1024 * 1024)

    def test_a_workbook_with_broken_xml_is_a_form_error(self):
        good = workbook([row(organisation_name="Trasig AB")])
        for broken in (
            b"<worksheet><sheetData><row><c><v>1</v></row>",
            b"\x00\x01 not xml at all",
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><worksheet>&a;</worksheet>',
        ):
            with self.subTest(broken=broken[:20]):
                content = replace_member(good, sheet_member(good), broken)
                self.assert_refused(content, "broken.xlsx", "not a readable Excel workbook")

    def test_a_cell_longer_than_any_field_refuses_its_row_and_is_cut_in_the_preview(self):
        content = workbook(
            [
                row(organisation_name="Lång AB", contact_title="x" * 50_000),
                row(organisation_name="Kort AB"),
            ]
        )
        job = self.preview(content, "long.xlsx")
        first, second = job.preview
        self.assertEqual(first["action"], "refuse")
        self.assertIn("contact_title holds more than 1000 characters", first["reasons"][0])
        self.assertEqual(second["action"], "create")
        self.assertLess(len(str(job.preview)), 5000)

    def test_only_the_columns_an_import_has_are_read(self):
        wide = [f"extra_{i}" for i in range(5000)]
        content = csv_file([row(organisation_name="Bred AB") + ["y"] * 5000])
        content = content.replace(b"contact_name,", b"contact_name," + ",".join(wide).encode())
        job = self.preview(content)
        self.assertEqual([r["action"] for r in job.preview], ["create"])

    def test_a_long_file_stores_a_bounded_preview_and_every_count(self):
        count = importing.PREVIEW_ROWS + 600
        rows = [
            row(organisation_name=f"Bolag {i}", foreign_identifier=f"DK{i:08}", country="DK")
            for i in range(count)
        ]
        rows[300] = row(organisation_name="Utan land", foreign_identifier="DK1")  # refused
        job = self.preview(csv_file(rows))
        self.assertEqual(job.row_count, count)
        self.assertEqual(job.summary["create"], count - 1)
        self.assertEqual(job.summary["refuse"], 1)
        lines = [r["line"] for r in job.preview]
        # The first rows, then only the refused ones.
        self.assertEqual(
            lines[: importing.PREVIEW_ROWS], list(range(2, importing.PREVIEW_ROWS + 2))
        )
        self.assertEqual(lines[importing.PREVIEW_ROWS :], [302])
        page = self.client.get(job.get_absolute_url())
        self.assertContains(page, "Bolag 0")

    def test_the_file_is_read_as_a_stream(self):
        # The rows come one at a time: the first arrives before the whole file is read.
        content = csv_file([row(organisation_name=f"Bolag {i}") for i in range(1000)])
        rows = importing.read_rows(SimpleUploadedFile("n.csv", content), "n.csv")
        self.assertEqual(next(rows).values["organisation_name"], "Bolag 0")
        self.assertEqual(sum(1 for _ in rows), 999)

    def test_the_worker_imports_a_file_the_preview_accepted(self):
        rows = [
            row(organisation_name=f"Bolag {i}", foreign_identifier=f"DK{i:08}", country="DK",
                contact_name=f"P {i}", contact_email=f"p{i}@bolag.dk")
            for i in range(importing.WORKER_THRESHOLD + 5)
        ]  # fmt: skip
        job = self.preview(csv_file(rows))
        with self.captureOnCommitCallbacks(execute=True):
            self.confirm(job)
        self.assertEqual(actions.run_import(job.pk), "done")
        job.refresh_from_db()
        self.assertEqual(job.summary["organisations_created"], len(rows))
        self.assertEqual(job.summary["contacts_created"], len(rows))


class BoundedMemoryTestCase(ImportTestCase):
    """A long file is planned and written in the memory of a short one: what earlier rows
    said is kept on disk, not for every organisation in memory."""

    def plan_and_write(self, upload: SimpleUploadedFile) -> dict[str, int]:
        # As the worker does it (run_import), without the job around it.
        outline = importing.Outline()
        writer = importing.Writer(actor=self.alice, reason="test")
        try:
            rows = importing.read_rows(upload, "n.csv")
            for chunk in importing.plan_chunks(rows, written=writer.created):
                outline.add(chunk)
                writer.write(chunk)
        finally:
            writer.close()
        return {**outline.counts, **writer.counts}

    def peak(self, prefix: str, count: int) -> tuple[int, dict[str, int]]:
        rows = [
            row(organisation_name=f"{prefix} {i}", foreign_identifier=f"{prefix}{i:06}",
                country="DK", contact_name=f"P {i}", contact_email=f"p{i}@{prefix}.dk")
            for i in range(count)
        ]  # fmt: skip
        # The first organisation again at the end, several chunks later: a second contact,
        # then a duplicate of its first.
        first = rows[0]
        rows.append([*first[:6], "Q", f"q@{prefix}.dk", "", "", ""])
        rows.append(first)
        upload = SimpleUploadedFile("n.csv", csv_file(rows))
        tracemalloc.start()
        try:
            counts = self.plan_and_write(upload)
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        return peak, counts

    def test_memory_does_not_grow_with_the_file(self):
        with (
            mock.patch.object(importing.planning, "PLAN_CHUNK", 100),
            mock.patch.object(importing.writing, "BATCH", 50),
        ):
            short, _counts = self.peak("Kort", 200)
            long, long_counts = self.peak("Lang", 2000)
        self.assertEqual(
            long_counts,
            {
                "create": 2001,
                "update": 0,
                "refuse": 1,
                "organisations_created": 2000,
                "organisations_updated": 0,
                "contacts_created": 2001,
                "contacts_updated": 0,
            },
        )
        first = Organisation.objects.get(foreign_identifier="Lang000000")
        self.assertEqual(first.contacts.count(), 2)
        # Ten times the rows: the peak grows by less than half of what a record in memory
        # of the 1,800 more organisations took (about 1.2 KB each).
        self.assertLess(long - short, 512 * 1024, (short, long))
