"""A long list as a workbook is written by the worker: the request only asks for it, the
person follows its progress and downloads the file; a CSV still streams at once."""

import io
import shutil
import tempfile
from datetime import timedelta

from django.core.management import call_command
from django.test import TransactionTestCase, override_settings
from django.utils import timezone
from openpyxl import load_workbook

from samverkan.accounts.models import Role, User
from samverkan.collaborations.models import Collaboration, FollowUp
from samverkan.core.models import ListExport
from samverkan.orgs.models import Organisation
from samverkan.reference.loader import load_reference


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", verbosity=0)


class ListExportTestCase(TransactionTestCase):
    """The worker commits in its own transactions, so these tests commit for real."""

    def setUp(self) -> None:
        self.media = tempfile.mkdtemp(prefix="exports-media-")
        self.addCleanup(shutil.rmtree, self.media, ignore_errors=True)
        override = override_settings(MEDIA_ROOT=self.media, EXPORT_XLSX_IN_REQUEST_ROWS=5)
        override.enable()
        self.addCleanup(override.disable)
        load_reference()
        self.alice = User.objects.create_user("alice", "a@example.org", "x", role=Role.COORDINATOR)
        self.dave = User.objects.create_user("dave", "d@example.org", "x", role=Role.VIEWER)
        for i in range(8):
            Organisation.objects.create(name=f"Bolag {i} AB")
        self.login(self.alice)

    def login(self, user: User) -> None:
        self.client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")

    def test_it_hands_a_long_workbook_to_the_worker(self):
        response = self.client.get("/organisations/?format=xlsx&q=Bolag")
        export = ListExport.objects.get()
        self.assertRedirects(response, f"/exports/{export.pk}/")
        self.assertEqual(export.status, ListExport.Status.QUEUED)
        self.assertEqual(export.requested_by, self.alice)
        page = self.client.get(f"/exports/{export.pk}/")
        self.assertContains(page, 'hx-trigger="every 2s"')
        self.assertNotContains(page, f"/exports/{export.pk}/download/")
        # Not yet written: nothing to download.
        self.assertEqual(self.client.get(f"/exports/{export.pk}/download/").status_code, 404)

        run_worker()
        export.refresh_from_db()
        self.assertEqual(export.status, ListExport.Status.DONE, export.error)
        self.assertEqual((export.rows_total, export.rows_done, export.progress), (8, 8, 100))
        status = self.client.get(f"/exports/{export.pk}/", headers={"HX-Request": "true"})
        self.assertContains(status, f"/exports/{export.pk}/download/")
        self.assertNotContains(status, "hx-trigger")

        download = self.client.get(f"/exports/{export.pk}/download/")
        self.assertEqual(download.status_code, 200)
        self.assertIn("attachment;", download["Content-Disposition"])
        self.assertIn("organisations-", download["Content-Disposition"])
        book = load_workbook(io.BytesIO(b"".join(download.streaming_content)), read_only=True)
        rows = list(book.worksheets[0].iter_rows(values_only=True))
        self.assertEqual(len(rows), 1 + 8)  # the headings, then the filtered rows
        self.assertEqual(sorted(r[0] for r in rows[1:]), [f"Bolag {i} AB" for i in range(8)])

    def test_only_the_person_who_asked_sees_the_export(self):
        self.client.get("/organisations/?format=xlsx")
        export = ListExport.objects.get()
        run_worker()
        self.login(self.dave)
        self.assertEqual(self.client.get(f"/exports/{export.pk}/").status_code, 404)
        self.assertEqual(self.client.get(f"/exports/{export.pk}/download/").status_code, 404)

    def test_the_worker_writes_what_the_filters_chose(self):
        response = self.client.get("/organisations/?format=xlsx&q=Bolag%207")
        # One row: short enough for the request itself.
        self.assertEqual(response.status_code, 200)
        self.assertFalse(ListExport.objects.exists())
        book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
        self.assertEqual(len(list(book.worksheets[0].iter_rows())), 2)

    def test_a_long_csv_still_streams_from_the_request(self):
        response = self.client.get("/organisations/?format=csv")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.streaming)
        lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
        self.assertGreaterEqual(len(lines), 1 + 8)
        self.assertFalse(ListExport.objects.exists())

    def test_the_inquiry_list_is_written_by_the_worker_too(self):
        from samverkan.test import submit_inquiry

        for i in range(6):
            submit_inquiry(title=f"Förfrågan {i}")
        response = self.client.get("/inquiries/?format=xlsx&state=")
        export = ListExport.objects.get()
        self.assertRedirects(response, f"/exports/{export.pk}/")
        run_worker()
        export.refresh_from_db()
        self.assertEqual((export.status, export.rows_total), (ListExport.Status.DONE, 6))

    def test_follow_ups_and_lessons_are_written_by_the_worker_too(self):
        today = timezone.localdate()
        collaboration = Collaboration.objects.create(
            title="Långt samarbete", kind="research", status="active"
        )
        for i in range(6):
            FollowUp.objects.create(
                collaboration=collaboration, kind="interim", due_date=today + timedelta(days=i)
            )
            FollowUp.objects.create(
                collaboration=collaboration,
                kind="interim",
                due_date=today - timedelta(days=400 + i),
                held_on=today - timedelta(days=390 + i),
                lessons=f"Lärdom {i}",
            )
        for path, name in [
            ("/collaborations/follow-ups/", "follow-ups"),
            ("/collaborations/lessons/", "lessons"),
        ]:
            response = self.client.get(path, {"format": "xlsx"})
            export = ListExport.objects.get(filename=name)
            self.assertRedirects(response, f"/exports/{export.pk}/")
        run_worker()
        for export in ListExport.objects.all():
            self.assertEqual((export.status, export.rows_total), (ListExport.Status.DONE, 6))
