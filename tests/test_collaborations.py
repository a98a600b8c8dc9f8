"""The collaboration pages, through real HTTP: lists, forms, status, follow-ups, lessons."""

import datetime
from decimal import Decimal
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from samverkan.agreements.actions import AgreementData, do_save_agreement
from samverkan.agreements.models import Agreement
from samverkan.collaborations import actions
from samverkan.collaborations.models import (
    Collaboration,
    CollaborationParty,
    FollowUp,
    FollowUpAnswer,
    FundingApplication,
)
from samverkan.orgs.models import Organisation
from samverkan.test import BaseTestCase

Role = CollaborationParty.Role


class CollaborationTestCase(BaseTestCase):
    """Shared building blocks; pages are read in English so the tests can read the text."""

    skane: Organisation

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.skane = Organisation.objects.get(name="Region Skåne")

    def setUp(self) -> None:
        super().setUp()
        self.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    @classmethod
    def collaboration(cls, title: str = "Helgenom för nyfödda", **fields: Any) -> Collaboration:
        fields.setdefault("kind", "research")
        fields.setdefault("committees", [cls.rare])
        return actions.do_create_collaboration(
            cls.alice, actions.CollaborationData(title=title, **fields)
        )

    @classmethod
    def party(cls, collaboration: Collaboration, organisation: Organisation, role: str) -> None:
        actions.do_save_party(
            collaboration, cls.alice, actions.PartyData(organisation=organisation, role=role)
        )

    @classmethod
    def acme_collaboration(
        cls, title: str = "Helgenom för nyfödda", **fields: Any
    ) -> Collaboration:
        collaboration = cls.collaboration(title, **fields)
        cls.party(collaboration, cls.acme, Role.COMPANY)
        cls.party(collaboration, cls.skane, Role.INFRASTRUCTURE)
        cls.pass_gates(collaboration)
        return collaboration

    def count_queries(self, url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return len(queries)


class ListTestCase(CollaborationTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.newborn = cls.acme_collaboration(
            "Helgenom för nyfödda",
            summary="Snabb sekvensering",
            start_date=datetime.date(2024, 3, 1),
        )
        cls.pilot = cls.collaboration(
            "Farmakogenomik i primärvården",
            kind="pilot",
            committees=[cls.informatics],
            summary="Helgenom i vården",
            start_date=datetime.date(2025, 2, 1),
        )
        cls.party(cls.pilot, cls.other, Role.COMPANY)
        cls.party(cls.pilot, cls.skane, Role.INFRASTRUCTURE)
        cls.pass_gates(cls.pilot)
        actions.do_change_collaboration_status(cls.pilot, cls.alice, "active")

    def titles(self, url: str) -> list[str]:
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return sorted(c.title for c in response.context["page"])

    def test_it_shows_the_columns(self):
        self.login(self.alice)
        response = self.client.get("/collaborations/")
        self.assertContains(response, "Helgenom för nyfödda")
        self.assertContains(response, "Acme Genomik AB")
        self.assertContains(response, "Annat Bolag AB")
        self.assertContains(response, '<span class="badge badge-active">Active</span>', html=True)
        self.assertContains(response, "Pilot")
        self.assertContains(response, "Rare diseases")
        # GMS parties are not companies.
        self.assertNotContains(response, "Region Skåne")

    def test_it_filters(self):
        self.login(self.alice)
        both = ["Farmakogenomik i primärvården", "Helgenom för nyfödda"]
        self.assertEqual(self.titles("/collaborations/"), both)
        self.assertEqual(self.titles("/collaborations/?q=helgenom"), both)  # title or summary
        self.assertEqual(self.titles("/collaborations/?q=snabb"), ["Helgenom för nyfödda"])
        self.assertEqual(self.titles("/collaborations/?status=active"), [both[0]])
        self.assertEqual(self.titles("/collaborations/?kind=research"), [both[1]])
        self.assertEqual(self.titles("/collaborations/?committee=informatics"), [both[0]])
        self.assertEqual(self.titles("/collaborations/?year=2024"), [both[1]])
        self.assertEqual(self.titles("/collaborations/?year=2023"), [])

    def test_it_refreshes_only_the_results_for_htmx(self):
        self.login(self.alice)
        response = self.client.get("/collaborations/?kind=pilot", HTTP_HX_REQUEST="true")
        self.assertContains(response, 'id="results"')
        self.assertContains(response, "Farmakogenomik")
        self.assertNotContains(response, "<html")
        self.assertNotContains(response, "Helgenom för nyfödda")
        # Without JavaScript, the same form gives the whole page.
        self.assertContains(self.client.get("/collaborations/?kind=pilot"), "<html")

    def test_it_offers_new_collaborations_only_to_coordinators(self):
        self.login(self.alice)
        self.assertContains(self.client.get("/collaborations/"), 'href="/collaborations/new/"')
        self.login(self.dave)
        self.assertNotContains(self.client.get("/collaborations/"), 'href="/collaborations/new/"')


class ListQueryCountTestCase(CollaborationTestCase):
    # session, user, infrastructure, committees for the filter, count, waiting in the
    # correction period, page (with its register entry), parties, committees, final
    # follow-ups
    LIST_QUERIES = 10

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        for i in range(35):
            collaboration = cls.collaboration(
                f"Samarbete {i}", committees=[cls.rare, cls.informatics]
            )
            cls.party(collaboration, cls.acme if i % 2 else cls.other, Role.COMPANY)
            cls.party(collaboration, cls.skane, Role.INFRASTRUCTURE)

    def test_it_keeps_the_query_count_constant_on_the_list(self):
        self.login(self.alice)
        with self.assertNumQueries(self.LIST_QUERIES):
            response = self.client.get("/collaborations/")
        self.assertEqual(len(response.context["page"]), 25)
        self.assertEqual(self.count_queries("/collaborations/?page=2"), self.LIST_QUERIES)

    def test_it_keeps_the_query_count_constant_for_committee_and_company_users(self):
        for user in [self.bob, self.carol]:
            with self.subTest(user=user.username):
                self.login(user)
                self.assertEqual(
                    self.count_queries("/collaborations/"),
                    self.count_queries("/collaborations/?q=Samarbete+1"),
                )


class CreateAndEditTestCase(CollaborationTestCase):
    def test_it_creates_a_collaboration_through_the_page(self):
        self.login(self.alice)
        response = self.client.post(
            "/collaborations/new/",
            {
                "title": "Gemensam utbildning",
                "kind": "education",
                "summary": "Kurs i varianttolkning",
                "internal_notes": "Budget 200 000",
                "start_date": "2025-01-10",
                "end_date": "2025-06-30",
                "committees": [self.rare.pk],
                "goals": [],
                "centres": [],
                "responsible": "",
            },
        )
        collaboration = Collaboration.objects.get(title="Gemensam utbildning")
        self.assertRedirects(response, collaboration.get_absolute_url())
        self.assertEqual(collaboration.kind, "education")
        self.assertEqual(collaboration.start_date, datetime.date(2025, 1, 10))
        self.assertEqual(list(collaboration.committees.all()), [self.rare])
        self.assertEqual(collaboration.responsible, self.alice)

    def test_it_shows_the_actions_refusal_on_the_form(self):
        self.login(self.alice)
        response = self.client.post(
            "/collaborations/new/",
            {
                "title": "Baklänges",
                "kind": "research",
                "start_date": "2025-06-30",
                "end_date": "2025-01-10",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "The end date is before the start date.")
        self.assertFalse(Collaboration.objects.filter(title="Baklänges").exists())

    def edit_payload(self, collaboration: Collaboration, **overrides: Any) -> dict[str, Any]:
        payload = {
            "version": collaboration.version,
            "title": collaboration.title,
            "kind": collaboration.kind,
            "summary": collaboration.summary,
            "internal_notes": collaboration.internal_notes,
            "committees": [c.pk for c in collaboration.committees.all()],
        }
        payload.update(overrides)
        return payload

    def test_it_edits_a_collaboration_with_its_version(self):
        collaboration = self.collaboration()
        self.login(self.alice)
        form = self.client.get(f"/collaborations/{collaboration.pk}/edit/")
        self.assertContains(form, 'name="version" value="1"')
        response = self.client.post(
            f"/collaborations/{collaboration.pk}/edit/",
            self.edit_payload(collaboration, title="Nytt namn"),
        )
        self.assertRedirects(response, collaboration.get_absolute_url())
        collaboration.refresh_from_db()
        self.assertEqual((collaboration.title, collaboration.version), ("Nytt namn", 2))

    def test_it_refuses_a_stale_edit(self):
        collaboration = self.collaboration()
        stale = self.edit_payload(collaboration, title="Min ändring")
        actions.do_update_collaboration(
            collaboration,
            self.erin,
            actions.CollaborationData(title="Erins ändring", kind="research"),
            expected_version=1,
        )
        self.login(self.alice)
        response = self.client.post(f"/collaborations/{collaboration.pk}/edit/", stale)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Someone else changed this record")
        collaboration.refresh_from_db()
        self.assertEqual(collaboration.title, "Erins ändring")


class DetailTestCase(CollaborationTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.subject = cls.acme_collaboration(
            internal_notes="Hemlig prisdiskussion",
            summary="Offentlig sammanfattning",
        )
        cls.party(cls.subject, cls.other, Role.COMPANY)
        actions.do_save_funding_application(
            cls.subject,
            cls.alice,
            actions.FundingData(
                funder="vinnova",
                call="Precisionsmedicin 2025",
                amount_applied=Decimal("1000000.50"),
                amount_granted=Decimal("800000"),
                status=FundingApplication.Status.GRANTED,
            ),
        )
        actions.do_save_funding_application(
            cls.subject,
            cls.alice,
            actions.FundingData(
                funder="vr",
                call="Forskningsbidrag",
                amount_applied=Decimal("250000"),
                currency="sek",
            ),
        )
        actions.do_save_funding_application(
            cls.subject,
            cls.alice,
            actions.FundingData(
                funder="horizon_europe",
                call="Genomics for health",
                amount_applied=Decimal("300000"),
                amount_granted=Decimal("120000.25"),
                currency="EUR",
                status=FundingApplication.Status.GRANTED,
            ),
        )
        do_save_agreement(
            cls.subject,
            cls.alice,
            AgreementData(
                kind=Agreement.Kind.COLLABORATION,
                title="Avtal med Acme",
                parties=[cls.acme, cls.skane],
            ),
        )
        do_save_agreement(
            cls.subject,
            cls.alice,
            AgreementData(
                kind=Agreement.Kind.CONFIDENTIALITY,
                title="Sekretessavtal med Annat Bolag",
                parties=[cls.other, cls.skane],
            ),
        )
        actions.do_save_communication(
            cls.subject,
            cls.alice,
            actions.CommunicationData(
                kind="news", title="Nyhet om projektet", text="Ett samarbete med Acme."
            ),
        )
        actions.do_save_communication(
            cls.subject,
            cls.alice,
            actions.CommunicationData(
                kind="press_release",
                title="Pressmeddelande",
                text="Genomic Medicine Sweden och Acme samarbetar.",
            ),
        )
        cls.overdue = actions.do_add_follow_up(
            cls.subject, cls.alice, "interim", timezone.localdate() - datetime.timedelta(days=3)
        )

    def url(self) -> str:
        return f"/collaborations/{self.subject.pk}/"

    def test_it_shows_internal_notes_to_staff_and_committee_but_never_to_companies(self):
        for user in [self.alice, self.bob, self.dave]:
            with self.subTest(user=user.username):
                self.login(user)
                self.assertContains(self.client.get(self.url()), "Hemlig prisdiskussion")
        self.login(self.carol)
        response = self.client.get(self.url())
        self.assertContains(response, "Offentlig sammanfattning")
        self.assertNotContains(response, "Hemlig prisdiskussion")
        self.assertNotContains(response, "Internal notes")

    def test_it_keeps_internal_notes_out_of_the_history_for_companies(self):
        actions.do_update_collaboration(
            self.subject,
            self.alice,
            actions.CollaborationData(
                title=self.subject.title,
                kind="research",
                internal_notes="Ännu hemligare",
                committees=[self.rare],
            ),
        )
        self.login(self.alice)
        self.assertContains(self.client.get(f"{self.url()}history/"), "Ännu hemligare")
        self.login(self.carol)
        response = self.client.get(f"{self.url()}history/")
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "hemlig")
        self.assertNotContains(response, "Ännu hemligare")

    def test_it_always_says_the_collaboration_is_non_exclusive(self):
        self.login(self.carol)
        response = self.client.get(self.url())
        self.assertContains(response, "Non-exclusive")
        self.assertContains(response, "GMS never enters exclusive collaborations")

    def test_it_shows_the_non_exclusivity_note(self):
        Collaboration.objects.filter(pk=self.subject.pk).update(
            non_exclusivity_note="Sällsynta diagnoser: öppet för alla bolag"
        )
        self.login(self.dave)
        self.assertContains(self.client.get(self.url()), "öppet för alla bolag")

    def test_it_shows_money_with_currency_and_totals_per_currency(self):
        self.login(self.alice)
        response = self.client.get(self.url())
        self.assertContains(response, "1,000,000.50 SEK")
        self.assertContains(response, "800,000.00 SEK")
        # Applied for in SEK: 1,000,000.50 + 250,000; granted 800,000.
        totals = {t["currency"]: t for t in response.context["totals"]}
        self.assertEqual(totals["SEK"]["applied"], Decimal("1250000.50"))
        self.assertEqual(totals["SEK"]["granted"], Decimal("800000"))
        self.assertEqual(totals["EUR"]["applied"], Decimal("300000"))
        self.assertEqual(totals["EUR"]["granted"], Decimal("120000.25"))
        self.assertContains(response, "1,250,000.50 SEK")
        self.assertContains(response, "120,000.25 EUR")
        self.assertContains(response, "Total in SEK")
        self.assertContains(response, "Total in EUR")

    def test_it_shows_companies_only_the_agreements_they_are_party_to(self):
        self.login(self.carol)
        response = self.client.get(self.url())
        self.assertContains(response, "Avtal med Acme")
        self.assertNotContains(response, "Sekretessavtal med Annat Bolag")
        self.login(self.mallory)
        response = self.client.get(self.url())
        self.assertNotContains(response, "Avtal med Acme")
        self.assertContains(response, "Sekretessavtal med Annat Bolag")
        self.login(self.bob)
        response = self.client.get(self.url())
        self.assertContains(response, "Avtal med Acme")
        self.assertContains(response, "Sekretessavtal med Annat Bolag")

    def test_it_warns_when_a_communication_does_not_name_the_infrastructure(self):
        self.login(self.alice)
        response = self.client.get(self.url())
        warnings = response.content.decode().count("Does not name GMS")
        self.assertEqual(warnings, 1)  # the news item, not the press release
        self.assertContains(response, "Waiting for approval")
        self.assertContains(response, f'href="{self.url()}communication/new/"')

    def test_it_gives_coordinators_the_links_that_write(self):
        links = [
            f"{self.url()}edit/",
            f"{self.url()}agreements/new/",
            f"{self.url()}communication/new/",
            f"{self.url()}parties/new/",
            f"{self.url()}funding/new/",
            f"{self.url()}follow-ups/new/",
            f"{self.url()}status/",
        ]
        self.login(self.alice)
        response = self.client.get(self.url())
        for link in links:
            self.assertContains(response, link)
        self.login(self.dave)
        response = self.client.get(self.url())
        for link in links:
            self.assertNotContains(response, link)
        self.assertContains(response, f"{self.url()}history/")

    def test_it_marks_overdue_follow_ups(self):
        self.login(self.dave)
        response = self.client.get(self.url())
        self.assertContains(response, "Overdue")
        self.assertContains(response, self.overdue.get_absolute_url())

    def test_it_offers_only_the_allowed_status_changes(self):
        self.login(self.alice)
        form = self.client.get(self.url()).context["status_form"]
        self.assertEqual(
            [value for value, _label in form.fields["status"].choices], ["active", "ended_early"]
        )

    def test_it_keeps_the_query_count_constant_on_the_detail_page(self):
        self.login(self.alice)
        before = self.count_queries(self.url())
        actions.do_add_follow_up(self.subject, self.alice, "final", datetime.date(2026, 1, 1))
        actions.do_save_funding_application(
            self.subject,
            self.alice,
            actions.FundingData(funder="vinnova", call="Ännu en", amount_applied=1),
        )
        self.assertEqual(self.count_queries(self.url()), before)


class StatusTestCase(CollaborationTestCase):
    def setUp(self) -> None:
        super().setUp()
        today = timezone.localdate()
        self.subject = self.acme_collaboration(
            start_date=today - datetime.timedelta(days=400),
            end_date=today - datetime.timedelta(days=40),
        )
        self.login(self.alice)

    def change(self, status: str) -> Any:
        self.subject.refresh_from_db()
        return self.client.post(
            f"/collaborations/{self.subject.pk}/status/",
            {"status": status, "version": self.subject.version},
            follow=True,
        )

    def test_it_refuses_completion_without_the_final_follow_up_and_allows_it_after(self):
        self.assertContains(self.change("active"), "The collaboration is now “Active”.")
        final = self.subject.follow_ups.get(kind=FollowUp.Kind.FINAL)

        response = self.change("completed")
        self.assertContains(response, "Record the final follow-up with the parties")
        self.subject.refresh_from_db()
        self.assertEqual(self.subject.status, "active")

        recorded = self.client.post(
            final.get_absolute_url(),
            {
                "form": "record",
                "version": final.version,
                "held_on": timezone.localdate().isoformat(),
                "participants": "Ada Lind, Alice",
                "what_worked": "Snabba beslut",
                "lessons": "Sätt upp datadelningsavtal tidigt",
                "would_collaborate_again": "5",
            },
        )
        self.assertRedirects(recorded, final.get_absolute_url())

        response = self.change("completed")
        self.assertContains(response, "The collaboration is now “Completed”.")
        self.subject.refresh_from_db()
        self.assertEqual(self.subject.status, "completed")

    def test_it_shows_why_a_transition_is_not_allowed(self):
        response = self.change("completed")  # planned → completed is not a move
        self.assertContains(response, "cannot become")
        self.subject.refresh_from_db()
        self.assertEqual(self.subject.status, "planned")

    def test_it_refuses_a_stale_status_change(self):
        version = self.subject.version
        actions.do_change_collaboration_status(self.subject, self.erin, "active")
        response = self.client.post(
            f"/collaborations/{self.subject.pk}/status/",
            {"status": "ended_early", "version": version},
            follow=True,
        )
        self.assertContains(response, "Someone else changed this record")
        self.subject.refresh_from_db()
        self.assertEqual(self.subject.status, "active")


class FollowUpTestCase(CollaborationTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.subject = cls.acme_collaboration()
        cls.party(cls.subject, cls.other, Role.COMPANY)
        cls.follow_up = actions.do_add_follow_up(
            cls.subject, cls.alice, "interim", datetime.date(2025, 3, 1)
        )

    def url(self) -> str:
        return self.follow_up.get_absolute_url()

    def test_it_lets_a_coordinator_plan_a_follow_up(self):
        self.login(self.alice)
        response = self.client.post(
            f"/collaborations/{self.subject.pk}/follow-ups/new/",
            {"kind": "final", "due_date": "2026-02-01"},
        )
        self.assertRedirects(response, self.subject.get_absolute_url())
        self.assertTrue(
            self.subject.follow_ups.filter(kind="final", due_date="2026-02-01").exists()
        )

    def test_it_lets_a_company_user_answer_for_their_own_organisation(self):
        self.login(self.carol)
        response = self.client.post(
            self.url(),
            {
                "form": "answer",
                # A company user cannot choose the organisation: this is ignored.
                "organisation": self.other.pk,
                "value_created": "Tillgång till kohorten",
                "what_worked": "Tydliga roller",
                "would_collaborate_again": "4",
            },
        )
        self.assertRedirects(response, self.url())
        answer = FollowUpAnswer.objects.get()
        self.assertEqual(answer.organisation, self.acme)
        self.assertEqual(answer.answered_by, self.carol)
        self.assertEqual(answer.would_collaborate_again, 4)
        # Answering again updates the same answer.
        self.client.post(self.url(), {"form": "answer", "value_created": "Mer data"})
        self.assertEqual(FollowUpAnswer.objects.get().value_created, "Mer data")

    def test_it_does_not_let_a_company_user_answer_for_another_collaboration(self):
        others = self.collaboration("Annat projekt")
        self.party(others, self.other, Role.COMPANY)
        follow_up = actions.do_add_follow_up(others, self.alice, "final", datetime.date(2025, 1, 1))
        self.login(self.carol)
        response = self.client.post(
            follow_up.get_absolute_url(), {"form": "answer", "value_created": "Försök"}
        )
        self.assertEqual(response.status_code, 404)
        self.assertFalse(FollowUpAnswer.objects.exists())

    def test_it_refuses_answers_from_roles_that_are_not_parties(self):
        for user in [self.bob, self.dave]:
            with self.subTest(user=user.username):
                self.login(user)
                response = self.client.post(
                    self.url(), {"form": "answer", "value_created": "Inte min sak"}
                )
                self.assertEqual(response.status_code, 403)
        self.assertFalse(FollowUpAnswer.objects.exists())

    def test_it_refuses_a_company_user_recording_the_conversation(self):
        self.login(self.carol)
        response = self.client.post(
            self.url(), {"form": "record", "version": 1, "held_on": "2025-03-01"}
        )
        self.assertEqual(response.status_code, 403)
        self.follow_up.refresh_from_db()
        self.assertIsNone(self.follow_up.held_on)

    def test_it_shows_company_users_only_their_own_organisations_answer(self):
        actions.do_answer_follow_up(
            self.follow_up, self.carol, self.acme, value_created="Acmes svar"
        )
        actions.do_answer_follow_up(
            self.follow_up, self.mallory, self.other, value_created="Annat Bolags svar"
        )
        actions.do_answer_follow_up(
            self.follow_up, self.alice, self.skane, value_created="Regionens svar"
        )
        self.login(self.carol)
        response = self.client.get(self.url())
        self.assertContains(response, "Acmes svar")
        self.assertNotContains(response, "Annat Bolags svar")
        self.assertNotContains(response, "Regionens svar")
        for user in [self.alice, self.bob, self.dave]:
            with self.subTest(user=user.username):
                self.login(user)
                response = self.client.get(self.url())
                self.assertContains(response, "Acmes svar")
                self.assertContains(response, "Annat Bolags svar")
                self.assertContains(response, "Regionens svar")

    def test_it_lets_a_coordinator_record_an_answer_for_a_party(self):
        self.login(self.alice)
        response = self.client.post(
            self.url(),
            {"form": "answer", "organisation": self.skane.pk, "value_created": "Nya metoder"},
        )
        self.assertRedirects(response, self.url())
        self.assertEqual(FollowUpAnswer.objects.get().organisation, self.skane)

    def test_it_records_the_conversation_and_refuses_a_stale_record(self):
        self.login(self.alice)
        payload = {
            "form": "record",
            "version": 1,
            "held_on": "2025-03-03",
            "participants": "Ada, Alice",
            "lessons": "Börja med datadelningen",
        }
        self.assertRedirects(self.client.post(self.url(), payload), self.url())
        self.follow_up.refresh_from_db()
        self.assertEqual(self.follow_up.held_on, datetime.date(2025, 3, 3))
        self.assertEqual(self.follow_up.recorded_by, self.alice)
        response = self.client.post(self.url(), {**payload, "lessons": "Något annat"})
        self.assertContains(response, "Someone else changed this record")
        self.follow_up.refresh_from_db()
        self.assertEqual(self.follow_up.lessons, "Börja med datadelningen")

    def test_it_refuses_a_follow_up_held_in_the_future(self):
        self.login(self.alice)
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        response = self.client.post(
            self.url(), {"form": "record", "version": 1, "held_on": tomorrow.isoformat()}
        )
        self.assertContains(response, "A follow-up cannot be held in the future.")

    def test_it_hides_the_conversation_record_from_company_users(self):
        actions.do_record_follow_up(
            self.follow_up,
            self.alice,
            actions.FollowUpRecord(
                held_on=datetime.date(2025, 3, 3), notes="Intern iakttagelse om Acme"
            ),
        )
        self.login(self.carol)
        self.assertNotContains(self.client.get(self.url()), "Intern iakttagelse")
        self.login(self.bob)
        self.assertContains(self.client.get(self.url()), "Intern iakttagelse")


class OverviewTestCase(CollaborationTestCase):
    OVERVIEW_QUERIES = 6  # session, user, infrastructure, overdue count, paginator count, page

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        today = timezone.localdate()
        for i in range(32):
            collaboration = cls.acme_collaboration(f"Projekt {i}")
            actions.do_add_follow_up(
                collaboration, cls.alice, "interim", today + datetime.timedelta(days=i - 12)
            )
        held = actions.do_add_follow_up(
            collaboration, cls.alice, "interim", today - datetime.timedelta(days=30)
        )
        actions.do_record_follow_up(
            held, cls.alice, actions.FollowUpRecord(held_on=today - datetime.timedelta(days=29))
        )
        actions.do_add_follow_up(
            collaboration, cls.alice, "final", today + datetime.timedelta(days=61)
        )

    def test_it_lists_overdue_first_then_the_next_60_days(self):
        self.login(self.alice)
        response = self.client.get("/collaborations/follow-ups/?page_size=100")
        today = timezone.localdate()
        self.assertEqual(response.context["overdue_count"], 12)
        self.assertEqual(len(response.context["overdue"]), 12)
        self.assertTrue(all(f.due_date < today for f in response.context["overdue"]))
        self.assertEqual(len(response.context["upcoming"]), 13)  # a page of 25
        self.assertEqual(response.context["page"].paginator.count, 32)  # not the held, not day 61
        dates = [f.due_date for f in response.context["page"]]
        self.assertEqual(dates, sorted(dates))
        self.assertContains(response, "Overdue")

    def test_it_keeps_the_query_count_constant_on_the_overview(self):
        self.login(self.dave)
        with self.assertNumQueries(self.OVERVIEW_QUERIES):
            self.client.get("/collaborations/follow-ups/")
        self.assertEqual(
            self.count_queries("/collaborations/follow-ups/?page=2"), self.OVERVIEW_QUERIES
        )


class LessonsTestCase(CollaborationTestCase):
    LESSONS_QUERIES = (
        7  # session, user, infrastructure, count, committees for the filter, page, their committees
    )

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        for i in range(31):
            collaboration = cls.acme_collaboration(
                f"Lärdom {i}",
                kind="pilot" if i % 2 else "research",
                committees=[cls.rare, cls.informatics] if i % 3 else [cls.rare],
            )
            follow_up = actions.do_add_follow_up(
                collaboration, cls.alice, "final", datetime.date(2024, 1, 1)
            )
            actions.do_record_follow_up(
                follow_up,
                cls.alice,
                actions.FollowUpRecord(
                    held_on=datetime.date(2023 if i < 10 else 2024, 2, 1),
                    lessons=f"Lärdom nummer {i}",
                    what_worked="Veckomöten" if i == 4 else "",
                    what_to_change="Avtalet tidigare" if i == 5 else "",
                ),
            )
        # Held, but nothing learned: not in the library.
        quiet = cls.acme_collaboration("Tyst projekt")
        follow_up = actions.do_add_follow_up(quiet, cls.alice, "final", datetime.date(2024, 1, 1))
        actions.do_record_follow_up(
            follow_up, cls.alice, actions.FollowUpRecord(held_on=datetime.date(2024, 2, 1))
        )

    def count(self, url: str) -> int:
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return int(response.context["page"].paginator.count)

    def test_it_lists_follow_ups_with_lessons(self):
        self.login(self.dave)
        self.assertEqual(self.count("/collaborations/lessons/"), 31)
        self.assertNotContains(self.client.get("/collaborations/lessons/"), "Tyst projekt")

    def test_it_searches_lessons_what_worked_and_what_to_change(self):
        self.login(self.dave)
        self.assertEqual(self.count("/collaborations/lessons/?q=nummer+12"), 1)
        self.assertEqual(self.count("/collaborations/lessons/?q=veckomöten"), 1)
        self.assertEqual(self.count("/collaborations/lessons/?q=avtalet"), 1)
        self.assertEqual(self.count("/collaborations/lessons/?q=saknas"), 0)

    def test_it_filters_by_kind_committee_and_year(self):
        self.login(self.alice)
        self.assertEqual(self.count("/collaborations/lessons/?kind=pilot"), 15)
        self.assertEqual(self.count("/collaborations/lessons/?committee=informatics"), 20)
        self.assertEqual(self.count("/collaborations/lessons/?committee=education"), 0)
        self.assertEqual(self.count("/collaborations/lessons/?year=2023"), 10)
        self.assertEqual(self.count("/collaborations/lessons/?year=2024&kind=research"), 11)

    def test_it_shows_committee_members_lessons_of_their_committees_only(self):
        self.login(self.oscar)
        self.assertEqual(self.count("/collaborations/lessons/"), 0)
        self.login(self.bob)
        self.assertEqual(self.count("/collaborations/lessons/"), 31)

    def test_it_refreshes_only_the_results_for_htmx(self):
        self.login(self.alice)
        response = self.client.get("/collaborations/lessons/?q=nummer+3", HTTP_HX_REQUEST="true")
        self.assertContains(response, "Lärdom nummer 3")
        self.assertNotContains(response, "<html")

    def test_it_keeps_the_query_count_constant_on_the_lessons_page(self):
        self.login(self.alice)
        with self.assertNumQueries(self.LESSONS_QUERIES):
            response = self.client.get("/collaborations/lessons/")
        self.assertEqual(len(response.context["page"]), 25)
        self.assertEqual(
            self.count_queries("/collaborations/lessons/?page=2"), self.LESSONS_QUERIES
        )


class PartyAndFundingTestCase(CollaborationTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.subject = cls.acme_collaboration()

    def test_it_adds_edits_and_removes_a_party(self):
        self.login(self.alice)
        base = f"/collaborations/{self.subject.pk}/parties"
        response = self.client.post(
            f"{base}/new/",
            {
                "organisation": self.other.pk,
                "role": Role.COMPANY,
                "role_description": "Levererar reagenser",
                "resources": "Reagenser",
                "approver": self.mallory.pk,
            },
        )
        self.assertRedirects(response, self.subject.get_absolute_url())
        party = self.subject.parties.get(organisation=self.other)
        self.assertEqual(party.approver, self.mallory)

        response = self.client.post(
            f"{base}/{party.pk}/", {"role": Role.OTHER, "role_description": "Analys"}
        )
        self.assertRedirects(response, self.subject.get_absolute_url())
        party.refresh_from_db()
        self.assertEqual(
            (party.role, party.role_description, party.approver), ("other", "Analys", None)
        )

        self.client.post(f"{base}/{party.pk}/remove/")
        self.assertFalse(self.subject.parties.filter(organisation=self.other).exists())

    def test_it_refuses_an_approver_from_another_company(self):
        self.login(self.alice)
        response = self.client.post(
            f"/collaborations/{self.subject.pk}/parties/new/",
            {"organisation": self.other.pk, "role": Role.COMPANY, "approver": self.carol.pk},
        )
        self.assertContains(response, "A company user approves only for their own organisation.")
        self.assertFalse(self.subject.parties.filter(organisation=self.other).exists())

    def test_it_refuses_to_add_an_organisation_twice(self):
        self.login(self.alice)
        response = self.client.post(
            f"/collaborations/{self.subject.pk}/parties/new/",
            {"organisation": self.acme.pk, "role": Role.OTHER},
        )
        self.assertContains(response, "already a party")
        self.assertEqual(self.subject.parties.get(organisation=self.acme).role, Role.COMPANY)

    def test_it_refuses_to_remove_a_party_to_an_agreement(self):
        do_save_agreement(
            self.subject,
            self.alice,
            AgreementData(kind="collaboration", title="Avtal", parties=[self.acme, self.skane]),
        )
        party = self.subject.parties.get(organisation=self.acme)
        self.login(self.alice)
        response = self.client.post(
            f"/collaborations/{self.subject.pk}/parties/{party.pk}/remove/", follow=True
        )
        self.assertContains(response, "The organisation is a party to an agreement")
        self.assertTrue(self.subject.parties.filter(pk=party.pk).exists())

    def funding_payload(self, **overrides: Any) -> dict[str, Any]:
        payload = {
            "funder": "vinnova",
            "call": "Precisionsmedicin",
            "applicants": [self.acme.pk, self.skane.pk],
            "amount_applied": "1500000.00",
            "currency": "sek",
            "status": "submitted",
            "submitted_on": "2025-02-01",
        }
        payload.update(overrides)
        return payload

    def test_it_creates_and_edits_a_funding_application_with_its_version(self):
        self.login(self.alice)
        base = f"/collaborations/{self.subject.pk}/funding"
        response = self.client.post(f"{base}/new/", self.funding_payload())
        self.assertRedirects(response, self.subject.get_absolute_url())
        application = FundingApplication.objects.get()
        self.assertEqual(application.currency, "SEK")
        self.assertEqual(application.amount_applied, Decimal("1500000.00"))
        self.assertEqual(set(application.applicants.all()), {self.acme, self.skane})

        granted = self.funding_payload(status="granted", amount_granted="900000", version=1)
        self.assertRedirects(
            self.client.post(f"{base}/{application.pk}/", granted),
            self.subject.get_absolute_url(),
        )
        application.refresh_from_db()
        self.assertEqual((application.amount_granted, application.version), (Decimal(900000), 2))

        stale = self.client.post(f"{base}/{application.pk}/", {**granted, "call": "Ny utlysning"})
        self.assertContains(stale, "Someone else changed this record")
        application.refresh_from_db()
        self.assertEqual(application.call, "Precisionsmedicin")

    def test_amounts_are_shown_and_read_as_the_language_writes_numbers(self):
        self.login(self.alice)
        base = f"/collaborations/{self.subject.pk}/funding"
        sv = {"HTTP_ACCEPT_LANGUAGE": "sv"}
        new = self.funding_payload(amount_applied="2 500 000,50")
        self.client.post(f"{base}/new/", new, **sv)
        application = FundingApplication.objects.get()
        self.assertEqual(application.amount_applied, Decimal("2500000.50"))
        swedish = self.client.get(f"{base}/{application.pk}/", **sv)
        self.assertContains(swedish, 'value="2500000,50"')
        self.assertNotContains(swedish, "2500000.50")
        self.assertContains(swedish, 'inputmode="decimal"')
        english = self.funding_payload(amount_applied="3,100,000.25", version=1)
        self.client.post(f"{base}/{application.pk}/", english, HTTP_ACCEPT_LANGUAGE="en")
        application.refresh_from_db()
        self.assertEqual(application.amount_applied, Decimal("3100000.25"))
        wrong = self.funding_payload(amount_applied="tre miljoner", version=2)
        answer = self.client.post(f"{base}/{application.pk}/", wrong, **sv)
        self.assertContains(answer, "Fyll i ett tal")

    def test_it_shows_the_actions_field_errors_on_the_funding_form(self):
        self.login(self.alice)
        response = self.client.post(
            f"/collaborations/{self.subject.pk}/funding/new/",
            self.funding_payload(status="granted", funder="other"),
        )
        self.assertContains(response, "Give the amount granted.")
        self.assertContains(response, "Name the funder.")
        self.assertFalse(FundingApplication.objects.exists())

    def test_it_offers_only_the_parties_as_applicants(self):
        self.login(self.alice)
        form = self.client.get(f"/collaborations/{self.subject.pk}/funding/new/").context["form"]
        self.assertEqual(set(form.fields["applicants"].queryset), {self.acme, self.skane})


class HistoryTestCase(CollaborationTestCase):
    def test_it_shows_changes_to_the_collaboration_and_its_parties_newest_first(self):
        subject = self.collaboration("Första namnet")
        actions.do_update_collaboration(
            subject,
            self.alice,
            actions.CollaborationData(
                title="Andra namnet", kind="pilot", committees=[self.rare, self.informatics]
            ),
        )
        self.party(subject, self.acme, Role.COMPANY)
        self.login(self.bob)
        response = self.client.get(f"/collaborations/{subject.pk}/history/")
        items = response.context["items"]
        self.assertEqual(str(items[0]["subject"]), "Party: Acme Genomik AB")
        dates = [item["record"].history_date for item in items]
        self.assertEqual(dates, sorted(dates, reverse=True))
        self.assertContains(response, "Första namnet → Andra namnet")
        self.assertContains(response, "Research → Pilot")
        self.assertContains(response, "Informatics")


class CollaborationExportTestCase(BaseTestCase):
    def test_the_list_exports_its_filtered_rows(self):
        import csv
        import io

        from samverkan.collaborations import actions as collab_actions

        for title, kind in [("Exporteras", "pilot"), ("Filtreras bort", "research")]:
            collab_actions.do_create_collaboration(
                self.alice, collab_actions.CollaborationData(title=title, kind=kind)
            )
        self.login(self.dave)
        response = self.client.get("/collaborations/?kind=pilot&format=csv")
        rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
        self.assertEqual([r[0] for r in rows[1:]], ["Exporteras"])


class FollowUpExportTestCase(BaseTestCase):
    def test_the_overview_and_the_lessons_export_their_rows(self):
        import csv
        import datetime
        import io

        from django.utils import timezone

        from samverkan.collaborations import actions as collab_actions

        collaboration = collab_actions.do_create_collaboration(
            self.alice, collab_actions.CollaborationData(title="Exporteras", kind="pilot")
        )
        today = timezone.localdate()
        due = collab_actions.do_add_follow_up(collaboration, self.alice, "interim", today)
        held = collab_actions.do_add_follow_up(
            collaboration, self.alice, "final", today - datetime.timedelta(days=3)
        )
        collab_actions.do_record_follow_up(
            held, self.alice, collab_actions.FollowUpRecord(held_on=today, lessons="Tidigt avtal")
        )
        self.login(self.alice)
        rows = list(
            csv.reader(
                io.StringIO(
                    self.client.get("/collaborations/follow-ups/?format=csv")
                    .getvalue()
                    .decode("utf-8-sig")
                )
            )
        )
        self.assertEqual([r[0] for r in rows[1:]], ["Exporteras"])
        self.assertEqual(rows[1][2], due.due_date.isoformat())
        rows = list(
            csv.reader(
                io.StringIO(
                    self.client.get("/collaborations/lessons/?format=csv")
                    .getvalue()
                    .decode("utf-8-sig")
                )
            )
        )
        self.assertEqual([r[2] for r in rows[1:]], ["Tidigt avtal"])
