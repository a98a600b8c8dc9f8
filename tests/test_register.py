"""The transparency register: what is public, where, and how it is found."""

import csv
import datetime
import io
import json
import xml.etree.ElementTree as ET

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from samverkan.agreements.models import Agreement
from samverkan.collaborations import actions
from samverkan.orgs.models import Centre, Contact, Organisation
from samverkan.register import actions as register
from samverkan.register.models import CorrectionRequest, RegisterEntry
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
            register.do_start_publication(collaboration, cls.alice)
        RegisterEntry.objects.exclude(collaboration=cls.preview).update(
            preview_until=datetime.date(2020, 1, 1)
        )
        register.publish_due_entries(timezone.localdate())

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

    def test_a_hidden_field_leaves_every_channel(self):
        register.do_set_hidden_fields(self.published, self.alice, ["companies", "funding"])
        channels = self.channels("q=nyfödda")
        for name in ["page", "csv", "json", "api"]:
            with self.subTest(channel=name):
                self.assertIn("Helgenomsekvensering", channels[name])
                self.assertNotIn("Acme Genomik AB", channels[name])
                self.assertNotIn("Precisionshälsa", channels[name])

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
        self.client.post(url, {"action": "publish"})
        self.assertEqual(RegisterEntry.objects.get(collaboration=self.unpublished).state, "preview")

    def test_a_summary_is_needed_before_publication(self):
        collaboration = actions.do_create_collaboration(
            self.alice, actions.CollaborationData(title="Utan sammanfattning", kind="other")
        )
        self.login(self.alice)
        response = self.client.post(
            f"/register/{collaboration.pk}/manage/",
            {"action": "publish"},
            follow=True,
            HTTP_ACCEPT_LANGUAGE="en",
        )
        self.assertContains(response, "Write a public summary before publishing.")
        self.assertFalse(RegisterEntry.objects.filter(collaboration=collaboration).exists())


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
            io.BytesIO(self.client.get(f"/register/export.xlsx?{query}").content)
        )
        sheet = workbook.active
        assert sheet is not None
        self.assertEqual(
            {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}, page_titles
        )

    def test_the_list_keeps_its_query_count_as_entries_grow(self):
        def count() -> int:
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
            register.do_start_publication(collaboration, self.alice)
        register.publish_due_entries(timezone.localdate() + datetime.timedelta(days=15))
        self.assertEqual(count(), before)
