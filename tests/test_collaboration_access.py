"""Deny by default on the collaboration pages: every persona against every URL."""

import datetime

from django.test import Client

from samverkan.agreements.actions import AgreementData, do_save_agreement
from samverkan.agreements.models import Agreement
from samverkan.collaborations import actions
from samverkan.collaborations.models import CollaborationParty, FollowUpAnswer
from samverkan.orgs.models import Organisation
from samverkan.test import BaseTestCase

ROLES = ["anon", "alice", "bob", "carol", "dave", "erin", "mallory", "oscar"]
LOGIN = 302  # anonymous visitors are sent to the login page
EVERYONE = {**dict.fromkeys(ROLES, 200), "anon": LOGIN}
NOT_COMPANIES = {**EVERYONE, "carol": 403, "mallory": 403}
READ_ALL = {**EVERYONE, "bob": 403, "carol": 403, "mallory": 403, "oscar": 403}
# Pages only coordinators and administrators use; the role is checked before the record.
STAFF_PAGE = {**dict.fromkeys(ROLES, 403), "anon": LOGIN, "alice": 200, "erin": 200}
STAFF_ACTION = {**STAFF_PAGE, "alice": 302, "erin": 302}
# Acme's collaboration, routed to rare diseases: bob's committee, not oscar's.
VISIBLE_TO_ACME = {**EVERYONE, "mallory": 404, "oscar": 404}
ANSWER = {**VISIBLE_TO_ACME, "bob": 403, "dave": 403}


class CollaborationAccessTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.skane = Organisation.objects.get(name="Region Skåne")
        cls.collaboration = actions.do_create_collaboration(
            cls.alice,
            actions.CollaborationData(
                title="Acme och sällsynta diagnoser",
                kind="research",
                internal_notes="Förhandlar om pris",
                start_date=datetime.date(2024, 1, 15),
                end_date=datetime.date(2024, 12, 31),
                committees=[cls.rare],
            ),
        )
        cls.party = actions.do_save_party(
            cls.collaboration,
            cls.alice,
            actions.PartyData(organisation=cls.acme, role=CollaborationParty.Role.COMPANY),
        )
        actions.do_save_party(
            cls.collaboration,
            cls.alice,
            actions.PartyData(organisation=cls.skane, role=CollaborationParty.Role.INFRASTRUCTURE),
        )
        # A party to an agreement cannot be removed, so the matrix's removals change nothing.
        do_save_agreement(
            cls.collaboration,
            cls.alice,
            AgreementData(
                kind=Agreement.Kind.COLLABORATION,
                title="Samarbetsavtal",
                parties=[cls.acme, cls.skane],
            ),
        )
        cls.funding = actions.do_save_funding_application(
            cls.collaboration,
            cls.alice,
            actions.FundingData(funder="vinnova", call="Precisionsmedicin", amount_applied=100),
        )
        cls.follow_up = actions.do_add_follow_up(
            cls.collaboration, cls.alice, "interim", datetime.date(2024, 6, 15)
        )
        # Mallory's own collaboration: Acme's people must never reach it.
        cls.others = actions.do_create_collaboration(
            cls.alice,
            actions.CollaborationData(title="Annat Bolags projekt", kind="pilot"),
        )
        actions.do_save_party(
            cls.others,
            cls.alice,
            actions.PartyData(organisation=cls.other, role=CollaborationParty.Role.COMPANY),
        )
        cls.others_follow_up = actions.do_add_follow_up(
            cls.others, cls.alice, "final", datetime.date(2024, 6, 15)
        )

    def matrix(self):
        pk = self.collaboration.pk
        party = self.party.pk
        funding = self.funding.pk
        follow_up = self.follow_up.pk
        return [
            ("get", "/collaborations/", EVERYONE),
            ("get", "/collaborations/new/", STAFF_PAGE),
            ("post", "/collaborations/new/", STAFF_PAGE),  # an empty form: shown again
            ("get", "/collaborations/follow-ups/", READ_ALL),
            ("get", "/collaborations/lessons/", NOT_COMPANIES),
            ("get", f"/collaborations/{pk}/", VISIBLE_TO_ACME),
            ("get", f"/collaborations/{pk}/history/", VISIBLE_TO_ACME),
            ("get", f"/collaborations/{pk}/edit/", STAFF_PAGE),
            ("post", f"/collaborations/{pk}/edit/", STAFF_PAGE),
            ("post", f"/collaborations/{pk}/status/", STAFF_ACTION),
            ("get", f"/collaborations/{pk}/parties/new/", STAFF_PAGE),
            ("post", f"/collaborations/{pk}/parties/new/", STAFF_PAGE),
            ("get", f"/collaborations/{pk}/parties/{party}/", STAFF_PAGE),
            ("post", f"/collaborations/{pk}/parties/{party}/", STAFF_PAGE),
            ("post", f"/collaborations/{pk}/parties/{party}/remove/", STAFF_ACTION),
            ("get", f"/collaborations/{pk}/funding/new/", STAFF_PAGE),
            ("post", f"/collaborations/{pk}/funding/new/", STAFF_PAGE),
            ("get", f"/collaborations/{pk}/funding/{funding}/", STAFF_PAGE),
            ("post", f"/collaborations/{pk}/funding/{funding}/", STAFF_PAGE),
            ("get", f"/collaborations/{pk}/follow-ups/new/", STAFF_PAGE),
            ("post", f"/collaborations/{pk}/follow-ups/new/", STAFF_PAGE),
            ("get", f"/collaborations/{pk}/follow-ups/{follow_up}/", VISIBLE_TO_ACME),
            ("post", f"/collaborations/{pk}/follow-ups/{follow_up}/", ANSWER),
        ]

    def client_for(self, role: str) -> Client:
        client = Client()
        if role != "anon":
            client.force_login(
                getattr(self, role), backend="django.contrib.auth.backends.ModelBackend"
            )
        return client

    def test_it_answers_every_persona_on_every_url_as_intended(self):
        for role in ROLES:
            client = self.client_for(role)
            for method, url, expected in self.matrix():
                with self.subTest(role=role, method=method, url=url):
                    response = client.get(url) if method == "get" else client.post(url, {})
                    self.assertEqual(response.status_code, expected[role])
                    if expected[role] == LOGIN and role == "anon":
                        self.assertIn("/accounts/login/", response["Location"])
        # Nothing the matrix posted changed anything.
        self.assertTrue(CollaborationParty.objects.filter(pk=self.party.pk).exists())
        self.assertFalse(FollowUpAnswer.objects.exists())

    def test_it_answers_404_for_another_companys_collaboration(self):
        self.login(self.carol)
        for url in [
            f"/collaborations/{self.others.pk}/",
            f"/collaborations/{self.others.pk}/history/",
            f"/collaborations/{self.others.pk}/follow-ups/{self.others_follow_up.pk}/",
        ]:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)
        response = self.client.post(
            f"/collaborations/{self.others.pk}/follow-ups/{self.others_follow_up.pk}/",
            {"form": "answer", "value_created": "Inget"},
        )
        self.assertEqual(response.status_code, 404)
        self.assertFalse(FollowUpAnswer.objects.exists())

    def test_it_answers_404_for_a_part_reached_through_another_collaboration(self):
        self.login(self.alice)
        pk = self.collaboration.pk
        others_party = self.others.parties.get()
        for url in [
            f"/collaborations/{pk}/follow-ups/{self.others_follow_up.pk}/",
            f"/collaborations/{self.others.pk}/funding/{self.funding.pk}/",
            f"/collaborations/{pk}/parties/{others_party.pk}/",
        ]:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)

    def test_it_lists_only_what_each_persona_may_see(self):
        expectations = {
            "alice": {self.collaboration.title, self.others.title},
            "dave": {self.collaboration.title, self.others.title},
            "bob": {self.collaboration.title},
            "carol": {self.collaboration.title},
            "mallory": {self.others.title},
            "oscar": set(),
        }
        for role, titles in expectations.items():
            with self.subTest(role=role):
                response = self.client_for(role).get("/collaborations/")
                shown = {c.title for c in response.context["page"]}
                self.assertEqual(shown, titles)

    def test_it_lets_committee_members_see_their_committees_collaborations_only(self):
        self.login(self.oscar)
        self.assertEqual(
            self.client.get(f"/collaborations/{self.collaboration.pk}/").status_code, 404
        )
        self.collaboration.committees.add(self.education)
        self.assertEqual(
            self.client.get(f"/collaborations/{self.collaboration.pk}/").status_code, 200
        )
