"""The transparency register: what is public, where, and how it is found."""

import csv
import datetime
import io
import json
import shutil
import tempfile
import xml.etree.ElementTree as ET
from typing import Any

from django.core.cache import cache, caches
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from samverkan.agreements.models import Agreement
from samverkan.collaborations import actions
from samverkan.orgs.models import Centre, Contact, Organisation
from samverkan.register import actions as register
from samverkan.register import cache as register_cache
from samverkan.register.models import (
    CorrectionRequest,
    RegisterConfirmation,
    RegisterEntry,
    RegisterWorkbook,
)
from samverkan.register.tasks import build_workbook
from samverkan.strategy.models import Goal
from samverkan.test import BaseTestCase

SECRET_NOTE = "HEMLIG-INTERN-ANTECKNING"
SECRET_TERMS = "HEMLIGA-AVTALSVILLKOR"
SECRET_EMAIL = "hemlig.kontakt@acme.example"
ATOM = "{http://www.w3.org/2005/Atom}"


class RegisterTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.skane = Organisation.objects.get(name="Region Skåne")
        cls.uppsala = Organisation.objects.get(name="Uppsala universitet")
        Contact.objects.create(organisation=cls.acme, name="Hemlig Kontakt", email=SECRET_EMAIL)
        cls.published = cls.collaboration(
            "Helgenomsekvensering för nyfödda",
            "Sekvenseringen sker i Uppsala. Avtalet reglerar data.",
            parties=[cls.uppsala],
            committees=[cls.rare],
            start=datetime.date(2025, 3, 1),
            funding=True,
            centres=list(Centre.objects.filter(slug="uppsala")),
        )
        cls.other_published = cls.collaboration(
            "Utbildning i genomik",
            "Ett samarbetsavtal om webbkurser för vårdpersonal.",
            parties=[cls.skane],
            committees=[cls.education],
            start=datetime.date(2024, 1, 1),
            company=cls.other,
        )
        cls.preview = cls.collaboration(
            "Hemligt pilotprojekt",
            "Ännu inte publicerat.",
            parties=[cls.skane],
            committees=[cls.rare],
            start=datetime.date(2026, 1, 1),
        )
        cls.unpublished = cls.collaboration(
            "Opublicerat projekt",
            "Syns aldrig.",
            parties=[cls.skane],
            committees=[cls.rare],
            start=datetime.date(2026, 1, 1),
        )
        for collaboration in [cls.published, cls.other_published, cls.preview]:
            cls.start(collaboration)
        RegisterEntry.objects.exclude(collaboration=cls.preview).update(
            preview_until=datetime.date(2020, 1, 1)
        )
        register.publish_due_entries(timezone.localdate())

    @classmethod
    def start(cls, collaboration) -> None:
        """Starting is what puts a collaboration in the register."""
        cls.pass_gates(collaboration)
        actions.do_change_collaboration_status(collaboration, cls.alice, "active")

    @classmethod
    def collaboration(
        cls, title, summary, *, parties, committees, start, company=None, funding=False, centres=()
    ):
        collaboration = actions.do_create_collaboration(
            cls.alice,
            actions.CollaborationData(
                title=title,
                summary=summary,
                kind="research",
                internal_notes=SECRET_NOTE,
                start_date=start,
                end_date=start + datetime.timedelta(days=400),
                committees=committees,
                goals=list(Goal.objects.filter(number=1)),
                centres=list(centres),
            ),
        )
        actions.do_save_party(
            collaboration, cls.alice, actions.PartyData(company or cls.acme, "company")
        )
        for party in parties:
            actions.do_save_party(
                collaboration, cls.alice, actions.PartyData(party, "infrastructure_party")
            )
        if funding:
            actions.do_save_funding_application(
                collaboration,
                cls.alice,
                actions.FundingData(
                    funder="vinnova",
                    call="Precisionshälsa",
                    amount_applied=1000000,
                    amount_granted=750000,
                    status="granted",
                ),
            )
        Agreement.objects.create(
            collaboration=collaboration, kind="collaboration", title="Avtal", terms=SECRET_TERMS
        )
        return collaboration

    @staticmethod
    def as_text(response) -> str:
        return json.dumps(response.json(), ensure_ascii=False)

    # Every public channel, as text.
    def channels(self, query: str = "") -> dict[str, str]:
        suffix = f"?{query}" if query else ""
        entry_pages = "".join(
            self.client.get(f"/register/{c.pk}/").content.decode()
            for c in [self.published, self.other_published, self.preview, self.unpublished]
        )
        api_details = "".join(
            self.as_text(self.client.get(f"/api/v1/register/collaborations/{c.pk}"))
            for c in [self.published, self.preview, self.unpublished]
        )
        return {
            "page": self.client.get(f"/register/{suffix}").content.decode(),
            "entries": entry_pages,
            "csv": b"".join(
                self.client.get(f"/register/export.csv{suffix}").streaming_content
            ).decode(),
            "json": b"".join(
                self.client.get(f"/register/export.json{suffix}").streaming_content
            ).decode(),
            "feed": self.client.get("/register/feed/").content.decode(),
            "api": self.as_text(self.client.get(f"/api/v1/register/collaborations{suffix}")),
            "api_detail": api_details,
        }


