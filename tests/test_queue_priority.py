"""The queue orders work by computed priority and filters by gate outcome; the assessment
shows each score level's meaning and the formula by criteria names."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from samverkan.inquiries import actions
from samverkan.test import BaseTestCase


class QueueTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.low = cls.routed(title="Låg prioritet")
        actions.do_save_assessment(cls.low, cls.rare, cls.bob, cls.assessment_input(score=1))
        cls.high = cls.routed(title="Hög prioritet")
        actions.do_save_assessment(cls.high, cls.rare, cls.bob, cls.assessment_input(score=3))
        cls.failing = cls.routed(title="Exklusivt")
        actions.do_save_assessment(
            cls.failing,
            cls.rare,
            cls.bob,
            cls.assessment_input(failing=("non_exclusive",), score=2),
        )
        cls.waiting = cls.routed(title="Ej bedömd")

    def titles(self, **query: str) -> list[str]:
        self.login(self.alice)
        response = self.client.get("/inquiries/", {"state": "open", **query})
        self.assertEqual(response.status_code, 200)
        return [i.title for i in response.context["page"]]

    def test_it_sorts_by_computed_priority(self):
        self.assertEqual(
            self.titles(sort="priority"),
            ["Hög prioritet", "Exklusivt", "Låg prioritet", "Ej bedömd"],
        )
        self.assertEqual(self.titles()[0], "Ej bedömd")  # newest first by default
        self.assertEqual(self.titles(sort="oldest")[0], "Låg prioritet")

    def test_it_filters_by_gate_outcome(self):
        self.assertEqual(sorted(self.titles(gates="passed")), ["Hög prioritet", "Låg prioritet"])
        self.assertEqual(self.titles(gates="failed"), ["Exklusivt"])
        self.assertEqual(self.titles(gates="unassessed"), ["Ej bedömd"])

    def test_the_api_uses_the_same_filters(self):
        self.login(self.alice)
        body = self.client.get("/api/v1/inquiries", {"gates": "failed"}).json()
        items = body["items"] if isinstance(body, dict) else body
        self.assertEqual([i["title"] for i in items], ["Exklusivt"])

    def test_the_priority_column_costs_no_query_per_row(self):
        self.login(self.alice)

        def count() -> int:
            with CaptureQueriesContext(connection) as queries:
                self.client.get("/inquiries/", {"sort": "priority"})
            return len(queries)

        before = count()
        for i in range(5):
            inquiry = self.routed(title=f"Fler {i}")
            actions.do_save_assessment(inquiry, self.rare, self.bob, self.assessment_input())
        self.assertEqual(count(), before)


class DecisionPageTestCase(BaseTestCase):
    def test_it_lists_each_committees_recommendation_and_who_decides_next(self):
        inquiry = self.routed(self.rare, self.informatics)
        data = self.assessment_input()
        data.recommendation = "more_information"
        actions.do_save_assessment(inquiry, self.rare, self.bob, data)
        self.login(self.alice)
        response = self.client.get(inquiry.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(response, "Rare diseases: Ask the company for more")
        self.assertContains(response, "Informatics")  # routed, not yet assessed
        self.assertContains(response, "A coordinator decides next")
        actions.do_assign_inquiry(inquiry, self.alice)
        response = self.client.get(inquiry.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(response, "alice, the assigned coordinator, decides next.")

    def test_an_unknown_recommendation_is_refused(self):
        from django.core.exceptions import ValidationError

        inquiry = self.routed()
        data = self.assessment_input()
        data.recommendation = "maybe"
        with self.assertRaises(ValidationError):
            actions.do_save_assessment(inquiry, self.rare, self.bob, data)

    def test_the_routing_message_reaches_the_committee(self):
        from samverkan.core.models import OutboundEmail

        inquiry = self.submit()
        actions.do_route_inquiry(
            inquiry, self.alice, [self.rare], note="Titta särskilt på datadelningen."
        )
        mail = OutboundEmail.objects.filter(to=self.bob.email).get()
        self.assertIn("Titta särskilt på datadelningen.", mail.body)
        self.login(self.bob)
        response = self.client.get(inquiry.get_absolute_url())
        self.assertContains(response, "Titta särskilt på datadelningen.")


class OrganisationKindTestCase(BaseTestCase):
    def test_the_strategys_audiences_are_organisation_kinds(self):
        from samverkan.orgs.models import Organisation

        for kind, name in [
            ("patient_organisation", "Riksförbundet Sällsynta diagnoser"),
            ("research_infrastructure", "SciLifeLab"),
            ("authority", "Läkemedelsverket"),
        ]:
            Organisation.objects.create(name=name, kind=kind)
        self.login(self.alice)
        response = self.client.get("/organisations/", {"kind": "research_infrastructure"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "SciLifeLab")
        self.assertNotContains(response, "Läkemedelsverket")
        self.assertContains(
            self.client.get("/organisations/new/", HTTP_ACCEPT_LANGUAGE="en"),
            "Patient organisation",
        )
