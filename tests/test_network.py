"""The industry network: who may use it, the list and its exports, the organisation page,
events, search, and merging duplicates."""

import csv
import datetime
import io
from unittest import mock

from django.apps import apps
from django.core.cache import caches
from django.db import connection, models
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import include, path
from django.utils import timezone, translation
from openpyxl import load_workbook

from samverkan import urls as project_urls
from samverkan.accounts.models import OrganisationLinkRequest, User
from samverkan.agreements.models import Agreement
from samverkan.collaborations import actions as collaboration_actions
from samverkan.collaborations.models import (
    Approval,
    Collaboration,
    CollaborationParty,
    CommunicationActivity,
    Funder,
    FundingApplication,
)
from samverkan.core.models import StaleRecordError
from samverkan.inquiries.models import Inquiry, Routing
from samverkan.needs.models import Need
from samverkan.orgs import actions
from samverkan.orgs.actions import merging
from samverkan.orgs.models import (
    AssociationMembership,
    Centre,
    Contact,
    Event,
    EventParticipant,
    Interaction,
    Organisation,
)
from samverkan.orgs.querysets import knowledge_exchange, knowledge_exchange_events
from samverkan.orgs.relationship import relationship_over_time
from samverkan.register.models import CorrectionRequest, RegisterEntry
from samverkan.strategy.models import Action, Strategy
from samverkan.test import BaseTestCase, submit_inquiry, valid_orgnr

# The network is mounted at /organisations/ by the project's urls; until it is, these
# tests mount it themselves (and only then, so the namespace is never registered twice).
urlpatterns = list(project_urls.urlpatterns)
if not any(getattr(p, "namespace", None) == "network" for p in urlpatterns):
    urlpatterns.append(path("organisations/", include("samverkan.orgs.network_urls")))
NETWORK_URLS = "tests.test_network"


def org(name: str, **extra) -> Organisation:
    return Organisation.objects.create(name=name, **extra)


class NetworkTestCase(BaseTestCase):
    lif: Organisation
    medtech: Organisation
    nordic: Organisation
    ada: Contact
    event: Event

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.lif = org("Förening Alfa", kind=Organisation.Kind.ASSOCIATION)
        cls.medtech = org("Förening Beta", kind=Organisation.Kind.ASSOCIATION)
        cls.nordic = org(
            "Nordic Bio ApS", country="DK", foreign_identifier="DK12345678", website=""
        )
        AssociationMembership.objects.create(organisation=cls.acme, association=cls.lif)
        AssociationMembership.objects.create(organisation=cls.nordic, association=cls.medtech)
        cls.ada = Contact.objects.create(
            organisation=cls.acme, name="Ada Lind", email="ada@acme.example", phone="070-1"
        )
        cls.event = Event.objects.create(
            title="Industridag 2026", kind=Event.Kind.INDUSTRY_DAY, date=datetime.date(2026, 3, 5)
        )


@override_settings(ROOT_URLCONF=NETWORK_URLS)
class AccessTestCase(NetworkTestCase):
    def urls(self) -> tuple[list[str], list[str], list[str]]:
        """Pages anyone in the network reads; pages and actions only staff use; POSTs."""
        acme, ada, event = self.acme.pk, self.ada.pk, self.event.pk
        participant = EventParticipant.objects.create(event=self.event, organisation=self.acme)
        membership = AssociationMembership.objects.get(organisation=self.acme)
        read = [
            "/organisations/",
            "/organisations/?format=csv",
            "/organisations/?format=xlsx",
            f"/organisations/{acme}/",
            "/organisations/search/?q=acme",
            "/organisations/events/",
            f"/organisations/events/{event}/",
        ]
        write = [
            "/organisations/new/",
            f"/organisations/{acme}/edit/",
            f"/organisations/{acme}/contacts/new/",
            f"/organisations/{acme}/contacts/{ada}/",
            f"/organisations/{acme}/interactions/new/",
            f"/organisations/{acme}/merge/",
            "/organisations/events/new/",
            f"/organisations/events/{event}/edit/",
            "/organisations/import/",
            "/organisations/import/template.csv",
        ]
        posts = [
            f"/organisations/{acme}/memberships/",
            f"/organisations/{acme}/memberships/{membership.pk}/remove/",
            f"/organisations/events/{event}/participants/",
            f"/organisations/events/{event}/participants/{participant.pk}/remove/",
        ]
        return read, write, posts

    def test_it_sends_anonymous_visitors_to_the_login_page(self):
        read, write, posts = self.urls()
        for url in read + write:
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302, url)
            self.assertIn("/accounts/login/", response["Location"], url)
        for url in posts:
            self.assertEqual(self.client.post(url).status_code, 302, url)

    def test_it_refuses_company_users_everything(self):
        read, write, posts = self.urls()
        for user in (self.carol, self.mallory):
            self.login(user)
            for url in read + write:
                self.assertEqual(self.client.get(url).status_code, 403, url)
            for url in posts:
                self.assertEqual(self.client.post(url).status_code, 403, url)

    def test_it_lets_viewers_and_committee_members_read_but_not_write(self):
        read, write, posts = self.urls()
        for user in (self.dave, self.bob, self.oscar):
            self.login(user)
            for url in read:
                self.assertEqual(self.client.get(url).status_code, 200, (user, url))
            for url in write:
                self.assertEqual(self.client.get(url).status_code, 403, (user, url))
            for url in posts:
                self.assertEqual(self.client.post(url).status_code, 403, (user, url))
        self.assertEqual(EventParticipant.objects.count(), 1)
        self.assertEqual(AssociationMembership.objects.count(), 2)

    def test_it_lets_coordinators_and_administrators_read_and_write(self):
        read, write, posts = self.urls()
        for user in (self.alice, self.erin):
            self.login(user)
            for url in read + write:
                self.assertEqual(self.client.get(url).status_code, 200, (user, url))
        self.login(self.alice)
        response = self.client.post(posts[1])
        self.assertRedirects(response, self.acme.get_absolute_url())
        self.assertFalse(AssociationMembership.objects.filter(organisation=self.acme).exists())

    def test_it_answers_404_for_an_organisation_that_does_not_exist(self):
        self.login(self.dave)
        self.assertEqual(self.client.get("/organisations/999999/").status_code, 404)

    def test_every_network_view_names_the_roles_that_may_use_it(self):
        from samverkan.orgs import network_urls

        unmarked = [
            str(p.pattern)
            for p in network_urls.urlpatterns
            if not getattr(p.callback, "allowed_roles", None)
        ]
        self.assertEqual(unmarked, [])
        self.assertNotIn(
            "company", {r for p in network_urls.urlpatterns for r in p.callback.allowed_roles}
        )

    def test_the_committee_pages_stay_public(self):
        self.assertEqual(self.client.get("/committees/").status_code, 200)
        self.assertEqual(self.client.get("/committees/rare_diseases/").status_code, 200)


