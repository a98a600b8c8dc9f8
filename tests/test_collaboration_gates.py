"""A collaboration starts only with its gates passed and both kinds of party, on every path;
every ending gets its final follow-up."""

import datetime
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from samverkan.collaborations import actions
from samverkan.collaborations.models import Collaboration, CollaborationGateAnswer, FollowUp
from samverkan.collaborations.reminders import send_due_reminders
from samverkan.inquiries import actions as inquiry_actions
from samverkan.inquiries.models import Gate
from samverkan.orgs.models import Organisation
from samverkan.register.models import RegisterEntry
from samverkan.test import BaseTestCase

D = datetime.date
API = "/api/v1/collaborations"


class GateTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.skane = Organisation.objects.get(name="Region Skåne")

    def setUp(self) -> None:
        super().setUp()
        translation.activate("en")
        self.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    def make(self, *, parties: bool = True) -> Collaboration:
        collaboration = actions.do_create_collaboration(
            self.alice,
            actions.CollaborationData(
                title="Behov från utskottet",
                kind="research",
                summary="Ett samarbete GMS startar själv.",
                start_date=D(2026, 1, 1),
                end_date=D(2027, 1, 1),
            ),
        )
        if parties:
            for org, role in [(self.acme, "company"), (self.skane, "infrastructure_party")]:
                actions.do_save_party(collaboration, self.alice, actions.PartyData(org, role))
        return collaboration

    def answers(self, failing: str = "") -> dict[int, tuple[bool, str]]:
        return {g.pk: (g.slug != failing, "Bedömt av GMS") for g in Gate.objects.all()}

    def status(self, collaboration: Collaboration) -> str:
        return Collaboration.objects.get(pk=collaboration.pk).status

    # The action ----------------------------------------------------------------------

    def test_it_refuses_to_start_without_gates_and_says_which(self):
        collaboration = self.make()
        with self.assertRaises(ValidationError) as refused:
            actions.do_change_collaboration_status(collaboration, self.alice, "active")
        gates = Gate.objects.count()
        self.assertEqual(
            len([m for m in refused.exception.messages if "Record whether the gate" in m]), gates
        )
        self.assertEqual(self.status(collaboration), "planned")
        self.assertFalse(RegisterEntry.objects.exists())

    def test_a_gate_not_met_keeps_it_from_starting(self):
        collaboration = self.make()
        exclusivity = Gate.objects.get(blocks="exclusivity")
        actions.do_record_collaboration_gates(
            collaboration, self.alice, self.answers(failing=exclusivity.slug)
        )
        with self.assertRaisesMessage(ValidationError, "The gate is not met"):
            actions.do_change_collaboration_status(collaboration, self.alice, "active")
        self.assertEqual(self.status(collaboration), "planned")

    def test_it_needs_a_company_and_an_infrastructure_party(self):
        collaboration = self.make(parties=False)
        actions.do_record_collaboration_gates(collaboration, self.alice, self.answers())
        with self.assertRaises(ValidationError) as refused:
            actions.do_change_collaboration_status(collaboration, self.alice, "active")
        self.assertIn("Add at least one company as a party.", refused.exception.messages)
        self.assertIn("Add at least one party of the infrastructure.", refused.exception.messages)
        actions.do_save_party(collaboration, self.alice, actions.PartyData(self.acme, "company"))
        with self.assertRaisesMessage(ValidationError, "party of the infrastructure"):
            actions.do_change_collaboration_status(collaboration, self.alice, "active")
        actions.do_save_party(
            collaboration, self.alice, actions.PartyData(self.skane, "infrastructure_party")
        )
        actions.do_change_collaboration_status(collaboration, self.alice, "active")
        self.assertEqual(self.status(collaboration), "active")

    def test_recorded_gates_say_by_whom_and_when(self):
        collaboration = self.make()
        before = timezone.now()
        actions.do_record_collaboration_gates(collaboration, self.alice, self.answers())
        answers = CollaborationGateAnswer.objects.filter(collaboration=collaboration)
        self.assertEqual(answers.count(), Gate.objects.count())
        self.assertEqual({a.recorded_by for a in answers}, {self.alice})
        self.assertTrue(all(a.recorded_at >= before for a in answers))
        actions.do_change_collaboration_status(collaboration, self.alice, "active")
        with self.assertRaisesMessage(ValidationError, "before the collaboration starts"):
            actions.do_record_collaboration_gates(collaboration, self.alice, self.answers())

    def test_every_gate_must_be_answered(self):
        collaboration = self.make()
        some = dict(list(self.answers().items())[:1])
        with self.assertRaisesMessage(ValidationError, "Answer every gate"):
            actions.do_record_collaboration_gates(collaboration, self.alice, some)
        self.assertFalse(CollaborationGateAnswer.objects.exists())

    def test_only_coordinators_record_gates(self):
        from django.core.exceptions import PermissionDenied

        collaboration = self.make()
        for user in [self.bob, self.carol, self.dave]:
            with self.subTest(user=user.username), self.assertRaises(PermissionDenied):
                actions.do_record_collaboration_gates(collaboration, user, self.answers())

    def test_an_accepted_inquiry_passes_on_its_gates(self):
        inquiry = self.assessed()
        inquiry_actions.do_decide_inquiry(inquiry, self.alice, "accepted")
        collaboration = Collaboration.objects.get(inquiry=inquiry)
        self.assertTrue(collaboration.inherited_gates())
        self.assertEqual(collaboration.gate_blockers(), [])
        # The non-exclusivity gate, found by its role, is carried over as a note.
        self.assertIn(self.rare.name, collaboration.non_exclusivity_note)
        blockers = collaboration.start_blockers()
        self.assertIn("Add at least one party of the infrastructure.", blockers)
        actions.do_save_party(
            collaboration, self.alice, actions.PartyData(self.skane, "infrastructure_party")
        )
        collaboration.refresh_from_db()
        collaboration.start_date = D(2026, 1, 1)
        collaboration.save()
        actions.do_change_collaboration_status(collaboration, self.alice, "active")
        self.assertEqual(self.status(collaboration), "active")

    # The pages -------------------------------------------------------------------------

    def test_the_pages_cannot_start_a_collaboration_without_gates(self):
        self.login(self.alice)
        response = self.client.post(
            "/collaborations/new/",
            {"title": "Sidan", "kind": "research", "start_date": "2026-01-01"},
        )
        collaboration = Collaboration.objects.get(title="Sidan")
        self.assertEqual(response.status_code, 302)
        response = self.client.post(
            f"/collaborations/{collaboration.pk}/status/",
            {"status": "active", "version": collaboration.version},
            follow=True,
        )
        self.assertContains(response, "Record whether the gate is met")
        self.assertContains(response, "Add at least one company as a party.")
        self.assertEqual(self.status(collaboration), "planned")

    def test_the_detail_page_says_what_is_missing_and_the_gate_form_records(self):
        collaboration = self.make()
        self.login(self.alice)
        response = self.client.get(collaboration.get_absolute_url())
        self.assertContains(response, 'id="start-blockers"')
        self.assertContains(response, f"/collaborations/{collaboration.pk}/gates/")
        form = {"version": collaboration.version}
        for gate in Gate.objects.all():
            form[f"gate_{gate.pk}"] = "yes"
        response = self.client.post(f"/collaborations/{collaboration.pk}/gates/", form)
        self.assertRedirects(response, collaboration.get_absolute_url())
        response = self.client.get(collaboration.get_absolute_url())
        self.assertContains(response, "Everything is in place: the collaboration can start.")
        self.assertContains(response, "Recorded by alice")
        self.login(self.carol)
        self.assertEqual(
            self.client.get(f"/collaborations/{collaboration.pk}/gates/").status_code, 403
        )

    # The API ---------------------------------------------------------------------------

    def api(self, method: str, url: str, body: Any = None) -> Any:
        return getattr(self.client, method)(
            url, json.dumps(body or {}), content_type="application/json"
        )

    def test_the_api_cannot_start_a_collaboration_without_gates_or_parties(self):
        """The reproduction: create with a title and kind, then ask for "active"."""
        self.login(self.alice)
        response = self.api("post", API, {"title": "Via API", "kind": "research"})
        self.assertEqual(response.status_code, 201, response.content)
        pk = response.json()["id"]
        response = self.api("post", f"{API}/{pk}/status", {"status": "active", "version": 1})
        self.assertEqual(response.status_code, 400)
        self.assertIn("Record whether the gate is met", response.json()["detail"])
        self.assertEqual(self.status(Collaboration.objects.get(pk=pk)), "planned")
        body = self.client.get(f"{API}/{pk}").json()
        self.assertTrue(body["start_blockers"])
        self.assertFalse(body["gates_inherited"])
        self.assertIsNone(body["register_state"])

    def test_the_api_records_the_gates_and_then_starts(self):
        collaboration = self.make()
        self.login(self.alice)
        gates = {g.slug: {"met": True, "comment": "ok"} for g in Gate.objects.all()}
        response = self.api("post", f"{API}/{collaboration.pk}/gates", {"gates": gates})
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["start_blockers"], [])
        response = self.api(
            "post", f"{API}/{collaboration.pk}/gates", {"gates": {"horoscope": {"met": True}}}
        )
        self.assertEqual(response.status_code, 422)
        response = self.api(
            "post", f"{API}/{collaboration.pk}/status", {"status": "active", "version": 1}
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["register_state"], "preview")

    # The admin -------------------------------------------------------------------------

    def test_the_admin_cannot_change_the_status(self):
        collaboration = self.make()
        self.login(self.erin)
        url = f"/admin/collaborations/collaboration/{collaboration.pk}/change/"
        page = self.client.get(url)
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, 'name="status"')
        response = self.client.post(url, {"title": "x", "kind": "research", "status": "active"})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(
            self.client.get("/admin/collaborations/collaboration/add/").status_code, 403
        )
        self.assertEqual(self.status(collaboration), "planned")


class EndingTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.skane = Organisation.objects.get(name="Region Skåne")

    def started(self, **dates: Any) -> Collaboration:
        today = timezone.localdate()
        collaboration = actions.do_create_collaboration(
            self.alice,
            actions.CollaborationData(
                title="Avbrutet samarbete",
                kind="pilot",
                start_date=dates.get("start", today - datetime.timedelta(days=100)),
                end_date=dates.get("end", today + datetime.timedelta(days=300)),
            ),
        )
        for org, role in [(self.acme, "company"), (self.skane, "infrastructure_party")]:
            actions.do_save_party(collaboration, self.alice, actions.PartyData(org, role))
        self.pass_gates(collaboration)
        actions.do_change_collaboration_status(collaboration, self.alice, "active")
        collaboration.refresh_from_db()
        return collaboration

    def test_ending_early_plans_the_final_follow_up_and_shows_it_is_due(self):
        translation.activate("en")
        self.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        collaboration = self.started()
        actions.do_change_collaboration_status(collaboration, self.alice, "ended_early")
        collaboration.refresh_from_db()
        today = timezone.localdate()
        self.assertEqual(collaboration.end_date, today)
        final = collaboration.follow_ups.get(kind=FollowUp.Kind.FINAL)
        self.assertEqual(final.due_date, today + datetime.timedelta(days=30))
        # The interim conversations still ahead are no longer held.
        self.assertFalse(
            collaboration.follow_ups.filter(kind="interim", due_date__gt=today).exists()
        )
        self.assertEqual(collaboration.phase_label, "Ending, follow-up due")
        self.login(self.alice)
        self.assertContains(
            self.client.get(collaboration.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en"),
            "Ending, follow-up due",
        )
        self.assertContains(
            self.client.get("/collaborations/", HTTP_ACCEPT_LANGUAGE="en"),
            "Ending, follow-up due",
        )
        actions.do_record_follow_up(
            final, self.alice, actions.FollowUpRecord(held_on=today, lessons="Avbröts tidigt")
        )
        collaboration.refresh_from_db()
        self.assertEqual(collaboration.phase_label, "Ended early")

    def test_the_reminders_keep_coming_until_the_final_follow_up_is_recorded(self):
        collaboration = self.started()
        actions.do_change_collaboration_status(collaboration, self.alice, "ended_early")
        final = collaboration.follow_ups.get(kind=FollowUp.Kind.FINAL)
        late = final.due_date + datetime.timedelta(days=1)
        self.assertEqual(send_due_reminders(late)["follow_ups"], 1)
        self.assertEqual(send_due_reminders(late)["follow_ups"], 0)
        self.assertEqual(send_due_reminders(late + datetime.timedelta(days=7))["follow_ups"], 1)
        self.assertEqual(send_due_reminders(late + datetime.timedelta(days=14))["follow_ups"], 1)
        actions.do_record_follow_up(
            final, self.alice, actions.FollowUpRecord(held_on=timezone.localdate())
        )
        self.assertEqual(send_due_reminders(late + datetime.timedelta(days=21))["follow_ups"], 0)

    def test_a_planned_collaboration_that_ends_needs_no_follow_up(self):
        collaboration = actions.do_create_collaboration(
            self.alice, actions.CollaborationData(title="Aldrig startat", kind="pilot")
        )
        actions.do_change_collaboration_status(collaboration, self.alice, "ended_early")
        collaboration.refresh_from_db()
        self.assertFalse(collaboration.follow_ups.exists())
        self.assertFalse(collaboration.final_follow_up_due())
