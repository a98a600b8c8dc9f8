"""Importing organisations and contacts from CSV and Excel: preview, confirm, all or nothing."""

import csv
import io
import shutil
import tempfile
from pathlib import Path
from typing import Any
from unittest import mock

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.utils.translation import override
from django_tasks_db.models import DBTaskResult
from openpyxl import Workbook

from samverkan.orgs import actions, importing
from samverkan.orgs.actions import import_jobs
from samverkan.orgs.models import Contact, ImportJob, Organisation
from samverkan.orgs.tasks import run_import_job
from samverkan.test import BaseTestCase, valid_orgnr

from .test_network import NETWORK_URLS

VAR_DIR = Path(tempfile.mkdtemp(prefix="samverkan-import-tests-"))


def tearDownModule() -> None:
    shutil.rmtree(VAR_DIR, ignore_errors=True)


NEW_NUMBER = valid_orgnr("556123456")
THIRD_NUMBER = valid_orgnr("556765432")
HEADER = list(importing.COLUMNS)


def row(**values: str) -> list[str]:
    return [values.get(column, "") for column in HEADER]


def csv_file(rows: list[list[str]], name: str = "network.csv", delimiter: str = ",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


@override_settings(ROOT_URLCONF=NETWORK_URLS, VAR_DIR=VAR_DIR)
class ImportTestCase(BaseTestCase):
    def mixed_rows(self) -> list[list[str]]:
        acme_number = self.acme.organisation_number
        return [
            # 2: a new company with its first contact
            row(organisation_name="Nya Gener AB", organisation_number=NEW_NUMBER.replace("-", ""),
                kind="Company", contact_name="Nils Ny", contact_email="Nils@NyaGener.se",
                legal_basis="consent"),
            # 3: the same company, a second contact
            row(organisation_name="Nya Gener AB", organisation_number=NEW_NUMBER,
                contact_name="Nora Ny", contact_email="nora@nyagener.se", contact_phone="070-2"),
            # 4: the first contact once more
            row(organisation_name="Nya Gener AB", organisation_number=NEW_NUMBER,
                contact_name="Nils Ny", contact_email="nils@nyagener.se"),
            # 5: a wrong organisation number
            row(organisation_name="Fel AB", organisation_number="556677-8890",
                contact_name="Fia Fel", contact_email="fia@fel.se"),
            # 6: a contact without an e-mail address
            row(organisation_name="Utan Post AB", organisation_number=THIRD_NUMBER,
                contact_name="Ulf Utan"),
            # 7: Ada at Acme is already there, as she is
            row(organisation_name="Acme Genomik AB", organisation_number=acme_number,
                contact_name="Ada Lind", contact_email="ada@acme.example"),
            # 8: Acme gets its website
            row(organisation_name="Acme Genomik AB", organisation_number=acme_number,
                website="acme.example"),
            # 9: a Danish company, by its foreign identifier
            row(organisation_name="Dansk Bio ApS", foreign_identifier="DK99887766", country="dk",
                kind="företag", contact_name="Dorte", contact_email="dorte@danskbio.dk",
                contact_title="CEO"),
            # 10: Ada's new phone number
            row(organisation_number=acme_number, contact_name="Ada Lind",
                contact_email="ADA@acme.example", contact_phone="08-123"),
            # 11: an unknown kind
            row(organisation_name="Konstig AB", kind="rymdbolag"),
        ]  # fmt: skip

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        Contact.objects.create(organisation=cls.acme, name="Ada Lind", email="ada@acme.example")

    def upload(self, content: bytes, name: str = "network.csv"):
        self.login(self.alice)
        # In English, the language the reasons are written in before translation.
        response = self.client.post(
            "/organisations/import/",
            {"file": SimpleUploadedFile(name, content)},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        return response

    def preview(self, content: bytes, name: str = "network.csv") -> ImportJob:
        response = self.upload(content, name)
        job = ImportJob.objects.latest("pk")
        self.assertRedirects(response, job.get_absolute_url())
        return job

    def outcomes(self, job: ImportJob) -> dict[int, tuple[str, str]]:
        return {
            r["line"]: (r["action"], " ".join(r["reasons"] + r["changes"])) for r in job.preview
        }

    def confirm(self, job: ImportJob):
        return self.client.post(
            f"/organisations/import/{job.pk}/confirm/",
            {"version": job.version},
            HTTP_ACCEPT_LANGUAGE="en",
        )

    def totals(self) -> tuple[int, int]:
        return Organisation.objects.count(), Contact.objects.count()


class PreviewTestCase(ImportTestCase):
    def test_it_previews_good_bad_and_duplicate_rows_and_stores_nothing(self):
        before = self.totals()
        job = self.preview(csv_file(self.mixed_rows()))
        outcomes = self.outcomes(job)
        actions_by_line = {line: action for line, (action, _) in outcomes.items()}
        self.assertEqual(
            actions_by_line,
            {
                2: "create",
                3: "create",
                4: "refuse",
                5: "refuse",
                6: "refuse",
                7: "refuse",
                8: "update",
                9: "create",
                10: "update",
                11: "refuse",
            },
        )
        self.assertIn("Duplicate of row 2", outcomes[4][1])
        self.assertIn("organisation number 556677-8890 is not valid", outcomes[5][1])
        self.assertIn("no e-mail", outcomes[6][1])
        self.assertIn("Already present", outcomes[7][1])
        self.assertIn("website", outcomes[8][1])
        self.assertIn("phone", outcomes[10][1])
        self.assertIn("rymdbolag", outcomes[11][1])
        self.assertEqual(
            {k: job.summary[k] for k in ("create", "update", "refuse", "rows")},
            {"create": 3, "update": 2, "refuse": 5, "rows": 10},
        )
        self.assertEqual(self.totals(), before)
        page = self.client.get(job.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(page, "Duplicate of row 2")
        self.assertContains(page, "Confirm the import")
        refused = self.client.get(job.get_absolute_url() + "?show=refuse")
        self.assertEqual(len(refused.context["page"].object_list), 5)

    def test_the_upload_is_kept_outside_the_web_root(self):
        job = self.preview(csv_file(self.mixed_rows()))
        path = Path(job.file.path).resolve()
        self.assertTrue(path.is_file())
        self.assertTrue(path.is_relative_to(VAR_DIR / "imports"))
        for served in (settings.MEDIA_ROOT, settings.STATIC_ROOT):
            self.assertFalse(path.is_relative_to(Path(served).resolve()))
        self.assertNotIn("network", path.name)  # the person's file name is not on disk
        with self.assertRaises(ValueError):
            job.file.url  # noqa: B018

    def test_it_reads_semicolons_and_windows_encodings(self):
        content = (
            csv_file(
                [row(organisation_name="Örebro Läkemedel AB", organisation_number=NEW_NUMBER)],
                delimiter=";",
            )
            .decode("utf-8-sig")
            .encode("cp1252")
        )
        job = self.preview(content)
        self.assertEqual(job.preview[0]["organisation"], "Örebro Läkemedel AB")
        self.assertEqual(job.preview[0]["action"], "create")

    def test_it_refuses_files_it_cannot_read(self):
        before = ImportJob.objects.count()
        files = set((VAR_DIR / "imports").rglob("*.*"))
        for name, content in (
            ("network.txt", b"organisation_name\nA"),
            ("network.csv", b"name,email\nA,a@b.se"),
            ("network.csv", b""),
            ("network.xlsx", b"not a workbook"),
        ):
            response = self.upload(content, name)
            self.assertEqual(response.status_code, 200, name)
            self.assertTrue(response.context["form"].errors, name)
        self.assertEqual(ImportJob.objects.count(), before)
        self.assertEqual(set((VAR_DIR / "imports").rglob("*.*")), files)

    def test_it_does_not_bring_back_an_erased_person(self):
        Contact.objects.filter(email="ada@acme.example").update(
            erased_at="2026-01-01T00:00:00Z", name="", phone=""
        )
        job = self.preview(
            csv_file(
                [
                    row(
                        organisation_number=self.acme.organisation_number,
                        contact_name="Ada Lind",
                        contact_email="ada@acme.example",
                    )
                ]
            )
        )
        self.assertEqual(job.preview[0]["action"], "refuse")
        self.assertIn("erased", job.preview[0]["reasons"][0])

    def test_a_later_row_may_complete_an_organisation_but_not_contradict_it(self):
        job = self.preview(
            csv_file(
                [
                    row(organisation_name="Nya Gener AB", organisation_number=NEW_NUMBER),
                    row(organisation_number=NEW_NUMBER, website="https://nyagener.se"),
                    row(organisation_name="Andra Gener AB", organisation_number=NEW_NUMBER),
                    row(organisation_name="Nya Gener AB", organisation_number=NEW_NUMBER),
                ]
            )
        )
        self.assertEqual(
            [(r["action"], r["line"]) for r in job.preview],
            [("create", 2), ("update", 3), ("refuse", 4), ("refuse", 5)],
        )
        self.assertIn("differs from row 2", job.preview[2]["reasons"][0])
        self.assertIn("Duplicate of row 2", job.preview[3]["reasons"][0])
        self.confirm(job)
        created = Organisation.objects.get(organisation_number=NEW_NUMBER)
        self.assertEqual((created.name, created.website), ("Nya Gener AB", "https://nyagener.se"))

    def test_a_file_planned_a_row_at_a_time_says_what_it_says_planned_whole(self):
        """What earlier rows said is kept between chunks: every rule between rows holds
        across them, with the same rows named in the reasons."""
        rows = [
            *self.mixed_rows(),
            # 12-14: a website added by a later row, then contradicted
            row(organisation_number=NEW_NUMBER, website="nyagener.se"),
            row(organisation_number=NEW_NUMBER, website="annan.se"),
            row(organisation_name="Andra Gener AB", organisation_number=NEW_NUMBER),
            # 15: the company by its name alone, with a third contact
            row(organisation_name="Nya Gener AB", contact_name="Nea", contact_email="nea@ng.se"),
            # 16-17: an identifier given with a number, then by itself for another
            row(organisation_name="Med Båda AB", organisation_number=THIRD_NUMBER,
                foreign_identifier="X11", country="SE"),
            row(organisation_name="Bara Id AB", foreign_identifier="X11", country="SE"),
            # 18-20: an organisation known by its identifier, twice, then another claims it
            row(organisation_name="Id AB", foreign_identifier="X22", country="SE"),
            row(organisation_name="Id AB", foreign_identifier="X22", country="SE",
                contact_name="Ib", contact_email="ib@id.se"),
            row(organisation_name="Tredje AB", organisation_number=valid_orgnr("556333444"),
                foreign_identifier="X22", country="SE"),
            # 21-23: one known by its name only, again with a contact, then the contact again
            row(organisation_name="Bara Namn AB"),
            row(organisation_name="Bara Namn AB", contact_name="Bo", contact_email="bo@bn.se"),
            row(organisation_name="Bara Namn AB", contact_name="Bo", contact_email="bo@bn.se"),
            # 24-25: Acme by its name, then by its number with a contact it has
            row(organisation_name="Acme Genomik AB", contact_name="Al", contact_email="al@ac.se"),
            row(organisation_number=self.acme.organisation_number, contact_name="Ada Lind",
                contact_email="ada@acme.example", contact_title="CTO"),
        ]  # fmt: skip

        def plan(size: int) -> list[tuple[int, str, list[str], list[str], list[Any]]]:
            with mock.patch.object(importing.planning, "PLAN_CHUNK", size), override("en"):
                planned = importing.plan(importing.read_rows(csv_file(rows), "network.csv"))
                return [
                    (p.line, p.action, p.reasons, [str(c) for c in p.changes], p.signature())
                    for p in planned
                ]

        whole = plan(1000)
        self.assertEqual(plan(1), whole)
        self.assertEqual(plan(4), whole)
        reasons = {line: " ".join(reasons) for line, _a, reasons, _c, _s in whole}
        self.assertIn("website differs from row 12", reasons[13])
        self.assertIn("name differs from row 2", reasons[14])
        self.assertEqual(whole[13][1], "create")  # Nea, at the company of row 2
        self.assertIn("Row 16 gives another organisation", reasons[17])
        self.assertIn("Row 19 gives another organisation", reasons[20])
        self.assertIn("Duplicate of row 22", reasons[23])
        self.assertEqual(whole[22][1], "create")  # Al, at Acme found by its name
        self.assertIn("Duplicate of row 10", reasons[25])


class ConfirmTestCase(ImportTestCase):
    def test_confirm_stores_exactly_the_good_rows(self):
        orgs, contacts = self.totals()
        job = self.preview(csv_file(self.mixed_rows()))
        upload = Path(job.file.path)
        response = self.confirm(job)
        self.assertRedirects(response, job.get_absolute_url())
        self.assertEqual(self.totals(), (orgs + 2, contacts + 3))
        new = Organisation.objects.get(organisation_number=NEW_NUMBER)
        self.assertEqual((new.name, new.kind, new.country), ("Nya Gener AB", "company", "SE"))
        self.assertEqual(
            list(new.contacts.order_by("email").values_list("email", "name", "legal_basis")),
            [
                ("nils@nyagener.se", "Nils Ny", "consent"),
                ("nora@nyagener.se", "Nora Ny", "legitimate_interest"),
            ],
        )
        danish = Organisation.objects.get(foreign_identifier="DK99887766")
        self.assertEqual((danish.country, danish.contacts.get().title), ("DK", "CEO"))
        self.acme.refresh_from_db()
        self.assertEqual((self.acme.website, self.acme.version), ("https://acme.example", 2))
        self.assertEqual(self.acme.contacts.get().phone, "08-123")
        self.assertFalse(Organisation.objects.filter(name__in=["Fel AB", "Utan Post AB"]).exists())
        record = new.history.get()
        self.assertEqual(record.history_user, self.alice)
        self.assertIn("network.csv", record.history_change_reason)

        job.refresh_from_db()
        self.assertEqual(job.status, ImportJob.Status.DONE)
        self.assertEqual(
            {k: job.summary[k] for k in ("organisations_created", "contacts_created")},
            {"organisations_created": 2, "contacts_created": 3},
        )
        self.assertFalse(job.file)  # the upload is deleted
        self.assertFalse(upload.exists())
        self.assertNotIn("email", job.preview[0])  # and the contact details with it
        # Confirming twice imports nothing more.
        self.confirm(job)
        self.assertEqual(self.totals(), (orgs + 2, contacts + 3))

    def test_a_file_planned_and_written_a_few_rows_at_a_time_gives_the_same_result(self):
        """Rows name organisations and contacts that earlier chunks created or changed."""
        rows = [
            *self.mixed_rows(),
            # 12: a website for the company row 2 created, two chunks later
            row(organisation_number=NEW_NUMBER, website="nyagener.se"),
            # 13: the Danish company again, by its identifier, with another contact
            row(organisation_name="Dansk Bio ApS", foreign_identifier="DK99887766",
                country="DK", contact_name="Dan", contact_email="dan@danskbio.dk"),
            # 14: Nora once more
            row(organisation_number=NEW_NUMBER, contact_name="Nora Ny",
                contact_email="nora@nyagener.se"),
        ]  # fmt: skip
        with (
            mock.patch.object(importing.planning, "PLAN_CHUNK", 2),
            mock.patch.object(importing.writing, "BATCH", 1),
        ):
            job = self.preview(csv_file(rows))
            whole = importing.plan(importing.read_rows(csv_file(rows), "network.csv"))
            self.assertEqual(job.summary["signature"], importing.summarise(whole)["signature"])
            orgs, contacts = self.totals()
            self.confirm(job)
        job.refresh_from_db()
        self.assertEqual(job.status, ImportJob.Status.DONE, job.error)
        self.assertEqual(self.totals(), (orgs + 2, contacts + 4))
        new = Organisation.objects.get(organisation_number=NEW_NUMBER)
        self.assertEqual(new.website, "https://nyagener.se")
        self.assertEqual(
            sorted(new.contacts.values_list("email", flat=True)),
            ["nils@nyagener.se", "nora@nyagener.se"],
        )
        danish = Organisation.objects.get(foreign_identifier="DK99887766")
        self.assertEqual(danish.contacts.count(), 2)
        self.assertEqual(
            {k: job.summary[k] for k in ("organisations_created", "organisations_updated")},
            {"organisations_created": 2, "organisations_updated": 1},  # Acme
        )

    def test_a_failure_midway_stores_nothing(self):
        """The database refuses one contact, after the organisations are written."""
        self.refuse_in_the_database("boom@fail.example")
        before = self.totals()
        job = self.preview(
            csv_file(
                [
                    row(organisation_name="Första AB", organisation_number=NEW_NUMBER,
                        contact_name="A", contact_email="a@forsta.se"),
                    row(organisation_name="Andra AB", organisation_number=THIRD_NUMBER,
                        contact_name="B", contact_email="boom@fail.example"),
                    row(organisation_name="Tredje AB", foreign_identifier="NO123", country="NO",
                        contact_name="C", contact_email="c@tredje.no"),
                ]
            )
        )  # fmt: skip
        self.assertEqual(job.summary["create"], 3)
        self.confirm(job)
        self.assertEqual(self.totals(), before)
        job.refresh_from_db()
        self.assertEqual(job.status, ImportJob.Status.FAILED)
        self.assertIn("stored nothing", job.error)
        self.assertFalse(job.file)
        page = self.client.get(job.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(page, "stored nothing")

    def refuse_in_the_database(self, email: str) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "CREATE FUNCTION refuse_contact() RETURNS trigger AS $$ BEGIN "
                    f"IF NEW.email = '{email}' THEN RAISE EXCEPTION 'refused'; END IF; "
                    "RETURN NEW; END $$ LANGUAGE plpgsql"
                )
                cursor.execute(
                    "CREATE TRIGGER refuse_contact BEFORE INSERT ON orgs_contact "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_contact()"
                )
            else:
                cursor.execute(
                    "CREATE TRIGGER refuse_contact BEFORE INSERT ON orgs_contact "
                    f"WHEN NEW.email = '{email}' BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )

    def test_nothing_is_stored_when_the_network_changed_after_the_preview(self):
        job = self.preview(csv_file(self.mixed_rows()))
        Organisation.objects.create(name="Nya Gener AB", organisation_number=NEW_NUMBER)
        before = self.totals()
        self.confirm(job)
        self.assertEqual(self.totals(), before)
        job.refresh_from_db()
        self.assertEqual(job.status, ImportJob.Status.PREVIEW)
        self.assertIn("changed after the preview", job.error)
        self.assertNotIn("New organisation", self.outcomes(job)[2][1])  # it exists now
        self.confirm(job)
        job.refresh_from_db()
        self.assertEqual(job.status, ImportJob.Status.DONE)

    def test_an_excel_workbook_is_imported_too(self):
        book = Workbook()
        sheet = book.active
        sheet.append(["Organisation name", "Organisation number", "Contact e-mail", "Contact name"])
        sheet.append(["Excel Gener AB", int(NEW_NUMBER.replace("-", "")), "eva@excel.se", "Eva"])
        sheet.append(["Acme Genomik AB", self.acme.organisation_number, None, None])
        sheet.append([None, None, None, None])
        out = io.BytesIO()
        book.save(out)
        job = self.preview(out.getvalue(), "network.xlsx")
        self.assertEqual([r["action"] for r in job.preview], ["create", "refuse"])
        self.confirm(job)
        created = Organisation.objects.get(organisation_number=NEW_NUMBER)
        self.assertEqual(created.contacts.get().email, "eva@excel.se")

    def test_cancelling_deletes_the_file_and_imports_nothing(self):
        before = self.totals()
        job = self.preview(csv_file(self.mixed_rows()))
        upload = Path(job.file.path)
        response = self.client.post(
            f"/organisations/import/{job.pk}/cancel/", {"version": job.version}
        )
        self.assertRedirects(response, "/organisations/import/")
        job.refresh_from_db()
        self.assertEqual(job.status, ImportJob.Status.CANCELLED)
        self.assertFalse(job.file)
        self.assertFalse(upload.exists())
        self.assertEqual(self.confirm(job).status_code, 302)
        self.assertEqual(self.totals(), before)

    def test_a_long_file_is_imported_by_the_worker_with_its_progress_shown(self):
        rows = [
            row(
                organisation_name=f"Bolag {i}",
                organisation_number=valid_orgnr(f"5591{i:05}"),
                contact_name=f"Person {i}",
                contact_email=f"p{i}@bolag{i}.se",
            )
            for i in range(importing.WORKER_THRESHOLD + 20)
        ]
        before = self.totals()
        job = self.preview(csv_file(rows))
        with self.captureOnCommitCallbacks(execute=True):
            self.confirm(job)
        job.refresh_from_db()
        self.assertEqual(job.status, ImportJob.Status.QUEUED)
        self.assertEqual(self.totals(), before)  # not in the request
        self.assertTrue(DBTaskResult.objects.filter(task_path__endswith="run_import_job").exists())
        poll = self.client.get(job.get_absolute_url(), HTTP_HX_REQUEST="true")
        self.assertContains(poll, 'hx-trigger="every 2s"')

        seen = []
        write = import_jobs._write_progress

        def record(job_id: int, done: int, total: int) -> None:
            write(job_id, done, total)
            seen.append(actions.import_progress(job))

        with mock.patch.object(import_jobs, "_write_progress", side_effect=record):
            self.assertEqual(run_import_job.call(job.pk), "done")
        count = importing.WORKER_THRESHOLD + 20
        self.assertEqual(self.totals(), (before[0] + count, before[1] + count))
        self.assertGreater(len(seen), 1)  # a batch of rows at a time
        self.assertEqual(seen[-1], (count, count))
        self.assertIsNone(actions.import_progress(job))  # cleaned up
        finished = self.client.get(job.get_absolute_url(), HTTP_HX_REQUEST="true")
        self.assertEqual(finished["HX-Refresh"], "true")


class ImportAccessTestCase(ImportTestCase):
    def test_only_coordinators_and_administrators_import(self):
        job = self.preview(csv_file(self.mixed_rows()))
        urls = [
            "/organisations/import/",
            "/organisations/import/template.csv",
            job.get_absolute_url(),
        ]
        posts = [
            f"/organisations/import/{job.pk}/confirm/",
            f"/organisations/import/{job.pk}/cancel/",
        ]
        for user in (self.carol, self.dave, self.bob):
            self.login(user)
            for url in urls:
                self.assertEqual(self.client.get(url).status_code, 403, (user, url))
            for url in posts:
                self.assertEqual(self.client.post(url).status_code, 403, (user, url))
        self.client.logout()
        self.assertEqual(self.client.get(urls[0]).status_code, 302)
        self.login(self.erin)
        for url in urls:
            self.assertEqual(self.client.get(url).status_code, 200, url)
        job.refresh_from_db()
        self.assertEqual(job.status, ImportJob.Status.PREVIEW)

    def test_the_template_has_the_columns(self):
        self.login(self.alice)
        response = self.client.get("/organisations/import/template.csv")
        header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        self.assertEqual(header, HEADER)