@override_settings(ROOT_URLCONF=NETWORK_URLS)
class OrganisationListTestCase(NetworkTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        collaboration = collaboration_actions.do_create_collaboration(
            cls.alice, collaboration_actions.CollaborationData(title="Pilot", kind="pilot")
        )
        CollaborationParty.objects.create(
            collaboration=collaboration, organisation=cls.acme, role="company"
        )
        Interaction.objects.create(
            organisation=cls.acme, kind="meeting", date=datetime.date(2026, 1, 10), subject="Möte"
        )

    def names(self, query: str) -> list[str]:
        response = self.client.get("/organisations/" + query)
        self.assertEqual(response.status_code, 200)
        return [o.name for o in response.context["page"]]

    def test_it_filters_by_kind_country_membership_and_collaborations(self):
        self.login(self.dave)
        associations = self.names("?kind=association")
        self.assertEqual(
            associations,
            list(
                Organisation.objects.filter(kind="association")
                .order_by("name")
                .values_list("name", flat=True)
            ),
        )
        self.assertIn("Förening Beta", associations)
        self.assertNotIn("Acme Genomik AB", associations)
        self.assertEqual(self.names("?country=DK"), ["Nordic Bio ApS"])
        # The country filter names countries in the page's language.
        listing = self.client.get("/organisations/")
        self.assertContains(listing, '<option value="DK">Danmark</option>')
        self.assertEqual(self.names(f"?association={self.lif.pk}"), ["Acme Genomik AB"])
        self.assertEqual(self.names("?collaborations=yes"), ["Acme Genomik AB"])
        self.assertNotIn("Acme Genomik AB", self.names("?collaborations=no&kind=company"))
        self.assertIn("Annat Bolag AB", self.names("?collaborations=no&kind=company"))

    def test_it_searches_names_numbers_and_foreign_identifiers(self):
        self.login(self.bob)
        self.assertEqual(self.names("?q=acme"), ["Acme Genomik AB"])
        digits = self.other.organisation_number.replace("-", "")
        self.assertEqual(self.names(f"?q={digits}"), ["Annat Bolag AB"])
        self.assertEqual(self.names("?q=DK1234"), ["Nordic Bio ApS"])

    def test_it_sorts(self):
        self.login(self.alice)
        names = self.names("?sort=-name&q=Förening")
        self.assertEqual(names, ["Förening Beta", "Förening Alfa"])
        self.assertEqual(self.names("?sort=-last_interaction&kind=company")[0], "Acme Genomik AB")

    def test_the_csv_export_holds_exactly_the_filtered_rows(self):
        self.login(self.dave)
        response = self.client.get(
            "/organisations/?kind=company&format=csv", HTTP_ACCEPT_LANGUAGE="en"
        )
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        self.assertIn("attachment;", response["Content-Disposition"])
        rows = list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
        expected = list(
            Organisation.objects.filter(kind="company")
            .order_by("name")
            .values_list("name", flat=True)
        )
        self.assertEqual([row["Name"] for row in rows], expected)
        acme = next(row for row in rows if row["Name"] == "Acme Genomik AB")
        self.assertEqual(acme["Organisation number"], self.acme.organisation_number)
        self.assertEqual(acme["Associations"], "Förening Alfa")
        self.assertEqual(acme["Contacts"], "1")
        self.assertEqual(acme["Collaborations"], "1")

    def test_the_excel_export_holds_exactly_the_filtered_rows(self):
        self.login(self.bob)
        response = self.client.get(
            f"/organisations/?association={self.medtech.pk}&format=xlsx", HTTP_ACCEPT_LANGUAGE="en"
        )
        self.assertEqual(
            response["Content-Type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        sheet = load_workbook(io.BytesIO(response.getvalue())).active
        rows = list(sheet.iter_rows(values_only=True))
        header, body = rows[0], rows[1:]
        self.assertEqual(header[0], "Name")
        self.assertEqual([row[0] for row in body], ["Nordic Bio ApS"])
        self.assertEqual(body[0][header.index("Country")], "DK")

    def test_an_export_ignores_the_page_and_neutralises_formulas(self):
        for i in range(30):
            org(f"Bolag {i:02}")
        org("=HYPERLINK(1)")
        self.login(self.alice)
        response = self.client.get("/organisations/?page=2&format=csv", HTTP_ACCEPT_LANGUAGE="en")
        rows = list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
        self.assertEqual(len(rows), Organisation.objects.count())
        self.assertIn("'=HYPERLINK(1)", [row["Name"] for row in rows])


@override_settings(ROOT_URLCONF=NETWORK_URLS)
class QueryCountTestCase(NetworkTestCase):
    """The network's pages keep a constant number of queries however many rows they show."""

    @classmethod
    def add_rows(cls, start: int, count: int) -> None:
        collaboration = collaboration_actions.do_create_collaboration(
            cls.alice, collaboration_actions.CollaborationData(title="Pilot", kind="pilot")
        )
        for i in range(start, start + count):
            company = org(f"Bolag {i:03}", organisation_number=valid_orgnr(f"5590{i:05}"))
            Contact.objects.create(organisation=company, name=f"Person {i}", email=f"p{i}@x.se")
            AssociationMembership.objects.create(organisation=company, association=cls.lif)
            CollaborationParty.objects.create(
                collaboration=collaboration, organisation=company, role="company"
            )
            Interaction.objects.create(
                organisation=company, kind="call", date=datetime.date(2026, 1, 1), subject="x"
            )
            # The organisation page's lists grow too.
            contact = Contact.objects.create(
                organisation=cls.acme, name=f"Bolagsperson {i}", email=f"b{i}@acme.example"
            )
            interaction = Interaction.objects.create(
                organisation=cls.acme,
                kind="meeting",
                date=datetime.date(2026, 2, 1),
                subject=f"M{i}",
            )
            interaction.contacts.add(contact)
            interaction.participants.add(cls.alice)
            event = Event.objects.create(
                title=f"Event {i}", kind="webinar", date=datetime.date(2026, 2, 2)
            )
            EventParticipant.objects.create(event=event, organisation=cls.acme, contact=contact)

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.add_rows(0, 5)

    def count(self, url: str) -> int:
        caches["local"].clear()  # each count starts cold: the country filter's list is kept
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(url)
            if response.streaming:
                response.getvalue()  # a streamed export reads its rows while it is sent
        self.assertEqual(response.status_code, 200)
        return len(queries)

    def test_the_list_the_organisation_page_and_search(self):
        self.login(self.alice)
        urls = ["/organisations/", self.acme.get_absolute_url(), "/organisations/search/?q=Bolag"]
        few = [self.count(url) for url in urls]
        self.add_rows(5, 35)
        many = [self.count(url) for url in urls]
        self.assertEqual(few, many)
        response = self.client.get("/organisations/search/?q=Bolag")
        self.assertEqual(len(response.context["page"].object_list), 25)
        self.assertGreaterEqual(response.context["page"].paginator.count, 40)
        with self.assertNumQueries(many[0]):
            response = self.client.get("/organisations/")
        self.assertEqual(len(response.context["page"]), 25)

    def test_the_exports_and_the_events_list(self):
        self.login(self.dave)
        urls = [
            "/organisations/?format=csv",
            "/organisations/?format=xlsx",
            "/organisations/events/",
        ]
        few = [self.count(url) for url in urls]
        self.add_rows(5, 35)
        self.assertEqual([self.count(url) for url in urls], few)

    def test_the_committee_pages_and_an_event_page(self):
        def grow(start: int, count: int) -> None:
            for i in range(start, start + count):
                Need.objects.create(
                    committee=self.rare,
                    title=f"Behov {i}",
                    description="Ett behov.",
                    kind="development",
                    status=Need.Status.PUBLISHED,
                    published_at=timezone.now(),
                )
                company = org(f"Deltagare {i:03}")
                contact = Contact.objects.create(
                    organisation=company, name=f"D {i}", email="d@x.se"
                )
                EventParticipant.objects.create(
                    event=self.event, organisation=company, contact=contact
                )
                self.event.committees.add(self.rare)

        grow(0, 2)
        urls = ["/committees/", "/committees/rare_diseases/", self.event.get_absolute_url()]
        self.login(self.alice)
        few = [self.count(url) for url in urls]
        grow(2, 40)
        many = [self.count(url) for url in urls]
        self.assertEqual(many, few)
        self.assertLessEqual(max(many), MAX_QUERIES)
        self.client.logout()
        response = self.client.get("/committees/rare_diseases/")
        self.assertEqual(len(response.context["page"]), 25)  # the newest first, a page at a time
        self.assertEqual(response.context["page"][0].title, "Behov 41")
        self.assertContains(self.client.get("/committees/rare_diseases/?page=2"), "Behov 0")

    def test_a_committee_member_sees_the_same_page(self):
        self.login(self.bob)
        one = self.count(self.acme.get_absolute_url())
        self.add_rows(5, 30)
        self.assertEqual(self.count(self.acme.get_absolute_url()), one)


# Every page reads at most this many queries, whatever the data size.
MAX_QUERIES = 12


@override_settings(ROOT_URLCONF=NETWORK_URLS)
class OrganisationPageQueriesTestCase(NetworkTestCase):
    """A company's and an association's page cost the same few queries for every role
    that may see them, however many contacts, interactions, inquiries, collaborations,
    agreements, events, memberships and years of relationship they have."""

    @classmethod
    def grow(cls, start: int, count: int) -> None:
        """Add `count` rows of every kind the pages show, spread over the years."""
        erased = timezone.now() if start == 0 else None  # one erased contact among them
        for i in range(start, start + count):
            year = 2000 + i % 25
            day = datetime.date(year, 1 + i % 12, 1 + i % 28)
            contact = Contact.objects.create(
                organisation=cls.acme, name=f"Person {i:03}", email=f"p{i}@acme.example"
            )
            if erased and i == start:
                Contact.objects.filter(pk=contact.pk).update(erased_at=erased)
            interaction = Interaction.objects.create(
                organisation=cls.acme, kind="meeting", date=day, subject=f"Möte {i}"
            )
            interaction.contacts.add(contact, cls.ada)
            interaction.participants.add(cls.alice, cls.bob)
            inquiry = Inquiry.objects.create(
                reference=f"TEST-{i:05d}",
                organisation=cls.acme,
                organisation_name=cls.acme.name,
                contact_name="Ada Lind",
                contact_email="ada@acme.example",
                title=f"Förfrågan {i}",
                description="En förfrågan.",
                consent_at=timezone.now(),
                sender_token=f"token-{i}",
                created_at=datetime.datetime(year, 3, 1, tzinfo=datetime.UTC),
            )
            Routing.objects.create(inquiry=inquiry, committee=cls.rare)
            collaboration = Collaboration.objects.create(
                title=f"Samarbete {i}", kind="pilot", status="active", start_date=day
            )
            collaboration.committees.add(cls.rare)
            CollaborationParty.objects.create(
                collaboration=collaboration, organisation=cls.acme, role="company"
            )
            agreement = Agreement.objects.create(
                collaboration=collaboration,
                kind="confidentiality",
                title=f"Avtal {i}",
                valid_to=day.replace(year=year + 3),
            )
            agreement.parties.add(cls.acme)
            event = Event.objects.create(title=f"Dag {i}", kind="webinar", date=day)
            EventParticipant.objects.create(event=event, organisation=cls.acme, contact=contact)
            association = org(f"Förening {i:03}", kind=Organisation.Kind.ASSOCIATION)
            AssociationMembership.objects.create(organisation=cls.acme, association=association)
            member = org(f"Medlem {i:03}")
            AssociationMembership.objects.create(organisation=member, association=cls.lif)

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.grow(0, 3)

    def count(self, url: str) -> int:
        self.client.get(url)  # what a first request reads once is not the page's
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        self.assertLessEqual(len(queries), MAX_QUERIES, url)
        return len(queries)

    def counts(self) -> dict[tuple[str, str], int]:
        found = {}
        for user in (self.alice, self.bob, self.dave):
            self.login(user)
            for page in (self.acme, self.lif):
                found[user.username, page.name] = self.count(page.get_absolute_url())
        return found

    def test_the_count_stays_the_same_as_every_list_grows(self):
        few = self.counts()
        self.grow(3, 130)
        self.assertEqual(self.counts(), few)

    def test_a_deep_page_of_interactions_stays_within_the_limit(self):
        self.grow(3, 130)
        for user in (self.alice, self.bob):
            self.login(user)
            self.count(self.acme.get_absolute_url() + "?page=6")

    def test_a_company_user_does_not_see_the_network(self):
        self.login(self.carol)
        self.assertEqual(self.client.get(self.acme.get_absolute_url()).status_code, 403)

    def test_it_shows_the_latest_of_each_list_and_says_there_are_more(self):
        self.grow(3, 30)
        self.login(self.bob)
        response = self.client.get(self.acme.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
        context = response.context
        newest = [
            f"Förfrågan {i}" for i in sorted(range(33), key=lambda i: (i % 25, i), reverse=True)
        ]
        self.assertEqual([i.title for i in context["inquiries"]], newest[:20])
        self.assertEqual(len(context["collaborations"]), 20)
        self.assertEqual(len(context["agreements"]), 20)
        events = context["events"]
        self.assertEqual(len(events), 20)
        self.assertEqual([e.date for e in events], sorted((e.date for e in events), reverse=True))
        more = context["more"]
        self.assertEqual(
            [more[k] for k in ("inquiries", "collaborations", "agreements", "events", "contacts")],
            [True, True, True, True, False],  # 34 contacts: all of them are shown
        )
        agreement = Agreement.objects.get(title=context["agreements"][0].title)
        self.assertContains(response, f'href="{agreement.get_absolute_url()}"')
        inquiry = Inquiry.objects.get(title=newest[0])
        self.assertContains(response, f'href="{inquiry.get_absolute_url()}"')
        self.assertContains(response, inquiry.reference)
        self.assertContains(response, "The latest 20 are shown.")
        # The interactions carry their people, theirs by name and ours.
        first = context["interactions"][0]
        self.assertEqual(
            [c.name for c in first.their_people], sorted(c.name for c in first.their_people)
        )
        self.assertEqual({u.pk for u in first.our_people}, {self.alice.pk, self.bob.pk})
        self.assertContains(response, f"Participants from the infrastructure: {self.alice}")

    def test_the_lists_hold_what_the_user_may_see(self):
        self.grow(3, 2)
        hidden = Collaboration.objects.create(title="Dold pilot", kind="pilot", status="active")
        CollaborationParty.objects.create(
            collaboration=hidden, organisation=self.acme, role="company"
        )
        Agreement.objects.create(
            collaboration=hidden, kind="confidentiality", title="Dolt avtal"
        ).parties.add(self.acme)
        self.login(self.oscar)  # a member of another committee
        response = self.client.get(self.acme.get_absolute_url())
        for key in ("inquiries", "collaborations", "agreements"):
            self.assertEqual(response.context[key], [])
        self.assertEqual(len(response.context["events"]), 5)
        self.login(self.alice)
        response = self.client.get(self.acme.get_absolute_url())
        self.assertContains(response, "Dold pilot")
        self.assertContains(response, "Dolt avtal")

    def test_an_association_lists_its_members_and_a_company_its_memberships(self):
        self.login(self.alice)
        response = self.client.get(self.lif.get_absolute_url())
        members = [m.organisation.name for m in response.context["members"]]
        self.assertEqual(members, ["Acme Genomik AB", "Medlem 000", "Medlem 001", "Medlem 002"])
        self.assertEqual(response.context["memberships"], [])
        response = self.client.get(self.acme.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
        self.assertEqual(
            [m.association.name for m in response.context["memberships"]],
            ["Förening 000", "Förening 001", "Förening 002", "Förening Alfa"],
        )
        self.assertEqual(response.context["members"], [])
        choices = [
            label
            for _value, label in response.context["membership_form"].fields["association"].choices
        ][1:]
        self.assertIn("Förening Beta", choices)
        self.assertFalse({"Förening Alfa", "Förening 000"} & set(choices))
        self.assertContains(response, "Personal data erased")
        self.assertContains(response, "Their participants: Ada Lind, erased.")


@override_settings(ROOT_URLCONF=NETWORK_URLS)
class OrganisationPageTestCase(NetworkTestCase):
    def test_it_shows_everything_about_the_organisation(self):
        inquiry = self.submit()
        collaboration = collaboration_actions.do_create_collaboration(
            self.alice, collaboration_actions.CollaborationData(title="Sekvenspilot", kind="pilot")
        )
        CollaborationParty.objects.create(
            collaboration=collaboration, organisation=self.acme, role="company"
        )
        agreement = Agreement.objects.create(
            collaboration=collaboration, kind="confidentiality", title="Sekretessavtal"
        )
        agreement.parties.add(self.acme)
        EventParticipant.objects.create(event=self.event, organisation=self.acme, contact=self.ada)
        self.login(self.dave)
        response = self.client.get(self.acme.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
        for text in (
            self.acme.organisation_number,
            "Ada Lind",
            "ada@acme.example",
            "Förening Alfa",
            inquiry.reference,
            "Sekvenspilot",
            "Sekretessavtal",
            "Industridag 2026",
        ):
            self.assertContains(response, text)
        self.assertContains(response, "Interactions")
        self.assertNotContains(response, "Log an interaction")  # viewers only read
        self.assertNotContains(response, "/interactions/new/")

    def test_a_committee_member_sees_only_the_inquiries_routed_to_their_committee(self):
        routed = self.routed(self.rare, title="Fördelad förfrågan")
        hidden = self.submit(title="Ofördelad förfrågan")
        self.login(self.bob)
        response = self.client.get(self.acme.get_absolute_url())
        self.assertContains(response, routed.reference)
        self.assertNotContains(response, hidden.reference)

    def test_the_log_is_newest_first_and_paginated(self):
        for day in range(1, 31):
            Interaction.objects.create(
                organisation=self.acme,
                kind="call",
                date=datetime.date(2026, 1, day),
                subject=f"Samtal {day}",
            )
        self.login(self.alice)
        page = self.client.get(self.acme.get_absolute_url()).context["interactions"]
        self.assertEqual([i.subject for i in page][:2], ["Samtal 30", "Samtal 29"])
        self.assertEqual(len(page), 25)
        second = self.client.get(self.acme.get_absolute_url() + "?page=2").context["interactions"]
        self.assertEqual([i.subject for i in second], [f"Samtal {d}" for d in range(5, 0, -1)])


@override_settings(ROOT_URLCONF=NETWORK_URLS)
class RelationshipTestCase(NetworkTestCase):
    """The organisation page shows the relationship year by year, from grouped counts."""

    @classmethod
    def collaboration(
        cls, title: str, status: str, start: datetime.date | None, end: datetime.date | None
    ) -> Collaboration:
        row = collaboration_actions.do_create_collaboration(
            cls.alice, collaboration_actions.CollaborationData(title=title, kind="pilot")
        )
        Collaboration.objects.filter(pk=row.pk).update(
            status=status, start_date=start, end_date=end
        )
        CollaborationParty.objects.create(collaboration=row, organisation=cls.acme, role="company")
        return row

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        d = datetime.date
        cls.first = cls.collaboration("Första piloten", "completed", d(2023, 5, 1), d(2024, 6, 30))
        cls.first.committees.add(cls.rare)
        cls.collaboration("Andra piloten", "active", d(2025, 2, 1), None)
        cls.collaboration("Planerad", "planned", d(2026, 1, 1), None)  # not started: not counted
        cls.collaboration("Avbruten", "ended_early", d(2024, 3, 1), d(2024, 4, 1))
        inquiry = submit_inquiry()
        Inquiry.objects.filter(pk=inquiry.pk).update(
            created_at=datetime.datetime(2024, 1, 15, 10, tzinfo=datetime.UTC)
        )
        for day in (d(2023, 1, 10), d(2025, 3, 3)):
            Interaction.objects.create(organisation=cls.acme, kind="call", date=day, subject="x")
        EventParticipant.objects.create(event=cls.event, organisation=cls.acme, contact=cls.ada)
        # Another organisation's engagements are not Acme's.
        Interaction.objects.create(
            organisation=cls.other, kind="call", date=d(2021, 1, 1), subject="y"
        )

    def years(self, response) -> dict[int, tuple[int, ...]]:
        return {
            r.year: (r.inquiries, r.started, r.active, r.ended, r.interactions, r.events)
            for r in response.context["relationship"].years
        }

    def test_it_shows_each_year_newest_first_with_the_first_and_latest_engagement(self):
        self.login(self.dave)
        response = self.client.get(self.acme.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
        relationship = response.context["relationship"]
        this_year = timezone.localdate().year
        self.assertEqual([r.year for r in relationship.years], list(range(this_year, 2022, -1)))
        years = self.years(response)
        # (inquiries, started, active, ended, interactions, events)
        self.assertEqual(years[2023], (0, 1, 1, 0, 1, 0))
        self.assertEqual(years[2024], (1, 1, 2, 2, 0, 0))
        self.assertEqual(years[2025], (0, 1, 1, 0, 1, 0))
        self.assertEqual(years[2026][1:4], (0, 1, 0))  # the second pilot still runs
        self.assertEqual(years[2026][5], 1)  # the industry day of March 2026
        self.assertEqual(relationship.first, datetime.date(2023, 1, 10))
        self.assertEqual(relationship.latest, datetime.date(2026, 3, 5))
        self.assertContains(response, "The relationship over time")
        self.assertContains(response, "First engagement")

    def test_a_committee_member_counts_only_the_collaborations_they_may_see(self):
        self.login(self.bob)
        years = self.years(self.client.get(self.acme.get_absolute_url()))
        self.assertEqual(years[2023][1:4], (1, 1, 0))
        self.assertEqual(years[2024][1:4], (0, 1, 1))
        self.assertEqual(sum(y[1] for y in years.values()), 1)
        self.assertEqual(sum(y[0] for y in years.values()), 0)  # the inquiry is not routed

    def test_an_organisation_with_no_engagement_says_so(self):
        self.login(self.alice)
        response = self.client.get(self.nordic.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
        self.assertTrue(response.context["relationship"].is_empty)
        self.assertContains(response, "No engagement with the infrastructure yet.")

    def test_it_counts_with_a_fixed_number_of_queries(self):
        self.login(self.alice)
        with CaptureQueriesContext(connection) as few:
            self.client.get(self.acme.get_absolute_url())
        for year in range(2000, 2020):
            start = datetime.date(year, 2, 1)
            self.collaboration(f"Projekt {year}", "completed", start, start.replace(month=9))
            Interaction.objects.create(organisation=self.acme, kind="call", date=start, subject="z")
            event = Event.objects.create(title=f"Dag {year}", kind="webinar", date=start)
            EventParticipant.objects.create(event=event, organisation=self.acme)
        with self.assertNumQueries(len(few.captured_queries)):
            response = self.client.get(self.acme.get_absolute_url())
        self.assertEqual(response.context["relationship"].first, datetime.date(2000, 2, 1))
        self.assertEqual(self.years(response)[2010], (0, 1, 1, 1, 1, 1))
        with self.assertNumQueries(1):  # every kind of engagement, grouped by year, in one
            relationship_over_time(self.acme, self.alice)


@override_settings(ROOT_URLCONF=NETWORK_URLS)
class OrganisationWritesTestCase(NetworkTestCase):
    def test_a_coordinator_adds_an_organisation(self):
        self.login(self.alice)
        number = valid_orgnr("556000123")
        response = self.client.post(
            "/organisations/new/",
            {
                "name": "Ny Diagnostik AB",
                "kind": "company",
                "organisation_number": number.replace("-", ""),
                "country": "se",
            },
        )
        created = Organisation.objects.get(name="Ny Diagnostik AB")
        self.assertRedirects(response, created.get_absolute_url())
        self.assertEqual((created.organisation_number, created.country), (number, "SE"))
        self.assertEqual(created.history.get().history_user, self.alice)

    def test_it_refuses_a_wrong_or_taken_organisation_number(self):
        self.login(self.alice)
        for number in ("556677-8890", self.other.organisation_number):
            response = self.client.post(
                "/organisations/new/",
                {
                    "name": "Dublett AB",
                    "kind": "company",
                    "organisation_number": number,
                    "country": "SE",
                },
            )
            self.assertEqual(response.status_code, 200)
            self.assertTrue(response.context["form"].errors["organisation_number"])
        self.assertFalse(Organisation.objects.filter(name="Dublett AB").exists())

    def test_a_stale_edit_is_refused_and_nothing_is_overwritten(self):
        self.login(self.alice)
        url = f"/organisations/{self.acme.pk}/edit/"
        data = {
            "version": self.acme.version,
            "name": "Acme Genomics AB",
            "kind": "company",
            "organisation_number": self.acme.organisation_number,
            "country": "SE",
        }
        self.assertRedirects(self.client.post(url, data), self.acme.get_absolute_url())
        response = self.client.post(url, {**data, "name": "Acme Gammal AB"})
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].non_field_errors())
        self.acme.refresh_from_db()
        self.assertEqual((self.acme.name, self.acme.version), ("Acme Genomics AB", 2))

    def test_contacts_are_added_with_their_legal_basis_and_kept_unique(self):
        self.login(self.alice)
        url = f"/organisations/{self.acme.pk}/contacts/new/"
        data = {
            "name": "Bo Berg",
            "email": "Bo@Acme.example",
            "legal_basis": "consent",
            "consent_given_on": "2026-02-01",
        }
        self.assertRedirects(self.client.post(url, data), self.acme.get_absolute_url())
        bo = Contact.objects.get(name="Bo Berg")
        self.assertEqual((bo.email, bo.legal_basis), ("bo@acme.example", "consent"))
        self.assertEqual(timezone.localdate(bo.consent_given_at), datetime.date(2026, 2, 1))
        again = self.client.post(url, {**data, "email": "bo@acme.example"})
        self.assertTrue(again.context["form"].errors["email"])
        no_date = self.client.post(
            url, {**data, "email": "cy@acme.example", "consent_given_on": ""}
        )
        self.assertTrue(no_date.context["form"].errors["consent_given_on"])
        self.assertEqual(self.acme.contacts.count(), 2)

    def test_a_contact_is_edited_with_its_version(self):
        self.login(self.erin)
        url = f"/organisations/{self.acme.pk}/contacts/{self.ada.pk}/"
        data = {
            "version": 1,
            "name": "Ada Lind",
            "email": "ada@acme.example",
            "phone": "08-1",
            "legal_basis": "contract",
        }
        self.assertRedirects(self.client.post(url, data), self.acme.get_absolute_url())
        self.ada.refresh_from_db()
        self.assertEqual(
            (self.ada.phone, self.ada.legal_basis, self.ada.version), ("08-1", "contract", 2)
        )
        stale = self.client.post(url, {**data, "phone": "08-2"})
        self.assertTrue(stale.context["form"].non_field_errors())

    def test_a_contact_of_another_organisation_is_not_found_here(self):
        self.login(self.alice)
        response = self.client.get(f"/organisations/{self.other.pk}/contacts/{self.ada.pk}/")
        self.assertEqual(response.status_code, 404)

    def test_memberships_are_added_once(self):
        self.login(self.alice)
        url = f"/organisations/{self.other.pk}/memberships/"
        self.client.post(url, {"association": self.lif.pk, "since": "2020-01-01"})
        self.client.post(url, {"association": self.lif.pk})
        self.client.post(url, {"association": self.acme.pk})  # not an association
        memberships = AssociationMembership.objects.filter(organisation=self.other)
        self.assertEqual(
            [(m.association, m.since) for m in memberships], [(self.lif, datetime.date(2020, 1, 1))]
        )

    def test_an_interaction_is_logged_with_their_and_our_participants(self):
        self.login(self.alice)
        response = self.client.post(
            f"/organisations/{self.acme.pk}/interactions/new/",
            {
                "kind": "meeting",
                "date": "2026-04-01",
                "subject": "Uppföljning",
                "notes": "Bra möte",
                "contacts": [self.ada.pk],
                "participants": [self.alice.pk, self.bob.pk],
            },
        )
        self.assertRedirects(response, self.acme.get_absolute_url())
        interaction = Interaction.objects.get(subject="Uppföljning")
        self.assertEqual(list(interaction.contacts.all()), [self.ada])
        self.assertEqual(set(interaction.participants.all()), {self.alice, self.bob})
        self.assertEqual(interaction.created_by, self.alice)

    def test_an_interaction_cannot_name_company_users_or_other_organisations_contacts(self):
        stranger = Contact.objects.create(organisation=self.other, name="Eva", email="eva@x.se")
        self.login(self.alice)
        response = self.client.post(
            f"/organisations/{self.acme.pk}/interactions/new/",
            {
                "kind": "call",
                "date": "2026-04-01",
                "subject": "Fel",
                "contacts": [stranger.pk],
                "participants": [self.carol.pk],
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].errors["contacts"])
        self.assertTrue(response.context["form"].errors["participants"])
        self.assertFalse(Interaction.objects.filter(subject="Fel").exists())
        with self.assertRaises(actions.PermissionDenied):
            actions.do_log_interaction(
                self.dave,
                self.acme,
                actions.InteractionData(kind="call", date=datetime.date(2026, 1, 1), subject="x"),
            )


@override_settings(ROOT_URLCONF=NETWORK_URLS)
class SearchTestCase(NetworkTestCase):
    def test_it_finds_organisations_and_contacts_but_never_erased_people(self):
        Contact.objects.create(
            organisation=self.other,
            name="Acme-kontakt Borta",
            email="borta@x.se",
            erased_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        )
        Contact.objects.create(organisation=self.other, name="Sven", email="sven@acme-partner.se")
        self.login(self.bob)
        response = self.client.get("/organisations/search/?q=acme")
        results = [(r["result_kind"], r["result_name"]) for r in response.context["page"]]
        self.assertEqual(
            results,
            [("organisation", "Acme Genomik AB"), ("contact", "Ada Lind"), ("contact", "Sven")],
        )
        self.assertNotContains(response, "Borta")
        self.assertContains(response, f'href="/organisations/{self.other.pk}/"')

    def test_every_word_must_match(self):
        self.login(self.dave)
        response = self.client.get("/organisations/search/?q=ada+lind")
        self.assertEqual([r["result_name"] for r in response.context["page"]], ["Ada Lind"])
        response = self.client.get("/organisations/search/?q=ada+nobody")
        self.assertEqual(response.context["page"].paginator.count, 0)


@override_settings(ROOT_URLCONF=NETWORK_URLS)
class EventTestCase(NetworkTestCase):
    def test_a_coordinator_creates_and_edits_an_event(self):
        self.login(self.alice)
        response = self.client.post(
            "/organisations/events/new/",
            {
                "title": "Workshop om AI",
                "kind": "workshop",
                "date": "2026-05-01",
                "committees": [self.rare.pk],
            },
        )
        event = Event.objects.get(title="Workshop om AI")
        self.assertRedirects(response, event.get_absolute_url())
        self.assertEqual(list(event.committees.all()), [self.rare])
        url = f"/organisations/events/{event.pk}/edit/"
        data = {"version": 1, "title": "Workshop om AI", "kind": "workshop", "date": "2026-05-02"}
        self.assertRedirects(self.client.post(url, data), event.get_absolute_url())
        stale = self.client.post(url, {**data, "date": "2026-05-03"})
        self.assertTrue(stale.context["form"].non_field_errors())
        event.refresh_from_db()
        self.assertEqual((event.date, event.version), (datetime.date(2026, 5, 2), 2))

    def add(self, **data) -> None:
        response = self.client.post(f"/organisations/events/{self.event.pk}/participants/", data)
        self.assertRedirects(response, self.event.get_absolute_url())

    def test_attending_logs_an_interaction_of_kind_event_for_the_organisation(self):
        bo = Contact.objects.create(organisation=self.acme, name="Bo", email="bo@acme.example")
        region = Organisation.objects.infrastructure_parties().first()
        self.login(self.alice)
        self.add(**{"from": "staff", "staff-user": self.bob.pk, "staff-organisation": region.pk})
        self.add(
            **{
                "from": "company",
                "company-organisation": self.acme.pk,
                "company-contact_email": "ADA@acme.example",
            }
        )
        self.add(
            **{
                "from": "company",
                "company-organisation": self.acme.pk,
                "company-contact_email": "bo@acme.example",
            }
        )
        self.add(**{"from": "company", "company-organisation": self.other.pk})
        self.assertEqual(self.event.participants.count(), 4)
        logged = Interaction.objects.get(organisation=self.acme)
        self.assertEqual(
            (logged.kind, logged.event, logged.date, logged.subject),
            ("event", self.event, self.event.date, "Industridag 2026"),
        )
        self.assertEqual(set(logged.contacts.all()), {self.ada, bo})
        self.assertEqual(list(logged.participants.all()), [self.bob])
        self.assertTrue(Interaction.objects.filter(organisation=self.other, kind="event").exists())
        self.assertFalse(Interaction.objects.filter(organisation=region).exists())
        response = self.client.get(self.acme.get_absolute_url())
        self.assertContains(response, "Industridag 2026")

    def test_a_participant_is_added_once_and_removed_with_what_it_logged(self):
        self.login(self.alice)
        company = {
            "from": "company",
            "company-organisation": self.acme.pk,
            "company-contact_email": "ada@acme.example",
        }
        self.add(**company)
        self.add(**company)
        self.add(
            **{
                "from": "company",
                "company-organisation": self.acme.pk,
                "company-contact_email": "nobody@x.se",
            }
        )
        participant = self.event.participants.get()
        self.assertEqual(participant.contact, self.ada)
        response = self.client.post(
            f"/organisations/events/{self.event.pk}/participants/{participant.pk}/remove/"
        )
        self.assertRedirects(response, self.event.get_absolute_url())
        self.assertFalse(self.event.participants.exists())
        self.assertFalse(Interaction.objects.filter(event=self.event).exists())

    def test_a_staff_participant_needs_an_infrastructure_party(self):
        self.login(self.alice)
        self.add(**{"from": "staff", "staff-user": self.dave.pk})
        self.add(**{"from": "staff", "staff-user": self.carol.pk})
        self.assertFalse(self.event.participants.exists())

    def test_moving_an_event_moves_what_it_logged(self):
        actions.do_add_event_participant(self.alice, self.event, organisation=self.acme)
        actions.do_save_event(
            self.alice,
            actions.EventData(
                title="Industridagen", kind="industry_day", date=datetime.date(2026, 3, 6)
            ),
            self.event,
            expected_version=1,
        )
        logged = Interaction.objects.get(event=self.event)
        self.assertEqual(
            (logged.date, logged.subject), (datetime.date(2026, 3, 6), "Industridagen")
        )

    def test_knowledge_exchange_counts_events_participants_and_companies(self):
        later = Event.objects.create(
            title="Webbinarium", kind="webinar", date=datetime.date(2026, 9, 1)
        )
        Event.objects.create(title="Utanför", kind="webinar", date=datetime.date(2025, 1, 1))
        later.committees.add(self.rare)
        region = Organisation.objects.infrastructure_parties().first()
        for event in (self.event, later):
            actions.do_add_event_participant(
                self.alice, event, organisation=self.acme, contact=self.ada
            )
        actions.do_add_event_participant(self.alice, later, organisation=self.other)
        actions.do_add_event_participant(self.alice, later, organisation=self.lif)
        actions.do_add_event_participant(self.alice, later, organisation=region, user=self.bob)
        figures = knowledge_exchange(datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
        self.assertEqual(figures, {"events": 2, "participants": 5, "companies": 2})
        self.assertEqual(
            knowledge_exchange(datetime.date(2026, 9, 1), datetime.date(2026, 9, 1)),
            {"events": 1, "participants": 4, "companies": 2},
        )

        class Scope:
            committee = self.rare

        rows = knowledge_exchange_events(Scope()).values_list(
            "title", "event_date", "participant_count"
        )
        self.assertEqual(list(rows), [("Webbinarium", datetime.date(2026, 9, 1), 4)])

    def test_readers_see_events_and_their_participants(self):
        actions.do_add_event_participant(
            self.alice, self.event, organisation=self.acme, contact=self.ada
        )
        self.login(self.oscar)
        self.assertContains(self.client.get("/organisations/events/"), "Industridag 2026")
        response = self.client.get(self.event.get_absolute_url())
        self.assertContains(response, "Ada Lind")
        self.assertNotContains(response, "participants/")


@override_settings(ROOT_URLCONF=NETWORK_URLS)
class MergeTestCase(NetworkTestCase):
    def duplicate_with_everything(self) -> Organisation:
        """Acme once more, under another number, with a record of every kind that can
        refer to an organisation, some of which Acme has too."""
        number = valid_orgnr("556677111")
        dup = org("Acme Genomik", organisation_number=number, website="https://acme.example")
        # The intake finds the duplicate by its number and adds Ada there: the same e-mail.
        inquiry = self.submit(organisation_number=number, organisation_name="Acme Genomik")
        self.dup_ada = inquiry.contact
        Contact.objects.filter(pk=self.dup_ada.pk).update(title="CSO")
        Contact.objects.create(organisation=dup, name="Cecilia", email="cecilia@acme.example")
        only_dup = collaboration_actions.do_create_collaboration(
            self.alice,
            collaboration_actions.CollaborationData(title="Bara dubbletten", kind="pilot"),
        )
        both = collaboration_actions.do_create_collaboration(
            self.alice, collaboration_actions.CollaborationData(title="Båda", kind="pilot")
        )
        CollaborationParty.objects.create(collaboration=only_dup, organisation=dup, role="company")
        CollaborationParty.objects.create(collaboration=both, organisation=dup, role="company")
        CollaborationParty.objects.create(
            collaboration=both, organisation=self.acme, role="company"
        )
        agreement = Agreement.objects.create(
            collaboration=only_dup, kind="confidentiality", title="NDA"
        )
        agreement.parties.add(dup)
        shared = Agreement.objects.create(collaboration=both, kind="collaboration", title="Avtal")
        shared.parties.add(dup, self.acme)
        AssociationMembership.objects.create(organisation=dup, association=self.medtech)
        AssociationMembership.objects.create(organisation=dup, association=self.lif)  # Acme too
        meeting = Interaction.objects.create(
            organisation=dup, kind="meeting", date=datetime.date(2026, 1, 2), subject="Möte"
        )
        meeting.contacts.add(self.dup_ada, self.ada)
        EventParticipant.objects.create(event=self.event, organisation=dup, contact=self.dup_ada)
        User.objects.create(username="dupuser", role="company", organisation=dup)
        entry = RegisterEntry.objects.create(
            collaboration=only_dup, state="preview", title="x", kind="pilot", status="planned"
        )
        entry.organisations.add(dup)
        Centre.objects.first().partners.add(dup)
        funding = FundingApplication.objects.create(
            collaboration=only_dup, funder=Funder.objects.get(slug="vinnova"), call="Utlysning"
        )
        funding.applicants.add(dup)
        # Relations whose names this code never mentions: hidden ones (related_name="+")
        # and one from the strategy app.
        activity = CommunicationActivity.objects.create(
            collaboration=only_dup, kind="news", title="Nyhet", text="GMS"
        )
        Approval.objects.create(
            activity=activity, organisation=dup, text_version=1, decision="approved"
        )
        CorrectionRequest.objects.create(collaboration=only_dup, organisation=dup, text="Rätta")
        OrganisationLinkRequest.objects.create(
            user=self.mallory, organisation=dup, organisation_name="Acme Genomik"
        )
        strategy = Strategy.objects.create(slug="s", title_sv="Strategi", kind="national")
        Action.objects.create(strategy=strategy, key="a", title="Åtgärd", owner_organisation=dup)
        return dup

    def counts(self) -> dict[str, int]:
        tables = [
            Contact,
            Inquiry,
            CollaborationParty,
            Agreement.parties.through,
            AssociationMembership,
            Interaction,
            Interaction.contacts.through,
            EventParticipant,
            User,
            RegisterEntry.organisations.through,
            Centre.partners.through,
            FundingApplication.applicants.through,
            Approval,
            CorrectionRequest,
            OrganisationLinkRequest,
            Action,
            Organisation,
        ]
        return {model._meta.label: model._base_manager.count() for model in tables}

    def test_it_moves_every_record_and_merges_the_duplicates_among_them(self):
        dup = self.duplicate_with_everything()
        before = self.counts()
        result = actions.do_merge_organisations(
            self.alice, self.acme, dup, keep_version=1, duplicate_version=1
        )
        after = self.counts()
        # Only what would repeat a record Acme has is merged: Ada (same e-mail), her place
        # in the meeting, the party to "Båda", the shared agreement, the membership in Alfa.
        merged = {
            "orgs.Contact": 1,
            "orgs.Interaction_contacts": 1,
            "collaborations.CollaborationParty": 1,
            "agreements.Agreement_parties": 1,
            "orgs.AssociationMembership": 1,
            "orgs.Organisation": 1,
        }
        self.assertEqual({k: before[k] - after[k] for k in before if before[k] != after[k]}, merged)
        self.assertFalse(Organisation.objects.filter(pk=dup.pk).exists())
        for foreign_key in actions.referring_fields(Organisation):
            stragglers = foreign_key.model._base_manager.filter(**{foreign_key.attname: dup.pk})
            self.assertFalse(stragglers.exists(), foreign_key)
        self.assertEqual(Inquiry.objects.get(organisation=self.acme).contact, self.ada)
        self.assertEqual(EventParticipant.objects.get(organisation=self.acme).contact, self.ada)
        self.ada.refresh_from_db()
        self.assertEqual(self.ada.title, "CSO")  # what Ada lacked is taken from her duplicate
        self.acme.refresh_from_db()
        self.assertEqual(self.acme.website, "https://acme.example")
        self.assertEqual(self.acme.version, 3)
        self.assertEqual(User.objects.get(username="dupuser").organisation, self.acme)
        self.assertEqual(result.moved[actions.record_label(Approval)], 1)
        reason = self.acme.history.first().history_change_reason
        self.assertIn(f"Acme Genomik” ({dup.pk})", reason)

    def test_it_finds_every_relation_to_an_organisation_in_the_project(self):
        """The merge moves what introspection finds; a scan of every model must agree, so a
        relation another app adds later is moved without anyone listing it."""
        expected = {
            (model._meta.label, field.name)
            for model in apps.get_models(include_auto_created=True)
            if not model.__name__.startswith("Historical")
            for field in model._meta.local_fields
            if isinstance(field, models.ForeignKey) and field.related_model is Organisation
        }
        found = {(f.model._meta.label, f.name) for f in actions.referring_fields(Organisation)}
        self.assertEqual(found, expected)
        self.assertIn(("collaborations.Approval", "organisation"), found)
        self.assertIn(("strategy.Action", "owner_organisation"), found)
        self.assertIn(("register.RegisterEntry_organisations", "organisation"), found)

    def test_a_failure_midway_moves_nothing(self):
        dup = self.duplicate_with_everything()
        before = self.counts()
        # Everything is moved when the last check fails: the transaction takes it all back.
        with (
            mock.patch.object(merging, "_leftovers", side_effect=RuntimeError("midway")),
            self.assertRaises(RuntimeError),
        ):
            actions.do_merge_organisations(self.alice, self.acme, dup)
        self.assertEqual(self.counts(), before)
        self.assertEqual(Contact.objects.filter(organisation=dup).count(), 2)
        self.assertEqual(Inquiry.objects.get(organisation=dup).contact, self.dup_ada)

    def test_a_stale_merge_is_refused(self):
        dup = self.duplicate_with_everything()
        before = self.counts()
        with self.assertRaises(StaleRecordError):
            actions.do_merge_organisations(
                self.alice, self.acme, dup, keep_version=1, duplicate_version=7
            )
        self.assertEqual(self.counts(), before)

    def test_a_coordinator_merges_from_the_page_keeping_the_other_one(self):
        dup = self.duplicate_with_everything()
        self.login(self.alice)
        page = self.client.get(f"/organisations/{self.acme.pk}/merge/?q=acme")
        self.assertContains(page, f"?other={dup.pk}")
        compare = self.client.get(
            f"/organisations/{self.acme.pk}/merge/?other={dup.pk}", HTTP_ACCEPT_LANGUAGE="en"
        )
        self.assertContains(compare, "Approvals: 1")
        self.assertContains(compare, "Agreements (parties): 2")
        response = self.client.post(
            f"/organisations/{self.acme.pk}/merge/",
            {"other": dup.pk, "keep": "other", "this_version": 1, "other_version": 1},
        )
        self.assertRedirects(response, dup.get_absolute_url())
        self.assertFalse(Organisation.objects.filter(pk=self.acme.pk).exists())
        self.assertEqual(User.objects.get(username="carol").organisation, dup)
        self.assertEqual(dup.contacts.filter(email="ada@acme.example").count(), 1)

    def test_the_comparison_counts_both_organisations_in_a_few_queries(self):
        dup = org("Acme igen")
        url = f"/organisations/{self.acme.pk}/merge/?other={dup.pk}"
        self.login(self.alice)
        self.client.get(url)
        with CaptureQueriesContext(connection) as few:
            self.client.get(url)
        self.duplicate_with_everything()
        dup = Organisation.objects.get(name="Acme Genomik")
        url = f"/organisations/{self.acme.pk}/merge/?other={dup.pk}"
        with CaptureQueriesContext(connection) as many:
            response = self.client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        self.assertEqual(len(many), len(few))
        self.assertLessEqual(len(many), MAX_QUERIES)
        # One query counts what refers to each, the same as one at a time.
        with translation.override("en"):
            self.assertEqual(response.context["other_refers"], actions.merge_preview(dup))
            self.assertEqual(response.context["this_refers"], actions.merge_preview(self.acme))
        self.assertIn(("contacts", 2), response.context["other_refers"])

    def test_only_coordinators_merge(self):
        dup = org("Acme igen")
        self.login(self.dave)
        response = self.client.post(
            f"/organisations/{self.acme.pk}/merge/",
            {"other": dup.pk, "keep": "this", "this_version": 1, "other_version": 1},
        )
        self.assertEqual(response.status_code, 403)
        self.assertTrue(Organisation.objects.filter(pk=dup.pk).exists())
        with self.assertRaises(actions.PermissionDenied):
            actions.do_merge_organisations(self.bob, self.acme, dup)


class EventExportTestCase(BaseTestCase):
    def test_the_event_list_exports_its_rows(self):
        import csv
        import datetime
        import io

        Event.objects.create(
            title="Industridag", kind="industry_day", date=datetime.date(2026, 3, 1)
        )
        self.login(self.dave)
        response = self.client.get("/organisations/events/?format=csv")
        rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
        self.assertEqual([r[0] for r in rows[1:]], ["Industridag"])
