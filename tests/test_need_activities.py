"""Needs lead to activities, and regional centres take part: a need's state, its links to
the inquiries and collaborations that answer it, centre members writing needs, and a
centre as a party, on every path (actions, pages, API, admin)."""

import datetime
import json
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from samverkan.accounts.models import Role, User
from samverkan.collaborations import actions as collaboration_actions
from samverkan.collaborations.models import Collaboration, CollaborationNeed
from samverkan.inquiries import actions as inquiry_actions
from samverkan.inquiries.models import Inquiry
from samverkan.needs import actions
from samverkan.needs.models import Need
from samverkan.needs.querysets import needs_coverage
from samverkan.orgs.models import Centre, Committee, Organisation
from samverkan.register.actions import enter_register, publish_due_entries
from samverkan.test import BaseTestCase

S = Need.State


class ActivityTestCase(BaseTestCase):
    """Personas plus a centre member (lena, GMC Syd) and needs of a committee and a centre."""

    lena: User
    syd: Centre
    karolinska: Centre
    rare_need: Need
    centre_need: Need

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.syd = Centre.objects.get(slug="syd")
        cls.karolinska = Centre.objects.get(slug="karolinska")
        cls.lena = cls._user("lena", Role.COMMITTEE)
        cls.syd.members.add(cls.lena)
        cls.rare_need = cls.need(cls.alice, committee=cls.rare, title="Långläsning")
        cls.centre_need = cls.need(cls.lena, centre=cls.syd, title="Snabb diagnostik i Skåne")

    @classmethod
    def need(
        cls,
        actor: User,
        *,
        committee: Committee | None = None,
        centre: Centre | None = None,
        title: str = "Ett behov",
        status: str = Need.Status.PUBLISHED,
    ) -> Need:
        return actions.do_save_need(
            actor,
            actions.NeedData(
                committee=committee,
                centre=centre,
                title=title,
                description="Vad vi behöver.",
                kind="research",
                status=status,
            ),
        )

    @classmethod
    def collaboration(
        cls, title: str = "Ett samarbete", *, committees: list[Committee] | None = None
    ) -> Collaboration:
        return collaboration_actions.do_create_collaboration(
            cls.alice,
            collaboration_actions.CollaborationData(
                title=title, kind="research", committees=committees or []
            ),
        )

    @staticmethod
    def state(need: Need) -> str:
        return Need.objects.get(pk=need.pk).state

    def client_for(self, user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client


class NeedStateTestCase(ActivityTestCase):
    def test_the_committee_page_shows_each_public_need_with_its_state(self):
        collaboration = self.collaboration(committees=[self.rare])
        addressed = self.need(self.alice, committee=self.rare, title="Metylering")
        actions.do_link_collaboration(addressed, self.alice, collaboration)
        draft = self.need(self.alice, committee=self.rare, title="Utkastet", status="draft")
        html = Client().get("/committees/rare_diseases/", HTTP_ACCEPT_LANGUAGE="en")
        text = html.content.decode()
        self.assertIn('Långläsning</a> <span class="badge badge-open">Open</span>', text)
        self.assertIn('Metylering</a> <span class="badge badge-addressed">', text)
        self.assertNotIn(draft.title, text)

    def test_a_published_need_is_open_until_an_inquiry_in_progress_answers_it(self):
        self.assertEqual(self.state(self.rare_need), S.OPEN)
        inquiry = self.submit()
        Inquiry.objects.filter(pk=inquiry.pk).update(need=self.rare_need)
        self.assertEqual(self.state(self.rare_need), S.ADDRESSED)
        # A declined inquiry works on nothing: the need is open again.
        Inquiry.objects.filter(pk=inquiry.pk).update(status=Inquiry.Status.DECLINED)
        self.assertEqual(self.state(self.rare_need), S.OPEN)

    def test_a_planned_or_active_collaboration_addresses_it_an_ended_one_no_longer(self):
        collaboration = self.collaboration(committees=[self.rare])
        actions.do_link_collaboration(self.rare_need, self.alice, collaboration)
        self.assertEqual(self.state(self.rare_need), S.ADDRESSED)
        Collaboration.objects.filter(pk=collaboration.pk).update(status="active")
        self.assertEqual(self.state(self.rare_need), S.ADDRESSED)
        Collaboration.objects.filter(pk=collaboration.pk).update(status="completed")
        self.assertEqual(self.state(self.rare_need), S.OPEN)

    def test_the_annotated_state_agrees_with_the_asked_one(self):
        collaboration = self.collaboration()
        actions.do_link_collaboration(self.centre_need, self.alice, collaboration)
        draft = self.need(self.alice, committee=self.rare, status=Need.Status.DRAFT)
        rows = {n.pk: n.state for n in Need.objects.with_state()}
        self.assertEqual(rows[self.centre_need.pk], S.ADDRESSED)
        self.assertEqual(rows[self.rare_need.pk], S.OPEN)
        self.assertEqual(rows[draft.pk], S.DRAFT)
        self.assertEqual(set(Need.objects.in_state(S.ADDRESSED)), {self.centre_need})
        self.assertEqual(set(Need.objects.in_state(S.OPEN)), {self.rare_need})

    def test_marking_met_records_who_and_when_and_only_from_published(self):
        before = timezone.now()
        need = actions.do_change_need_status(self.rare_need, self.bob, Need.Status.MET)
        self.assertEqual((need.status, need.state, need.met_by), ("met", S.MET, self.bob))
        self.assertGreaterEqual(need.met_at, before)
        self.assertEqual(need.history.latest().history_user, self.bob)
        with self.assertRaises(ValidationError):  # a met need is reopened, never a draft
            actions.do_change_need_status(need, self.bob, Need.Status.DRAFT)
        need = actions.do_change_need_status(need, self.bob, Need.Status.PUBLISHED)
        self.assertIsNone(need.met_at)
        self.assertIsNone(need.met_by)
        draft = self.need(self.alice, committee=self.rare, status=Need.Status.DRAFT)
        with self.assertRaises(ValidationError):
            actions.do_change_need_status(draft, self.alice, Need.Status.MET)
        with self.assertRaises(ValidationError):  # nor is a new need born met
            self.need(self.alice, committee=self.rare, status=Need.Status.MET)

    def test_only_the_needs_owners_and_coordinators_mark_it_met(self):
        for user in [self.oscar, self.lena, self.carol, self.dave]:
            with self.subTest(user=user.username), self.assertRaises(PermissionDenied):
                actions.do_change_need_status(self.rare_need, user, Need.Status.MET)
        actions.do_change_need_status(self.centre_need, self.lena, Need.Status.MET)


class LinkTestCase(ActivityTestCase):
    def test_coordinators_and_the_needs_committee_link_what_they_see(self):
        theirs = self.collaboration("Bobs samarbete", committees=[self.rare])
        hidden = self.collaboration("Annat samarbete", committees=[self.education])
        self.assertTrue(actions.do_link_collaboration(self.rare_need, self.bob, theirs))
        self.assertFalse(actions.do_link_collaboration(self.rare_need, self.bob, theirs))
        link = CollaborationNeed.objects.get(need=self.rare_need)
        self.assertEqual(link.linked_by, self.bob)
        with self.assertRaises(PermissionDenied):  # bob cannot see it
            actions.do_link_collaboration(self.rare_need, self.bob, hidden)
        with self.assertRaises(PermissionDenied):  # not oscar's committee's need
            actions.do_link_collaboration(self.rare_need, self.oscar, hidden)
        actions.do_link_collaboration(self.rare_need, self.alice, hidden)
        self.assertEqual(set(self.rare_need.collaborations.all()), {theirs, hidden})
        self.assertTrue(actions.do_unlink_collaboration(self.rare_need, self.alice, hidden))
        self.assertEqual(list(self.rare_need.collaborations.all()), [theirs])

    def test_a_draft_or_closed_need_cannot_be_linked(self):
        collaboration = self.collaboration()
        for status in [Need.Status.DRAFT, Need.Status.CLOSED]:
            need = self.need(self.alice, committee=self.rare, status=status)
            with self.subTest(status=status), self.assertRaises(ValidationError):
                actions.do_link_collaboration(need, self.alice, collaboration)

    def test_a_centres_need_brings_the_centre_into_the_collaboration(self):
        collaboration = self.collaboration()
        actions.do_link_collaboration(self.centre_need, self.alice, collaboration)
        self.assertEqual(list(collaboration.centres.all()), [self.syd])
        # The centre's members now see the collaboration their centre takes part in.
        self.assertIn(collaboration, Collaboration.objects.visible_to(self.lena))

    def test_an_accepted_inquiry_answering_a_need_passes_the_need_on(self):
        inquiry = self.assessed()
        Inquiry.objects.filter(pk=inquiry.pk).update(need=self.centre_need)
        inquiry.refresh_from_db()
        inquiry_actions.do_decide_inquiry(inquiry, self.alice, Inquiry.Status.ACCEPTED)
        collaboration = Collaboration.objects.get(inquiry=inquiry)
        self.assertEqual(list(collaboration.needs.all()), [self.centre_need])
        self.assertEqual(list(collaboration.centres.all()), [self.syd])
        self.assertEqual(self.state(self.centre_need), S.ADDRESSED)


class CentreMembershipTestCase(ActivityTestCase):
    def test_a_centre_member_writes_and_publishes_needs_for_their_centre_only(self):
        draft = self.need(self.lena, centre=self.syd, status=Need.Status.DRAFT)
        self.assertEqual((draft.owner, draft.centre, draft.committee), (self.syd, self.syd, None))
        actions.do_change_need_status(draft, self.lena, Need.Status.PUBLISHED)
        with self.assertRaises(PermissionDenied):
            self.need(self.lena, centre=self.karolinska)
        with self.assertRaises(PermissionDenied):
            self.need(self.lena, committee=self.rare)
        with self.assertRaises(PermissionDenied):
            self.need(self.bob, centre=self.syd)
        with self.assertRaises(ValidationError):  # one owner, never two or none
            self.need(self.alice, committee=self.rare, centre=self.syd)
        with self.assertRaises(ValidationError):
            self.need(self.alice)

    def test_centre_members_see_their_centres_drafts_and_collaborations(self):
        draft = self.need(self.lena, centre=self.syd, status=Need.Status.DRAFT)
        self.assertIn(draft, Need.objects.visible_to(self.lena))
        self.assertNotIn(draft, Need.objects.visible_to(self.bob))
        self.assertIn(draft, Need.objects.editable_by(self.lena))
        collaboration = collaboration_actions.do_create_collaboration(
            self.alice,
            collaboration_actions.CollaborationData(
                title="Med Syd", kind="pilot", centres=[self.syd]
            ),
        )
        self.assertEqual(list(Collaboration.objects.visible_to(self.lena)), [collaboration])
        self.assertEqual(list(Collaboration.objects.visible_to(self.bob)), [])

    def test_the_new_need_page_offers_a_centre_member_their_centre(self):
        client = self.client_for(self.lena)
        page = client.get("/needs/new/")
        self.assertEqual(page.status_code, 200)
        self.assertEqual(page.context["form"].initial["centre"], "syd")
        response = client.post(
            "/needs/new/",
            {
                "centre": "syd",
                "committee": "",
                "title": "Ett nytt centerbehov",
                "description": "Beskrivning.",
                "kind": "pilot",
                "status": "published",
            },
        )
        need = Need.objects.get(title="Ett nytt centerbehov")
        self.assertRedirects(response, need.get_absolute_url())
        self.assertEqual((need.centre, need.status), (self.syd, "published"))
        # Both owners, or another centre, are refused by the form.
        both = client.post(
            "/needs/new/",
            {"centre": "syd", "committee": "rare_diseases", "title": "x", "description": "y"},
        )
        self.assertEqual(both.status_code, 200)
        self.assertFalse(Need.objects.filter(title="x").exists())
        # Someone who writes for no centre is not offered the field at all.
        self.assertNotIn(
            "centre", self.client_for(self.bob).get("/needs/new/").context["form"].fields
        )

    def test_the_admin_adds_members_to_a_centre_with_history(self):
        client = self.client_for(self.erin)
        page = client.get(f"/admin/orgs/centre/{self.syd.pk}/change/")
        self.assertContains(page, 'name="members"')
        self.assertTrue(self.syd.history.exists())


class LinkedNeedTestCase(ActivityTestCase):
    """The rare-diseases need answered by a routed inquiry, a collaboration of the committee
    and a collaboration in the public register."""

    inquiry: Inquiry
    open_collaboration: Collaboration
    public_collaboration: Collaboration

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.inquiry = cls.routed(title="Förfrågan om långläsning")
        Inquiry.objects.filter(pk=cls.inquiry.pk).update(need=cls.rare_need)
        cls.open_collaboration = cls.collaboration("Internt samarbete", committees=[cls.rare])
        cls.public_collaboration = cls.collaboration("Publikt samarbete")
        for collaboration in [cls.open_collaboration, cls.public_collaboration]:
            actions.do_link_collaboration(cls.rare_need, cls.alice, collaboration)
        enter_register(cls.public_collaboration)
        publish_due_entries(timezone.localdate() + datetime.timedelta(days=365))


class NeedPageTestCase(LinkedNeedTestCase):
    def test_anonymous_visitors_see_the_state_the_counts_and_the_public_entries_only(self):
        response = self.client_for(None).get(self.rare_need.get_absolute_url())
        self.assertContains(response, "Under arbete")
        self.assertContains(response, "1 förfrågan svarar på behovet.")
        self.assertContains(response, "2 samarbeten svarar på det.")
        self.assertContains(response, f"/register/{self.public_collaboration.pk}/")
        self.assertNotContains(response, self.inquiry.reference)
        self.assertNotContains(response, "Internt samarbete")

    def test_coordinators_see_every_inquiry_and_collaboration_and_link_more(self):
        response = self.client_for(self.alice).get(self.rare_need.get_absolute_url())
        self.assertContains(response, self.inquiry.reference)
        self.assertContains(response, "Internt samarbete")
        self.assertContains(response, "Publikt samarbete")
        self.assertIn("link_form", response.context)

    def test_a_committee_member_sees_their_committees_collaboration(self):
        response = self.client_for(self.bob).get(self.rare_need.get_absolute_url())
        self.assertContains(response, "Internt samarbete")
        self.assertContains(response, self.inquiry.reference)  # routed to rare diseases
        response = self.client_for(self.oscar).get(self.rare_need.get_absolute_url())
        self.assertNotContains(response, "Internt samarbete")
        self.assertNotContains(response, self.inquiry.reference)

    def test_the_page_costs_the_same_whatever_the_number_of_links(self):
        client = self.client_for(self.alice)
        url = self.rare_need.get_absolute_url()
        client.get(url)
        with CaptureQueriesContext(connection) as few:
            client.get(url)
        for i in range(4):
            inquiry = self.routed(title=f"Fler {i}", contact_email=f"fler{i}@acme.example")
            Inquiry.objects.filter(pk=inquiry.pk).update(need=self.rare_need)
            collaboration = self.collaboration(f"Fler {i}", committees=[self.rare])
            actions.do_link_collaboration(self.rare_need, self.alice, collaboration)
            enter_register(collaboration)
        publish_due_entries(timezone.localdate() + datetime.timedelta(days=365))
        with self.assertNumQueries(len(few.captured_queries)):
            response = client.get(url)
        self.assertEqual(len(response.context["collaborations"]), 6)
        self.assertEqual(len(response.context["inquiries"]), 5)

    def test_linking_and_unlinking_on_the_page(self):
        other = self.collaboration("Tredje samarbetet", committees=[self.rare])
        client = self.client_for(self.bob)
        url = f"/needs/{self.rare_need.pk}/collaborations/"
        response = client.post(url, {"collaboration": other.pk})
        self.assertRedirects(response, self.rare_need.get_absolute_url())
        self.assertIn(other, self.rare_need.collaborations.all())
        client.post(f"{url}remove/", {"collaboration": other.pk})
        self.assertNotIn(other, self.rare_need.collaborations.all())
        # Someone who may not write the need is refused; a get is not allowed.
        self.assertEqual(
            self.client_for(self.oscar).post(url, {"collaboration": 1}).status_code, 403
        )
        self.assertEqual(client.get(url).status_code, 405)

    def test_marking_met_on_the_page(self):
        client = self.client_for(self.bob)
        page = client.get(self.rare_need.get_absolute_url())
        self.assertContains(page, "Markera som uppfyllt")
        client.post(
            f"/needs/{self.rare_need.pk}/status/",
            {"status": "met", "version": self.rare_need.version},
        )
        need = Need.objects.get(pk=self.rare_need.pk)
        self.assertEqual((need.status, need.met_by), ("met", self.bob))
        page = self.client_for(None).get(need.get_absolute_url())
        self.assertContains(page, "Behovet markerades som uppfyllt")
        # Met needs are public, and the board shows them when asked.
        board = self.client_for(None).get("/needs/?state=met")
        self.assertEqual(list(board.context["page"]), [need])
        self.assertNotIn(need, self.client_for(None).get("/needs/").context["page"])

    def test_the_board_and_the_writers_list_show_each_needs_state(self):
        board = self.client_for(None).get("/needs/")
        self.assertContains(board, "Under arbete")
        self.assertContains(board, "Öppet")
        addressed = self.client_for(None).get("/needs/?state=addressed")
        self.assertEqual(list(addressed.context["page"]), [self.rare_need])
        mine = self.client_for(self.lena).get("/needs/mine/")
        self.assertEqual(list(mine.context["page"]), [self.centre_need])
        self.assertContains(mine, "Öppet")

    def test_the_collaboration_page_shows_the_needs_and_centres(self):
        actions.do_link_collaboration(self.centre_need, self.alice, self.open_collaboration)
        response = self.client_for(self.alice).get(self.open_collaboration.get_absolute_url())
        self.assertContains(response, "Behov som besvaras")
        self.assertContains(response, self.rare_need.get_absolute_url())
        self.assertContains(response, "GMC Syd")
        self.assertContains(response, "som deltar:")

    def test_the_coverage_page_counts_needs_with_an_activity(self):
        coverage = needs_coverage()
        rows = {c.slug: c for c in coverage.committees}
        self.assertEqual(
            (rows["rare_diseases"].active_needs, rows["rare_diseases"].addressed_needs), (1, 1)
        )
        centres = {c.slug: c for c in coverage.centres}
        self.assertEqual((centres["syd"].published_needs, centres["syd"].active_needs), (1, 0))
        self.assertEqual((coverage.described_needs, coverage.active_needs), (2, 1))
        page = self.client_for(self.alice).get("/needs/coverage/")
        self.assertContains(page, "1 av 2 publicerade eller uppfyllda behov")
        self.assertContains(page, "Behov per regionalt center")


class NeedApiTestCase(LinkedNeedTestCase):
    def get(self, user: User | None, path: str) -> Any:
        return self.client_for(user).get(f"/api/v1{path}")

    def test_the_need_shows_its_state_counts_and_what_the_caller_may_see(self):
        anonymous = self.get(None, f"/needs/{self.rare_need.pk}").json()
        self.assertEqual(anonymous["state"], "addressed")
        self.assertEqual((anonymous["inquiry_count"], anonymous["collaboration_count"]), (1, 2))
        self.assertEqual(anonymous["inquiries"], [])
        self.assertEqual(anonymous["collaborations"], [])
        self.assertEqual(anonymous["register_entries"], [self.public_collaboration.pk])
        coordinator = self.get(self.alice, f"/needs/{self.rare_need.pk}").json()
        self.assertEqual(coordinator["inquiries"], [self.inquiry.reference])
        self.assertEqual(
            coordinator["collaborations"],
            sorted([self.open_collaboration.pk, self.public_collaboration.pk]),
        )
        centre = self.get(None, f"/needs/{self.centre_need.pk}").json()
        self.assertEqual((centre["committee"], centre["centre"]), (None, "syd"))
        self.assertEqual(centre["state"], "open")

    def test_the_list_filters_by_state_and_centre_with_a_fixed_number_of_queries(self):
        for i in range(5):
            need = self.need(self.alice, committee=self.rare, title=f"Behov {i}")
            actions.do_link_collaboration(need, self.alice, self.open_collaboration)
        client = self.client_for(self.alice)
        # session, user, count, page (states and counts with it), goals, visible inquiries,
        # visible collaborations, public register entries: whatever the number of needs
        with self.assertNumQueries(8):
            rows = client.get("/api/v1/needs?state=addressed").json()["items"]
        self.assertEqual(len(rows), 6)
        self.assertEqual({r["state"] for r in rows}, {"addressed"})
        by_centre = client.get("/api/v1/needs?centre=syd").json()["items"]
        self.assertEqual([r["id"] for r in by_centre], [self.centre_need.pk])

    def test_linking_unlinking_and_marking_met_through_the_api(self):
        other = self.collaboration("Via API", committees=[self.rare])
        client = self.client_for(self.bob)
        url = f"/api/v1/needs/{self.rare_need.pk}/collaborations"
        response = client.post(
            url, json.dumps({"collaboration": other.pk}), content_type="application/json"
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn(other.pk, response.json()["collaborations"])
        hidden = self.collaboration("Dold", committees=[self.education])
        refused = client.post(
            url, json.dumps({"collaboration": hidden.pk}), content_type="application/json"
        )
        self.assertEqual(refused.status_code, 404)
        response = client.delete(f"{url}/{other.pk}")
        self.assertNotIn(other.pk, response.json()["collaborations"])
        met = client.post(
            f"/api/v1/needs/{self.rare_need.pk}/status",
            json.dumps({"status": "met", "version": self.rare_need.version}),
            content_type="application/json",
        ).json()
        self.assertEqual((met["status"], met["state"], met["met_by"]), ("met", "met", "bob"))

    def test_a_centre_member_writes_a_centre_need_through_the_api(self):
        payload = {"centre": "syd", "title": "Via API", "description": "Text.", "kind": "pilot"}
        response = self.client_for(self.lena).post(
            "/api/v1/needs", json.dumps(payload), content_type="application/json"
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual((response.json()["centre"], response.json()["state"]), ("syd", "draft"))
        payload["centre"] = "karolinska"
        refused = self.client_for(self.lena).post(
            "/api/v1/needs", json.dumps(payload), content_type="application/json"
        )
        self.assertEqual(refused.status_code, 403)

    def test_the_collaboration_api_lists_the_needs_it_answers_and_its_centres(self):
        actions.do_link_collaboration(self.centre_need, self.alice, self.open_collaboration)
        data = self.get(self.alice, f"/collaborations/{self.open_collaboration.pk}").json()
        self.assertEqual(sorted(data["needs"]), sorted([self.rare_need.pk, self.centre_need.pk]))
        self.assertEqual(data["centres"], ["syd"])


class NeedAdminTestCase(LinkedNeedTestCase):
    def test_the_admin_marks_needs_met_through_the_action_and_lists_the_links(self):
        client = self.client_for(self.erin)
        listing = client.get("/admin/needs/need/")
        self.assertContains(listing, "Under arbete")
        client.post(
            "/admin/needs/need/",
            {"action": "mark_met", "_selected_action": [self.rare_need.pk, self.centre_need.pk]},
        )
        self.assertEqual(set(Need.objects.values_list("status", flat=True)), {Need.Status.MET})
        self.assertEqual(Need.objects.get(pk=self.rare_need.pk).met_by, self.erin)
        page = client.get(f"/admin/needs/need/{self.rare_need.pk}/change/")
        self.assertContains(page, "Internt samarbete")


class OrganisationKindTestCase(BaseTestCase):
    def test_the_kinds_the_strategy_names_are_there(self):
        kinds = set(Organisation.Kind.values)
        for kind in [
            "patient_organisation",
            "research_infrastructure",
            "authority",
            "region",
            "university",
            "company",
            "association",
        ]:
            self.assertIn(kind, kinds)