class PublicChannelsTestCase(RegisterTestCase):
    def test_confidential_fields_never_show_on_any_channel(self):
        for name, body in self.channels().items():
            with self.subTest(channel=name):
                self.assertNotIn(SECRET_NOTE, body)
                self.assertNotIn(SECRET_TERMS, body)
                self.assertNotIn(SECRET_EMAIL, body)
                self.assertNotIn("Hemlig Kontakt", body)

    def test_unpublished_and_preview_entries_never_show_publicly(self):
        for name, body in self.channels().items():
            with self.subTest(channel=name):
                self.assertIn("Helgenomsekvensering för nyfödda", body)
                self.assertNotIn("Opublicerat projekt", body)
                self.assertNotIn("Hemligt pilotprojekt", body)

    def test_a_preview_shows_only_to_its_parties_and_staff(self):
        url = f"/register/{self.preview.pk}/"
        self.assertEqual(self.client.get(url).status_code, 404)
        for user, status in [
            (self.carol, 200),
            (self.alice, 200),
            (self.dave, 200),
            (self.mallory, 404),
            (self.bob, 404),
        ]:
            with self.subTest(user=user.username):
                self.login(user)
                self.assertEqual(self.client.get(url).status_code, status)
        self.login(self.carol)
        self.assertNotContains(self.client.get("/register/"), "Hemligt pilotprojekt")
        self.assertNotIn(
            "Hemligt pilotprojekt",
            self.client.get("/api/v1/register/collaborations").content.decode(),
        )

    def test_a_withheld_field_leaves_every_channel_and_shows_its_reason(self):
        register.do_withhold_fields(self.published, self.alice, {"funding": "trade_secret"})
        channels = self.channels("q=nyfödda")
        for name in ["page", "csv", "json", "api"]:
            with self.subTest(channel=name):
                self.assertIn("Helgenomsekvensering", channels[name])
                self.assertIn("Acme Genomik AB", channels[name])  # organisations stay public
                self.assertNotIn("Precisionshälsa", channels[name])
        response = self.client.get(f"/register/{self.published.pk}/", HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(
            response, "withheld: the company&#x27;s business or operating circumstances"
        )

    def test_only_fields_the_reference_data_allows_can_be_withheld(self):
        translation.activate("en")
        for withheld in [
            {"companies": "trade_secret"},
            {"parties": "trade_secret"},
            {"goals": "trade_secret"},
        ]:
            with (
                self.subTest(withheld=withheld),
                self.assertRaisesMessage(ValidationError, "always public"),
            ):
                register.do_withhold_fields(self.published, self.alice, withheld)
        with self.assertRaisesMessage(ValidationError, "Choose the reason"):
            register.do_withhold_fields(self.published, self.alice, {"funding": ""})
        self.published.refresh_from_db()
        self.assertEqual(self.published.withheld_register_fields, {})

    def test_the_manage_page_withholds_only_what_is_allowed(self):
        self.login(self.alice)
        url = f"/register/{self.published.pk}/manage/"
        response = self.client.get(url)
        self.assertEqual(list(response.context["fields_form"].fields), ["summary", "funding"])
        self.client.post(url, {"action": "fields", "companies": "trade_secret"})
        self.client.post(url, {"action": "fields", "summary": "patent_pending"})
        self.published.refresh_from_db()
        self.assertEqual(self.published.withheld_register_fields, {"summary": "patent_pending"})
        entry = RegisterEntry.objects.get(collaboration=self.published)
        self.assertEqual((entry.summary, entry.withheld), ("", {"summary": "patent_pending"}))
        self.assertIn("Acme Genomik AB", entry.companies_text)

    def test_the_entry_page_shows_the_public_fields(self):
        response = self.client.get(f"/register/{self.published.pk}/", HTTP_ACCEPT_LANGUAGE="en")
        for text in [
            "Uppsala universitet",
            "Acme Genomik AB",
            "Rare diseases",
            "GMC Uppsala",
            "Vinnova",
            "750,000",
        ]:
            self.assertContains(response, text)

    def test_changes_after_publication_are_shown_with_their_date(self):
        self.published.refresh_from_db()
        data = actions.CollaborationData(
            title=self.published.title,
            kind="research",
            summary="Ny sammanfattning.",
            start_date=self.published.start_date,
            end_date=self.published.end_date,
            committees=[self.rare],
        )
        actions.do_update_collaboration(
            self.published, self.alice, data, expected_version=self.published.version
        )
        entry = RegisterEntry.objects.get(collaboration=self.published)
        self.assertIsNotNone(entry.changed_at)
        self.assertEqual(entry.changes.get().fields, ["summary"])
        response = self.client.get(f"/register/{self.published.pk}/", HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(response, "Changes since publication")
        self.assertContains(response, "Corrected on")
        self.assertContains(response, "Ny sammanfattning.")
        feed = ET.fromstring(self.client.get("/register/feed/").content)  # noqa: S314 - our own feed
        first = feed.find(f"{ATOM}entry")
        assert first is not None
        self.assertEqual(first.findtext(f"{ATOM}title"), self.published.title)

    def test_the_feed_is_valid_atom_with_links(self):
        feed = ET.fromstring(self.client.get("/register/feed/").content)  # noqa: S314 - our own feed
        titles = {e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")}
        self.assertEqual(titles, {"Helgenomsekvensering för nyfödda", "Utbildning i genomik"})


class PublicationTestCase(RegisterTestCase):
    def test_publication_waits_for_the_correction_period(self):
        entry = RegisterEntry.objects.get(collaboration=self.preview)
        self.assertEqual(entry.preview_until, timezone.localdate() + datetime.timedelta(days=14))
        self.assertEqual(register.publish_due_entries(timezone.localdate()), 0)
        later = timezone.localdate() + datetime.timedelta(days=14)
        self.assertEqual(register.publish_due_entries(later), 1)
        self.assertEqual(self.client.get(f"/register/{self.preview.pk}/").status_code, 200)

    def test_a_party_asks_for_a_correction_during_the_preview(self):
        self.login(self.carol)
        response = self.client.post(
            f"/register/{self.preview.pk}/corrections/",
            {"organisation": self.acme.pk, "text": "Fel stavning av vårt namn."},
            follow=True,
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(CorrectionRequest.objects.get().text, "Fel stavning av vårt namn.")
        self.login(self.mallory)
        response = self.client.post(
            f"/register/{self.preview.pk}/corrections/",
            {"organisation": self.acme.pk, "text": "Försök"},
        )
        self.assertEqual(response.status_code, 404)
        self.assertEqual(CorrectionRequest.objects.count(), 1)

    def test_only_coordinators_manage_publication(self):
        url = f"/register/{self.unpublished.pk}/manage/"
        for user, status in [
            (self.carol, 403),
            (self.bob, 403),
            (self.dave, 403),
            (self.alice, 200),
        ]:
            self.login(user)
            self.assertEqual(self.client.get(url).status_code, status)

    def test_a_collaboration_enters_the_register_by_itself_when_it_starts(self):
        self.assertFalse(RegisterEntry.objects.filter(collaboration=self.unpublished).exists())
        self.login(self.alice)
        # There is no manual publishing any more: only starting puts it in the register.
        self.client.post(f"/register/{self.unpublished.pk}/manage/", {"action": "publish"})
        self.assertFalse(RegisterEntry.objects.filter(collaboration=self.unpublished).exists())
        self.pass_gates(self.unpublished)
        self.unpublished.refresh_from_db()
        self.client.post(
            f"/collaborations/{self.unpublished.pk}/status/",
            {"status": "active", "version": self.unpublished.version},
        )
        entry = RegisterEntry.objects.get(collaboration=self.unpublished)
        self.assertEqual(entry.state, "preview")
        self.assertEqual(entry.preview_until, timezone.localdate() + datetime.timedelta(days=14))

    def test_a_published_entry_cannot_be_removed_and_keeps_its_corrections(self):
        self.login(self.alice)
        url = f"/register/{self.published.pk}/manage/"
        self.client.post(url, {"action": "unpublish"})
        self.client.post(url, {"action": "withdraw", "reason": "Ångrade oss"})
        entry = RegisterEntry.objects.get(collaboration=self.published)
        self.assertEqual(entry.state, "published")
        self.assertFalse(hasattr(register, "do_unpublish"))
        translation.activate("en")
        with self.assertRaisesMessage(ValidationError, "ended early before anything"):
            register.do_withdraw_from_register(self.published, self.alice, "Ångrade oss")

    def test_a_collaboration_that_never_really_started_leaves_a_public_stub(self):
        actions.do_change_collaboration_status(self.preview, self.alice, "ended_early")
        self.login(self.alice)
        url = f"/register/{self.preview.pk}/manage/"
        self.assertTrue(self.client.get(url).context["may_withdraw"])
        self.client.post(url, {"action": "withdraw", "reason": ""})
        self.assertEqual(RegisterEntry.objects.get(collaboration=self.preview).state, "preview")
        self.client.post(url, {"action": "withdraw", "reason": "Företaget drog sig ur före start."})
        entry = RegisterEntry.objects.get(collaboration=self.preview)
        self.assertEqual(entry.state, "withdrawn")
        self.client.logout()
        response = self.client.get(f"/register/{self.preview.pk}/", HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(response, "Hemligt pilotprojekt")
        self.assertContains(response, "never really started")
        self.assertContains(response, "Företaget drog sig ur före start.")

    def test_a_signed_in_party_confirms_the_preview(self):
        self.login(self.carol)
        response = self.client.post(
            f"/register/{self.preview.pk}/confirm/", {"organisation": self.acme.pk}
        )
        self.assertEqual(response.status_code, 302)
        confirmation = RegisterConfirmation.objects.get(collaboration=self.preview)
        self.assertEqual(
            (confirmation.organisation, confirmation.confirmed_by), (self.acme, self.carol)
        )
        self.login(self.mallory)
        response = self.client.post(
            f"/register/{self.preview.pk}/confirm/", {"organisation": self.other.pk}
        )
        self.assertEqual(response.status_code, 404)


class WithdrawnStubTestCase(RegisterTestCase):
    """A withdrawn entry stays listed everywhere the register is read, as a stub: its
    title, marked withdrawn, with the date and the reason, and none of its content."""

    REASON = "Företaget drog sig ur innan något gjordes."
    SUMMARY = "Ett samarbetsavtal om webbkurser för vårdpersonal."

    def setUp(self) -> None:
        super().setUp()
        translation.activate("en")
        actions.do_change_collaboration_status(self.other_published, self.alice, "ended_early")
        self.entry = register.do_withdraw_from_register(
            self.other_published, self.alice, self.REASON
        )
        self.client.logout()

    def test_the_entry_keeps_only_its_stub(self):
        entry = RegisterEntry.objects.get(collaboration=self.other_published)
        self.assertEqual((entry.state, entry.title), ("withdrawn", "Utbildning i genomik"))
        self.assertEqual((entry.summary, entry.companies_text, entry.parties_text), ("", "", ""))
        self.assertEqual((entry.start_date, entry.year, entry.funding), (None, None, []))
        self.assertFalse(entry.organisations.exists())
        self.assertFalse(entry.committees.exists())
        # A later change to the collaboration does not bring the content back.
        self.other_published.refresh_from_db()
        actions.do_update_collaboration(
            self.other_published,
            self.alice,
            actions.CollaborationData(title="Nytt namn", kind="research", summary="Nytt"),
        )
        entry.refresh_from_db()
        self.assertEqual((entry.state, entry.title, entry.summary), ("withdrawn", entry.title, ""))

    def test_the_register_page_lists_the_stub(self):
        page = self.client.get("/register/", HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(page, "Utbildning i genomik")
        self.assertContains(page, "Withdrawn on")
        self.assertContains(page, self.REASON)
        self.assertNotContains(page, self.SUMMARY)
        self.assertContains(page, "Helgenomsekvensering för nyfödda")  # the others stay
        found = self.client.get("/register/?q=genomik", HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(found, self.REASON)
        # The stub names no party: a company's entries are its published ones.
        by_company = self.client.get(f"/register/?company={self.acme.pk}")
        self.assertContains(by_company, "Helgenomsekvensering för nyfödda")
        self.assertNotContains(by_company, self.REASON)

    def test_the_api_lists_the_stub_marked_withdrawn(self):
        items = self.client.get("/api/v1/register/collaborations").json()["items"]
        stub = next(i for i in items if i["id"] == self.other_published.pk)
        self.assertEqual(stub["state"], "withdrawn")
        self.assertEqual(stub["withdrawal_reason"], self.REASON)
        self.assertIsNotNone(stub["withdrawn_at"])
        self.assertEqual((stub["summary"], stub["companies"], stub["committees"]), ("", "", []))
        published = next(i for i in items if i["id"] == self.published.pk)
        self.assertEqual((published["state"], published["withdrawal_reason"]), ("published", ""))
        one = self.client.get(f"/api/v1/register/collaborations/{self.other_published.pk}")
        self.assertEqual(one.json()["state"], "withdrawn")

    def test_the_exports_hold_the_stub_marked_withdrawn(self):
        response = self.client.get("/register/export.csv")
        content = b"".join(response.streaming_content).decode("utf-8-sig")
        rows = {r["id"]: r for r in csv.DictReader(io.StringIO(content))}
        stub = rows[str(self.other_published.pk)]
        self.assertEqual(
            (stub["state"], stub["title"], stub["withdrawal_reason"]),
            ("withdrawn", "Utbildning i genomik", self.REASON),
        )
        self.assertEqual((stub["summary"], stub["companies"]), ("", ""))
        self.assertTrue(stub["withdrawn_at"])
        self.assertEqual(rows[str(self.published.pk)]["state"], "published")
        self.assertNotIn(self.SUMMARY, content)
        response = self.client.get("/register/export.json")
        data = json.loads(b"".join(response.streaming_content))
        stub = next(r for r in data if r["id"] == self.other_published.pk)
        self.assertEqual((stub["state"], stub["withdrawal_reason"]), ("withdrawn", self.REASON))

    def test_the_feed_tells_of_the_withdrawal(self):
        response = self.client.get("/register/feed/", HTTP_ACCEPT_LANGUAGE="en")
        root = ET.fromstring(response.content)  # noqa: S314 - our own feed
        entries = {
            e.findtext(f"{ATOM}title"): e.findtext(f"{ATOM}summary") or ""
            for e in root.iter(f"{ATOM}entry")
        }
        self.assertIn("Withdrawn: Utbildning i genomik", entries)
        self.assertIn(self.REASON, entries["Withdrawn: Utbildning i genomik"])
        self.assertNotIn(self.SUMMARY, response.content.decode())
        # The newest event first: the withdrawal.
        first = next(root.iter(f"{ATOM}entry")).findtext(f"{ATOM}title")
        self.assertEqual(first, "Withdrawn: Utbildning i genomik")


class RegisterSearchTestCase(RegisterTestCase):
    def titles(self, query: str) -> set[str]:
        items = self.client.get("/api/v1/register/collaborations", {"q": query}).json()["items"]
        return {item["title"] for item in items}

    def test_inflected_forms_are_found(self):
        self.assertEqual(self.titles("sekvensering"), {"Helgenomsekvensering för nyfödda"})

    def test_compounds_and_definite_forms_are_found(self):
        self.assertEqual(
            self.titles("avtal"), {"Helgenomsekvensering för nyfödda", "Utbildning i genomik"}
        )
        self.assertEqual(
            self.titles("Avtalet"), {"Helgenomsekvensering för nyfödda", "Utbildning i genomik"}
        )

    def test_a_typo_still_finds_the_place(self):
        self.assertEqual(self.titles("Upsala"), {"Helgenomsekvensering för nyfödda"})

    def test_words_combine(self):
        self.assertEqual(self.titles("avtal webbkurser"), {"Utbildning i genomik"})
        self.assertEqual(self.titles("xylofonorkester"), set())

    def test_filters_combine(self):
        query = {"committee": "rare_diseases", "year": "2025"}
        items = self.client.get("/api/v1/register/collaborations", query).json()["items"]
        self.assertEqual([i["title"] for i in items], ["Helgenomsekvensering för nyfödda"])
        response = self.client.get(
            "/register/", {"committee": "education", "company": self.other.pk}
        )
        self.assertContains(response, "Utbildning i genomik")
        self.assertNotContains(response, "Helgenomsekvensering")
        response = self.client.get(
            "/register/", {"committee": "education", "company": self.acme.pk}
        )
        self.assertNotContains(response, "Utbildning i genomik")

    def test_exports_equal_the_filtered_set(self):
        query = "committee=rare_diseases"
        page_titles = {e.title for e in self.client.get(f"/register/?{query}").context["page"]}
        body = b"".join(self.client.get(f"/register/export.csv?{query}").streaming_content)
        rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
        self.assertEqual({r["title"] for r in rows}, page_titles)
        self.assertEqual(rows[0]["funding_granted"], "750000.00 SEK")
        data = json.loads(
            b"".join(self.client.get(f"/register/export.json?{query}").streaming_content)
        )
        self.assertEqual({r["title"] for r in data}, page_titles)
        from openpyxl import load_workbook

        workbook = load_workbook(
            io.BytesIO(self.client.get(f"/register/export.xlsx?{query}").getvalue())
        )
        sheet = workbook.active
        assert sheet is not None
        self.assertEqual(
            {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}, page_titles
        )

    def test_the_list_keeps_its_query_count_as_entries_grow(self):
        def count() -> int:
            # What rendering costs, not what a cached answer costs: forget both the shared
            # generation and this process's copy, which it trusts for a moment.
            cache.clear()
            caches["local"].clear()
            with CaptureQueriesContext(connection) as queries:
                self.client.get("/register/")
                self.client.get("/api/v1/register/collaborations")
            return len(queries)

        before = count()
        for i in range(12):
            collaboration = self.collaboration(
                f"Projekt {i}",
                "Sammanfattning",
                parties=[self.skane],
                committees=[self.rare],
                start=datetime.date(2025, 1, 1),
            )
            self.start(collaboration)
        register.publish_due_entries(timezone.localdate() + datetime.timedelta(days=15))
        self.assertEqual(count(), before)


class RegisterWorkbookTestCase(RegisterTestCase):
    """A visitor's workbook never takes longer than a short list: the whole register's is
    written by the worker and kept; a long selection is offered as CSV and JSON instead."""

    def setUp(self) -> None:
        super().setUp()
        self.media = tempfile.mkdtemp(prefix="register-media-")
        self.addCleanup(shutil.rmtree, self.media, ignore_errors=True)
        override = override_settings(MEDIA_ROOT=self.media, EXPORT_XLSX_IN_REQUEST_ROWS=1)
        override.enable()
        self.addCleanup(override.disable)

    def queued(self) -> int:
        return DBTaskResult.objects.filter(task_path=build_workbook.module_path).count()

    def titles(self, response: Any) -> set[str]:
        body = b"".join(response.streaming_content)
        sheet = load_workbook(io.BytesIO(body)).active
        assert sheet is not None
        return {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}

    def test_the_whole_register_is_written_once_by_the_worker_and_then_served(self):
        with self.captureOnCommitCallbacks(execute=True):
            first = self.client.get("/register/export.xlsx")
            again = self.client.get("/register/export.xlsx")
        self.assertEqual(first.status_code, 503)
        self.assertEqual(first["Retry-After"], "60")
        self.assertContains(again, "Försök igen om en minut", status_code=503)
        self.assertEqual(self.queued(), 1)  # two visitors, one build

        self.assertEqual(build_workbook.call(), "done")
        response = self.client.get("/register/export.xlsx")
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment", response["Content-Disposition"])
        public = set(RegisterEntry.objects.public().values_list("title", flat=True))
        self.assertEqual(self.titles(response), public)
        self.assertIn("Helgenomsekvensering för nyfödda", public)
        self.assertEqual(build_workbook.call(), "current")  # nothing changed since

        # A change: the previous workbook is served at once while the worker writes anew.
        DBTaskResult.objects.all().delete()
        with self.captureOnCommitCallbacks(execute=True):
            register_cache.changed()  # what every change to an entry calls
        with self.captureOnCommitCallbacks(execute=True):
            stale = self.client.get("/register/export.xlsx")
        self.assertEqual(stale.status_code, 200)
        self.assertEqual(self.queued(), 1)
        self.assertEqual(build_workbook.call(), "done")
        self.assertEqual(RegisterWorkbook.objects.count(), 1)  # the earlier one is gone

    def test_a_long_selection_is_offered_as_csv_and_json(self):
        response = self.client.get("/register/export.xlsx", {"q": "avtal"})
        self.assertContains(response, "fler än en arbetsbok som görs på begäran rymmer")
        self.assertContains(response, "/register/export.csv?q=avtal")
        self.assertEqual(self.queued(), 0)
        # A selection within the limit is written at once.
        response = self.client.get("/register/export.xlsx", {"q": "nyfödda"})
        self.assertEqual(self.titles(response), {"Helgenomsekvensering för nyfödda"})
