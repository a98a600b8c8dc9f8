"""A collaboration's pages read a fixed number of queries, at most twelve, however many
parties, needs, funding applications, agreements, communications, follow-ups, answers
and waiting requests it has."""

import datetime
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from samverkan.agreements.actions import AgreementData, do_save_agreement
from samverkan.collaborations import actions
from samverkan.collaborations.models import (
    Collaboration,
    CollaborationParty,
    FollowUp,
    PartyRequest,
)
from samverkan.needs.actions import NeedData, do_link_collaboration, do_save_need
from samverkan.orgs.models import Centre, Committee, Contact, Organisation
from samverkan.strategy.models import Goal
from tests.test_collaborations import CollaborationTestCase

MAX_QUERIES = 12
Role = CollaborationParty.Role


class CollaborationPageQueriesTestCase(CollaborationTestCase):
    collaboration: Collaboration

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.collaboration = cls.acme_collaboration(
            "Helgenom för nyfödda", committees=[cls.rare], start_date=datetime.date(2026, 1, 1)
        )
        cls.grow(1)

    @classmethod
    def grow(cls, n: int) -> None:
        """Add n more of every kind of row the pages show."""
        collaboration = cls.collaboration
        committees = Committee.objects.exclude(collaborations=collaboration)[:n]
        collaboration.committees.add(*committees)
        collaboration.centres.add(*Centre.objects.exclude(collaborations=collaboration)[:n])
        collaboration.goals.add(*Goal.objects.exclude(collaborations=collaboration)[:n])
        grown = Organisation.objects.filter(name__startswith="Bolag ").count()
        for i in range(grown, grown + n):
            company = Organisation.objects.create(name=f"Bolag {i} AB")
            contact = Contact.objects.create(
                organisation=company, name=f"Kontakt {i}", email=f"k{i}@bolag{i}.example"
            )
            Contact.objects.create(
                organisation=company, name=f"Annan {i}", email=f"a{i}@bolag{i}.example"
            )
            actions.do_save_party(
                collaboration,
                cls.alice,
                actions.PartyData(
                    organisation=company, role=Role.COMPANY, approver=None, contact=contact
                ),
            )
            need = do_save_need(
                cls.alice,
                NeedData(
                    committee=cls.rare,
                    title=f"Behov {i}",
                    description="Ett behov",
                    kind="research",
                    status="published",
                ),
            )
            do_link_collaboration(need, cls.alice, collaboration)
            actions.do_save_funding_application(
                collaboration,
                cls.alice,
                actions.FundingData(
                    funder="other",
                    funder_name=f"Fond {i}",
                    call=f"Utlysning {i}",
                    amount_applied=Decimal(1000 + i),
                    applicants=[cls.acme, company],
                ),
            )
            do_save_agreement(
                collaboration,
                cls.alice,
                AgreementData(kind="collaboration", title=f"Avtal {i}", parties=[cls.acme]),
            )
            # Each communication asks the new company's contact person to approve it:
            # a request the collaboration waits for.
            actions.do_save_communication(
                collaboration,
                cls.alice,
                actions.CommunicationData(
                    kind="news", title=f"Nyhet {i}", text="Om samarbetet med GMS."
                ),
            )
            due = datetime.date(2026, 6, 1) + datetime.timedelta(days=i)
            follow_up = actions.do_add_follow_up(
                collaboration, cls.alice, FollowUp.Kind.INTERIM, due
            )
            for organisation in (cls.acme, company):
                actions.do_answer_follow_up(
                    follow_up, cls.alice, organisation, value_created="Mycket"
                )

    def count_queries(self, url: str, **headers: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(url, headers=headers)
        self.assertEqual(response.status_code, 200, url)
        return len(queries)

    def counts(self, url: str, *users: object, **headers: str) -> dict[str, int]:
        found = {}
        for user in users:
            self.login(user)  # type: ignore[arg-type]
            self.client.get(url, headers=headers)  # once, so that one-time work is not counted
            found[user.username] = self.count_queries(url, **headers)  # type: ignore[attr-defined]
        return found

    def assert_constant(self, url: str, *users: object, **headers: str) -> None:
        few = self.counts(url, *users, **headers)
        self.grow(4)
        many = self.counts(url, *users, **headers)
        self.assertEqual(few, many, url)
        self.assertLessEqual(max(many.values()), MAX_QUERIES, many)

    def test_the_page_reads_the_same_queries_for_every_role_whatever_its_size(self):
        users = [self.alice, self.bob, self.carol, self.dave, self.erin]
        self.assert_constant(self.collaboration.get_absolute_url(), *users)
        # Everything grown is on the page.
        self.login(self.alice)
        response = self.client.get(self.collaboration.get_absolute_url())
        context = response.context
        grown = 5
        self.assertEqual(len(context["parties"]), 2 + grown)
        self.assertEqual(len(context["needs"]), grown)
        self.assertEqual(len(context["funding"]), grown)
        self.assertEqual(len(context["agreements"]), grown)
        self.assertEqual(len(context["communications"]), grown)
        self.assertEqual(len(context["follow_ups"]), grown)
        self.assertEqual(len(context["committees"]), self.collaboration.committees.count())
        self.assertEqual(len(context["goals"]), self.collaboration.goals.count())
        self.assertEqual(len(context["centres"]), self.collaboration.centres.count())
        self.assertContains(response, "Acme Genomik AB, Bolag 4 AB")
        self.assertTrue(self.collaboration.party_requests.filter(answered_at=None).exists())
        self.assertContains(response, 'hx-get="/collaborations/')

    def test_each_party_sees_only_its_own_answers_counted(self):
        url = self.collaboration.get_absolute_url()
        self.login(self.alice)
        self.assertEqual([f.answer_count for f in self.client.get(url).context["follow_ups"]], [2])
        self.login(self.carol)
        response = self.client.get(url)
        self.assertEqual([f.answer_count for f in response.context["follow_ups"]], [1])
        self.assertEqual(len(response.context["agreements"]), 1)

    def test_the_start_blockers_read_no_more_as_parties_grow(self):
        self.collaboration.start_date = None
        self.collaboration.save()
        self.login(self.alice)
        response = self.client.get(self.collaboration.get_absolute_url())
        self.assertEqual(
            response.context["start_blockers"],
            ["Give the start date before the collaboration starts."],
        )
        self.assertEqual(response.context["start_blockers"], self.collaboration.start_blockers())
        self.assertEqual(len(response.context["gate_answers"]), 4)
        self.assert_constant(self.collaboration.get_absolute_url(), self.alice)

    def test_the_waiting_panel_reads_the_same_queries_however_many_wait(self):
        url = f"/collaborations/{self.collaboration.pk}/waiting/"
        self.assert_constant(url, self.alice, self.erin, HX_Request="true")
        self.assert_constant(url, self.alice)
        self.login(self.alice)
        panel = self.client.get(url, headers={"HX-Request": "true"})
        self.assertContains(panel, "Link sent to Kontakt 0")
        self.assertNotContains(panel, "<html")
        response = self.client.get(url)
        waiting = PartyRequest.objects.filter(
            collaboration=self.collaboration, answered_at=None
        ).count()
        self.assertEqual(len(response.context["waiting"]), waiting)
        # Each form offers its own party's contact persons, the one asked chosen.
        request, form = response.context["waiting"][0]
        choices = [label for _value, label in form.fields["contact"].choices]
        self.assertEqual(
            sorted(choices), ["Annan 0 <a0@bolag0.example>", "Kontakt 0 <k0@bolag0.example>"]
        )
        self.assertEqual(form["contact"].value(), request.contact_id)
        self.login(self.carol)
        self.assertEqual(self.client.get(url).status_code, 403)

    def test_the_other_pages_of_a_collaboration_stay_within_the_limit(self):
        follow_up = self.collaboration.follow_ups.get()
        activity = self.collaboration.communications.get()
        agreement = self.collaboration.agreements.get()
        pk = self.collaboration.pk
        staff = [self.alice, self.erin]
        readers = [self.alice, self.bob, self.carol, self.dave, self.erin]
        for url, users in [
            (follow_up.get_absolute_url(), readers),
            (activity.get_absolute_url(), readers),
            (f"/collaborations/{pk}/history/", readers),
            (f"/collaborations/{pk}/agreements/{agreement.pk}/", readers),
            (f"/collaborations/{pk}/edit/", staff),
            (f"/collaborations/{pk}/gates/", staff),
            (f"/collaborations/{pk}/parties/new/", staff),
            (f"/collaborations/{pk}/funding/new/", staff),
        ]:
            with self.subTest(url=url):
                self.assert_constant(url, *users)

    def test_the_lists_stay_within_the_limit(self):
        self.collaboration.follow_ups.update(
            due_date=timezone.localdate(), held_on=None, lessons=""
        )
        for url, users in [
            ("/collaborations/", [self.alice, self.bob, self.carol, self.dave]),
            ("/collaborations/follow-ups/", [self.alice, self.dave]),
            ("/collaborations/lessons/", [self.alice, self.bob, self.dave]),
        ]:
            with self.subTest(url=url):
                self.assert_constant(url, *users)
