"""The network and needs-board API: every endpoint by role, and the rules the pages keep."""

import datetime
import json
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from samverkan.api.actions import do_create_api_token
from samverkan.api.models import ApiToken
from samverkan.needs import actions as need_actions
from samverkan.needs.models import Need
from samverkan.orgs import actions
from samverkan.orgs.models import Contact, Event, Interaction, Organisation
from samverkan.test import BaseTestCase, valid_orgnr

API = "/api/v1"
PEOPLE = ["anon", "alice", "bob", "carol", "dave", "erin", "mallory", "oscar"]
# GMS reads the network; company users are refused; nobody anonymous gets in.
NETWORK_READ = {
    "anon": 401,
    "alice": 200,
    "bob": 200,
    "carol": 403,
    "dave": 200,
    "erin": 200,
    "mallory": 403,
    "oscar": 200,
}


class NetworkApiTestCase(BaseTestCase):
    contact: Contact
    erased: Contact
    event: Event
    draft: Need
    published: Need

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.contact = actions.do_save_contact(
            cls.alice, cls.acme, actions.ContactData(name="Ada Lind", email="ada@acme.example")
        )
        cls.erased = actions.do_save_contact(
            cls.alice, cls.acme, actions.ContactData(name="Gone Person", email="gone@acme.example")
        )
        Contact.objects.filter(pk=cls.erased.pk).update(erased_at=timezone.now())
        actions.do_log_interaction(
            cls.alice,
            cls.acme,
            actions.InteractionData(
                kind=Interaction.Kind.MEETING,
                date=datetime.date(2025, 3, 1),
                subject="Första mötet",
                contacts=[cls.contact],
            ),
        )
        cls.event = actions.do_save_event(
            cls.alice,
            actions.EventData(
                title="Industridag",
                kind=Event.Kind.INDUSTRY_DAY,
                date=datetime.date(2025, 5, 20),
                committees=[cls.rare],
            ),
        )
        actions.do_add_event_participant(
            cls.alice, cls.event, organisation=cls.acme, contact=cls.contact
        )
        cls.published = need_actions.do_save_need(
            cls.bob,
            need_actions.NeedData(
                committee=cls.rare,
                title="Publicerat behov",
                description="Vi söker partner.",
                kind="research",
                status=Need.Status.PUBLISHED,
            ),
        )
        cls.draft = need_actions.do_save_need(
            cls.bob,
            need_actions.NeedData(
                committee=cls.rare,
                title="Utkast",
                description="Ännu inte publicerat.",
                kind="research",
            ),
        )

    def setUp(self) -> None:
        super().setUp()
        translation.activate("en")
        self.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    # Requests ---------------------------------------------------------------------------

    def as_(self, who: str) -> None:
        self.client.logout()
        if who != "anon":
            self.login(getattr(self, who))

    def send(self, method: str, url: str, body: Any = None) -> Any:
        if method == "get":
            return self.client.get(url)
        return getattr(self.client, method)(
            url, json.dumps(body if body is not None else {}), content_type="application/json"
        )

    def assert_statuses(
        self, method: str, url: str, expected: dict[str, int], body: Any = None
    ) -> None:
        for who in PEOPLE:
            with self.subTest(who=who, url=url):
                self.as_(who)
                response = self.send(method, url, body)
                self.assertEqual(response.status_code, expected[who], response.content)

    # Reading the network ----------------------------------------------------------------

    def test_it_lets_gms_read_the_network_and_refuses_company_users(self) -> None:
        for url in [
            f"{API}/organisations",
            f"{API}/organisations/{self.acme.pk}",
            f"{API}/organisations/{self.acme.pk}/contacts",
            f"{API}/organisations/{self.acme.pk}/interactions",
            f"{API}/events",
            f"{API}/events/{self.event.pk}",
        ]:
            self.assert_statuses("get", url, NETWORK_READ)

    def test_it_lists_organisations_with_the_network_filters(self) -> None:
        self.as_("dave")
        response = self.client.get(f"{API}/organisations?q=acme")
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual(body["count"], 1)
        self.assertEqual(body["items"][0]["name"], "Acme Genomik AB")
        self.assertEqual(body["items"][0]["contact_count"], 1)  # the erased one is not counted

    def test_it_answers_422_for_an_unknown_filter_value(self) -> None:
        self.as_("alice")
        response = self.client.get(f"{API}/organisations?kind=spaceship")
        self.assertEqual(response.status_code, 422)
        self.assertIn("kind", response.json()["errors"])

    def test_it_keeps_the_query_count_constant_on_the_organisation_list(self) -> None:
        self.as_("alice")

        def count() -> int:
            with CaptureQueriesContext(connection) as queries:
                response = self.client.get(f"{API}/organisations")
            self.assertEqual(response.status_code, 200)
            return len(queries)

        few = count()
        for n in range(35):
            org = Organisation.objects.create(name=f"Bolag {n:02}")
            Contact.objects.create(organisation=org, name=f"P {n}", email=f"p{n}@example.org")
        self.assertGreaterEqual(Organisation.objects.count(), 35)
        self.assertEqual(count(), few)

    def test_it_shows_erased_contacts_without_personal_data(self) -> None:
        self.as_("bob")
        response = self.client.get(f"{API}/organisations/{self.acme.pk}/contacts")
        rows = {row["id"]: row for row in response.json()}
        self.assertTrue(rows[self.erased.pk]["erased"])
        self.assertEqual(rows[self.erased.pk]["name"], "")
        self.assertEqual(rows[self.erased.pk]["email"], "")
        self.assertNotIn("gone@acme.example", response.content.decode())
        self.assertEqual(rows[self.contact.pk]["email"], "ada@acme.example")

    # Writing the network ----------------------------------------------------------------

    def test_it_lets_only_coordinators_add_organisations(self) -> None:
        expected = {**NETWORK_READ, "alice": 201, "erin": 201, "bob": 403, "dave": 403}
        expected["oscar"] = 403
        for n, who in enumerate(PEOPLE):
            with self.subTest(who=who):
                self.as_(who)
                response = self.send("post", f"{API}/organisations", {"name": f"Nytt {n} AB"})
                self.assertEqual(response.status_code, expected[who], response.content)
        self.assertTrue(Organisation.objects.filter(name="Nytt 1 AB").exists())
        self.assertFalse(Organisation.objects.filter(name="Nytt 2 AB").exists())

    def test_it_names_a_bad_organisation_number(self) -> None:
        self.as_("alice")
        response = self.send(
            "post", f"{API}/organisations", {"name": "Fel AB", "organisation_number": "123"}
        )
        self.assertEqual(response.status_code, 422)
        self.assertIn("organisation_number", response.json()["errors"])

    def test_it_updates_an_organisation_and_refuses_a_stale_version(self) -> None:
        self.as_("alice")
        url = f"{API}/organisations/{self.other.pk}"
        body = {
            "name": "Annat Bolag AB",
            "organisation_number": valid_orgnr("559900112"),
            "website": "https://annat.example",
            "version": self.other.version,
        }
        response = self.send("put", url, body)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["version"], self.other.version + 1)
        self.assertEqual(response.json()["website"], "https://annat.example")
        stale = self.send("put", url, {**body, "website": "https://old.example"})
        self.assertEqual(stale.status_code, 409)
        self.other.refresh_from_db()
        self.assertEqual(self.other.website, "https://annat.example")

    def test_it_refuses_an_update_from_a_viewer(self) -> None:
        self.as_("dave")
        response = self.send(
            "put", f"{API}/organisations/{self.acme.pk}", {"name": "X", "version": 1}
        )
        self.assertEqual(response.status_code, 403)

    def test_it_adds_and_edits_contacts(self) -> None:
        self.as_("alice")
        response = self.send(
            "post",
            f"{API}/organisations/{self.acme.pk}/contacts",
            {"name": "Bo Berg", "email": "BO@acme.example"},
        )
        self.assertEqual(response.status_code, 201, response.content)
        created = response.json()
        self.assertEqual(created["email"], "bo@acme.example")
        url = f"{API}/contacts/{created['id']}"
        body = {"name": "Bo Berg", "email": "bo@acme.example", "title": "VD", "version": 1}
        self.assertEqual(self.send("put", url, body).json()["title"], "VD")
        self.assertEqual(self.send("put", url, body).status_code, 409)

    def test_it_names_a_duplicate_contact_email(self) -> None:
        self.as_("alice")
        response = self.send(
            "post",
            f"{API}/organisations/{self.acme.pk}/contacts",
            {"name": "Ada Igen", "email": "ada@acme.example"},
        )
        self.assertEqual(response.status_code, 422)
        self.assertIn("email", response.json()["errors"])

    def test_it_refuses_contact_writes_to_others(self) -> None:
        body = {"name": "Ny", "email": "ny@acme.example"}
        expected = {**NETWORK_READ, "alice": 201, "erin": 422, "bob": 403, "dave": 403}
        expected["oscar"] = 403
        self.assert_statuses("post", f"{API}/organisations/{self.acme.pk}/contacts", expected, body)

    def test_it_logs_interactions(self) -> None:
        self.as_("alice")
        url = f"{API}/organisations/{self.acme.pk}/interactions"
        body = {
            "kind": "call",
            "date": "2025-04-02",
            "subject": "Uppföljning",
            "contacts": [self.contact.pk],
            "participants": ["bob"],
        }
        response = self.send("post", url, body)
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["participants"], ["bob"])
        listed = self.client.get(url).json()
        # The meeting, the industry day (logged by its participant) and the call.
        self.assertEqual(listed["count"], 3)
        self.assertEqual(
            [row["subject"] for row in listed["items"]],
            ["Industridag", "Uppföljning", "Första mötet"],
        )
        self.as_("dave")
        self.assertEqual(self.send("post", url, body).status_code, 403)

    def test_it_names_a_bad_interaction_kind_and_an_unknown_participant(self) -> None:
        self.as_("alice")
        url = f"{API}/organisations/{self.acme.pk}/interactions"
        body: dict[str, Any] = {"kind": "telepathy", "date": "2025-04-02", "subject": "X"}
        self.assertIn("kind", self.send("post", url, body).json()["errors"])
        body = {"kind": "call", "date": "2025-04-02", "subject": "X", "participants": ["zed"]}
        self.assertIn("participants", self.send("post", url, body).json()["errors"])

    def test_it_adds_events_and_shows_their_participants(self) -> None:
        body = {
            "title": "Webbinarium",
            "kind": "webinar",
            "date": "2025-09-01",
            "committees": ["rare_diseases"],
        }
        expected = {**NETWORK_READ, "alice": 201, "erin": 201, "bob": 403, "dave": 403}
        expected["oscar"] = 403
        self.assert_statuses("post", f"{API}/events", expected, body)
        self.as_("oscar")
        detail = self.client.get(f"{API}/events/{self.event.pk}").json()
        self.assertEqual(detail["committees"], ["rare_diseases"])
        self.assertEqual(detail["participants"][0]["contact_name"], "Ada Lind")
        self.assertEqual(detail["participants"][0]["organisation_name"], "Acme Genomik AB")
        listed = self.client.get(f"{API}/events?kind=webinar").json()
        self.assertEqual(listed["count"], 2)

    # The needs board --------------------------------------------------------------------

    def needs_seen_by(self, who: str) -> set[int]:
        self.as_(who)
        response = self.client.get(f"{API}/needs")
        self.assertEqual(response.status_code, 200)
        return {row["id"] for row in response.json()["items"]}

    def test_it_shows_published_needs_to_everyone_and_drafts_to_their_readers(self) -> None:
        published, draft = self.published.pk, self.draft.pk
        self.assertEqual(self.needs_seen_by("anon"), {published})
        self.assertEqual(self.needs_seen_by("carol"), {published})
        self.assertEqual(self.needs_seen_by("oscar"), {published})
        self.assertEqual(self.needs_seen_by("bob"), {published, draft})
        self.assertEqual(self.needs_seen_by("dave"), {published, draft})

    def test_it_answers_404_for_a_draft_the_caller_may_not_see(self) -> None:
        self.assert_statuses(
            "get",
            f"{API}/needs/{self.draft.pk}",
            {**NETWORK_READ, "anon": 404, "carol": 404, "mallory": 404, "oscar": 404},
        )
        self.as_("anon")
        self.assertEqual(self.client.get(f"{API}/needs/{self.published.pk}").status_code, 200)

    def test_it_shows_drafts_to_a_token_user(self) -> None:
        _, key = do_create_api_token(self.bob, "script", ApiToken.Scope.READ)
        response = self.client.get(f"{API}/needs", HTTP_AUTHORIZATION=f"Bearer {key}")
        self.assertEqual(response.json()["count"], 2)

    def test_it_lets_committee_members_write_needs_for_their_committees(self) -> None:
        body = {
            "committee": "rare_diseases",
            "title": "Nytt behov",
            "description": "Beskrivning",
            "kind": "research",
            "goals": [],
        }
        expected = {
            "anon": 401,
            "alice": 201,
            "bob": 201,
            "carol": 403,
            "dave": 403,
            "erin": 201,
            "mallory": 403,
            "oscar": 403,
        }
        self.assert_statuses("post", f"{API}/needs", expected, body)
        self.assertEqual(Need.objects.filter(title="Nytt behov").count(), 3)

    def test_it_names_a_bad_need_kind_and_an_unknown_committee(self) -> None:
        self.as_("alice")
        body = {"committee": "nope", "title": "T", "description": "D", "kind": "research"}
        self.assertIn("committee", self.send("post", f"{API}/needs", body).json()["errors"])
        body = {**body, "committee": "rare_diseases", "kind": "alchemy"}
        self.assertIn("kind", self.send("post", f"{API}/needs", body).json()["errors"])

    def test_it_updates_a_need_and_refuses_a_stale_version(self) -> None:
        self.as_("bob")
        url = f"{API}/needs/{self.draft.pk}"
        body = {
            "committee": "rare_diseases",
            "title": "Utkast, bättre",
            "description": "Ännu inte publicerat.",
            "kind": "research",
            "version": self.draft.version,
        }
        response = self.send("put", url, body)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["title"], "Utkast, bättre")
        self.assertEqual(self.send("put", url, body).status_code, 409)
        self.as_("oscar")
        self.assertEqual(
            self.send("put", f"{API}/needs/{self.published.pk}", body).status_code, 403
        )

    def test_it_publishes_a_need(self) -> None:
        self.as_("bob")
        url = f"{API}/needs/{self.draft.pk}/status"
        response = self.send("post", url, {"status": "published", "version": self.draft.version})
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["status"], "published")
        self.assertIsNotNone(response.json()["published_at"])
        stale = self.send("post", url, {"status": "closed", "version": self.draft.version})
        self.assertEqual(stale.status_code, 409)
        self.as_("anon")
        self.assertEqual(
            self.send("post", url, {"status": "closed", "version": 2}).status_code, 401
        )

    # The description --------------------------------------------------------------------

    def test_it_documents_every_path(self) -> None:
        paths = self.client.get(f"{API}/openapi.json").json()["paths"]
        for path in [
            "/api/v1/organisations",
            "/api/v1/organisations/{organisation_id}",
            "/api/v1/organisations/{organisation_id}/contacts",
            "/api/v1/contacts/{contact_id}",
            "/api/v1/organisations/{organisation_id}/interactions",
            "/api/v1/events",
            "/api/v1/events/{event_id}",
            "/api/v1/needs",
            "/api/v1/needs/{need_id}",
            "/api/v1/needs/{need_id}/status",
        ]:
            self.assertIn(path, paths)
        self.assertIn("put", paths["/api/v1/organisations/{organisation_id}"])
        self.assertIn("post", paths["/api/v1/needs"])
