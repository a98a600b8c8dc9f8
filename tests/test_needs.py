"""The committee needs board: who writes what, the public board, coverage, query counts."""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext

from samverkan.accounts.models import User
from samverkan.core.models import StaleRecordError
from samverkan.inquiries.models import Inquiry
from samverkan.needs import actions
from samverkan.needs.models import Need
from samverkan.needs.querysets import needs_coverage
from samverkan.orgs.models import Committee
from samverkan.strategy.models import Goal
from samverkan.test import BaseTestCase
from tests.test_intake import form_data as inquiry_form_data

ROLES = ["anon", "alice", "bob", "carol", "dave", "erin", "mallory", "oscar"]
LOGIN = "login"  # anonymous visitors are sent to the login page
STALE = (
    "Someone else changed this record while you were working on it. "
    "Reload the page to see their change, then make yours again."
)


def need_form(committee: str = "rare_diseases", **overrides: Any) -> dict[str, Any]:
    """A complete, valid need as the form takes it."""
    data: dict[str, Any] = {
        "committee": committee,
        "title": "Långtidsuppföljning av patienter med ärftlig cancer",
        "description": "Vi söker en partner som kan bygga ett register för uppföljning.",
        "kind": "development",
        "desired_partner": "Företag med registerplattform",
        "contact_committee": "",
        "goals": [],
        "status": "draft",
    }
    data.update(overrides)
    return data


class NeedTestCase(BaseTestCase):
    """Personas plus a small set of needs: rare diseases and education, every status."""

    goal1: Goal
    goal2: Goal
    rare_published: Need
    rare_draft: Need
    rare_closed: Need
    edu_published: Need
    edu_draft: Need

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.goal1 = Goal.objects.get(number=1)
        cls.goal2 = Goal.objects.get(number=2)
        cls.rare_published = cls.need(
            cls.rare,
            "Snabb helgenomsekvensering för Sällsynta sjukdomar hos nyfödda",
            kind="research",
            status=Need.Status.PUBLISHED,
            goals=[cls.goal1],
        )
        cls.rare_draft = cls.need(cls.rare, "Utkast om variantdatabas")
        cls.rare_closed = cls.need(
            cls.rare, "Avslutat behov av långläsning", status=Need.Status.CLOSED
        )
        cls.edu_published = cls.need(
            cls.education,
            "Utbildning i genomik för vårdpersonal",
            kind="education",
            status=Need.Status.PUBLISHED,
            goals=[cls.goal2],
        )
        cls.edu_draft = cls.need(cls.education, "Utkast om e-lärande")

    @classmethod
    def need(
        cls,
        committee: Committee,
        title: str,
        *,
        kind: str = "development",
        status: str = Need.Status.DRAFT,
        goals: list[Goal] | None = None,
        description: str = "En beskrivning av behovet.",
        actor: User | None = None,
    ) -> Need:
        """A need through the real action, as a coordinator writes it."""
        return actions.do_save_need(
            actor or cls.alice,
            actions.NeedData(
                committee=committee,
                title=title,
                description=description,
                kind=kind,
                status=status,
                goals=goals or [],
            ),
        )

    def client_for(self, role: str) -> Client:
        client = Client()
        if role != "anon":
            client.force_login(
                getattr(self, role), backend="django.contrib.auth.backends.ModelBackend"
            )
        return client


class NeedAccessTestCase(NeedTestCase):
    def matrix(self) -> list[tuple[str, str, dict[str, int | str]]]:
        published = self.rare_published.pk
        draft = self.rare_draft.pk
        public = dict.fromkeys(ROLES, 200)
        writers = {
            "anon": LOGIN,
            "alice": 200,
            "bob": 200,
            "carol": 403,
            "dave": 403,
            "erin": 200,
            "mallory": 403,
            "oscar": 200,
        }
        sees_rare_draft = {
            "anon": 404,
            "alice": 200,
            "bob": 200,
            "carol": 404,
            "dave": 200,
            "erin": 200,
            "mallory": 404,
            "oscar": 404,
        }
        edit_rare_published = {**writers, "oscar": 403}
        edit_rare_draft = {**writers, "oscar": 404}
        # An empty status form is refused with a message and a redirect to the need.
        status_rare_draft = {**edit_rare_draft, "alice": 302, "bob": 302, "erin": 302}
        readers = {
            "anon": LOGIN,
            "alice": 200,
            "bob": 403,
            "carol": 403,
            "dave": 200,
            "erin": 200,
            "mallory": 403,
            "oscar": 403,
        }
        history_published = {**readers, "bob": 200, "oscar": 200}
        return [
            ("get", "/needs/", public),
            ("get", f"/needs/{published}/", public),
            ("get", f"/needs/{draft}/", sees_rare_draft),
            ("get", f"/needs/{self.rare_closed.pk}/", sees_rare_draft),
            ("get", "/needs/mine/", writers),
            ("get", "/needs/new/", writers),
            ("get", f"/needs/{published}/edit/", edit_rare_published),
            ("get", f"/needs/{draft}/edit/", edit_rare_draft),
            ("post", f"/needs/{published}/edit/", edit_rare_published),  # empty: form errors
            ("post", f"/needs/{draft}/status/", status_rare_draft),
            # Committee members see which committees have described their needs (README).
            ("get", "/needs/coverage/", {**readers, "bob": 200, "oscar": 200}),
            ("get", f"/needs/{published}/history/", history_published),
            ("get", f"/needs/{draft}/history/", {**history_published, "oscar": 404}),
        ]

    def test_it_answers_every_role_on_every_url_as_intended(self):
        for role in ROLES:
            client = self.client_for(role)
            for method, url, expected in self.matrix():
                with self.subTest(role=role, method=method, url=url):
                    response = getattr(client, method)(url)
                    if expected[role] == LOGIN:
                        self.assertEqual(response.status_code, 302)
                        self.assertIn("/accounts/login/", response["Location"])
                    else:
                        self.assertEqual(response.status_code, expected[role])

    def test_it_refuses_a_get_on_the_status_url(self):
        self.login(self.alice)
        response = self.client.get(f"/needs/{self.rare_draft.pk}/status/")
        self.assertEqual(response.status_code, 405)

    def test_visible_to_shows_drafts_only_to_readers_and_the_committee(self):
        everything = {
            self.rare_published,
            self.rare_draft,
            self.rare_closed,
            self.edu_published,
            self.edu_draft,
        }
        published = {self.rare_published, self.edu_published}

        expected = {
            self.alice: everything,
            self.dave: everything,
            self.erin: everything,
            self.bob: published | {self.rare_draft, self.rare_closed},
            self.oscar: published | {self.edu_draft},
            self.carol: published,
            self.mallory: published,
        }
        for user, needs in expected.items():
            with self.subTest(user=user.username):
                self.assertEqual(set(Need.objects.visible_to(user)), needs)
        self.assertEqual(set(Need.objects.visible_to(AnonymousUser())), published)
        self.bob.is_active = False
        self.assertEqual(set(Need.objects.visible_to(self.bob)), published)


class NeedWritingTestCase(NeedTestCase):
    def test_it_lets_a_committee_member_write_a_need_for_their_committee(self):
        self.login(self.bob)
        response = self.client.post("/needs/new/", need_form(goals=[self.goal1.pk]))
        need = Need.objects.get(title__startswith="Långtidsuppföljning")
        self.assertRedirects(response, f"/needs/{need.pk}/")
        self.assertEqual(need.committee, self.rare)
        self.assertEqual(need.contact, self.rare)  # the committee to contact defaults to its own
        self.assertEqual(need.created_by, self.bob)
        self.assertEqual(need.status, Need.Status.DRAFT)
        self.assertEqual(list(need.goals.all()), [self.goal1])
        record = need.history.get()
        self.assertEqual(record.history_type, "+")
        self.assertEqual(record.history_user, self.bob)
        self.assertEqual([row.goal for row in record.goals.all()], [self.goal1])

    def test_it_preselects_a_members_only_committee(self):
        self.login(self.bob)
        response = self.client.get("/needs/new/")
        self.assertEqual(response.context["form"].initial["committee"], "rare_diseases")
        choices = [c.slug for c in response.context["form"].fields["committee"].queryset]
        self.assertEqual(choices, ["rare_diseases"])

    def test_it_refuses_a_member_a_committee_not_theirs(self):
        self.login(self.bob)
        response = self.client.post("/needs/new/", need_form(committee="education"))
        self.assertEqual(response.status_code, 200)
        self.assertIn("committee", response.context["form"].errors)
        self.assertFalse(Need.objects.filter(title__startswith="Långtidsuppföljning").exists())

    def test_it_tells_a_member_without_a_committee_why_they_cannot_write(self):
        lonely = self._user("lonely", "committee")
        self.login(lonely)
        response = self.client.get("/needs/new/")
        self.assertFalse(response.context["has_committees"])
        self.assertNotContains(response, 'name="title"')

    def test_it_lets_a_member_edit_their_committees_need(self):
        need = self.rare_draft
        before = need.version
        self.login(self.bob)
        response = self.client.get(f"/needs/{need.pk}/edit/")
        self.assertContains(response, f'name="version" value="{need.version}"')
        response = self.client.post(
            f"/needs/{need.pk}/edit/",
            need_form(
                title="Variantdatabas för sällsynta sjukdomar",
                contact_committee="informatics",
                goals=[self.goal1.pk, self.goal2.pk],
                status="published",
                version=need.version,
            ),
        )
        self.assertRedirects(response, f"/needs/{need.pk}/")
        need.refresh_from_db()
        self.assertEqual(need.title, "Variantdatabas för sällsynta sjukdomar")
        self.assertEqual(need.version, before + 1)
        self.assertEqual(need.status, Need.Status.PUBLISHED)
        self.assertIsNotNone(need.published_at)
        self.assertEqual(need.contact, self.informatics)
        self.assertEqual(set(need.goals.all()), {self.goal1, self.goal2})
        # One history entry per save, with the goals as they were then.
        latest = need.history.latest()
        self.assertEqual(need.history.count(), 2)
        self.assertEqual(latest.history_user, self.bob)
        self.assertEqual({row.goal for row in latest.goals.all()}, {self.goal1, self.goal2})
        page = self.client.get(f"/needs/{need.pk}/")
        self.assertContains(page, self.informatics.get_absolute_url())
        history = self.client.get(f"/needs/{need.pk}/history/")
        self.assertContains(history, "Variantdatabas för sällsynta sjukdomar")

    def test_it_refuses_a_member_of_another_committee(self):
        self.login(self.oscar)
        published = self.rare_published
        response = self.client.post(
            f"/needs/{published.pk}/edit/",
            need_form(committee="education", title="Kapat", version=published.version),
        )
        self.assertEqual(response.status_code, 403)
        response = self.client.post(
            f"/needs/{published.pk}/status/", {"status": "closed", "version": published.version}
        )
        self.assertEqual(response.status_code, 403)
        response = self.client.post(
            f"/needs/{self.rare_draft.pk}/status/",
            {"status": "published", "version": self.rare_draft.version},
        )
        self.assertEqual(response.status_code, 404)
        published.refresh_from_db()
        self.assertEqual(published.status, Need.Status.PUBLISHED)
        self.assertNotEqual(published.title, "Kapat")
        self.assertEqual(Need.objects.get(pk=self.rare_draft.pk).status, Need.Status.DRAFT)

    def test_the_action_refuses_moving_a_need_to_a_committee_one_is_not_in(self):
        data = actions.NeedData(
            committee=self.education, title="Flytt", description="Text", kind="other"
        )
        with self.assertRaises(PermissionDenied):
            actions.do_save_need(self.bob, data, need=self.rare_draft)
        with self.assertRaises(PermissionDenied):
            actions.do_save_need(self.carol, data)

    def test_company_users_and_viewers_cannot_write(self):
        before = Need.objects.count()
        for user in [self.carol, self.mallory, self.dave]:
            with self.subTest(user=user.username):
                self.login(user)
                response = self.client.post("/needs/new/", need_form())
                self.assertEqual(response.status_code, 403)
                response = self.client.post(
                    f"/needs/{self.rare_published.pk}/status/",
                    {"status": "closed", "version": self.rare_published.version},
                )
                self.assertEqual(response.status_code, 403)
        self.assertEqual(Need.objects.count(), before)
        self.assertEqual(Need.objects.get(pk=self.rare_published.pk).status, Need.Status.PUBLISHED)

    def test_coordinators_write_for_any_committee(self):
        self.login(self.alice)
        response = self.client.post("/needs/new/", need_form(committee="education"))
        need = Need.objects.get(title__startswith="Långtidsuppföljning")
        self.assertRedirects(response, need.get_absolute_url())
        self.assertEqual(need.committee, self.education)
        response = self.client.post(
            f"/needs/{self.rare_draft.pk}/status/",
            {"status": "published", "version": self.rare_draft.version},
        )
        self.assertRedirects(response, self.rare_draft.get_absolute_url())
        self.assertEqual(Need.objects.get(pk=self.rare_draft.pk).status, Need.Status.PUBLISHED)

    def test_a_stale_edit_is_refused_with_a_message(self):
        need = self.rare_draft
        self.login(self.bob)
        form_version = need.version
        # Someone else saves first.
        actions.do_save_need(
            self.alice,
            actions.NeedData(
                committee=self.rare, title="Alices titel", description="Text", kind="other"
            ),
            need=need,
            expected_version=form_version,
        )
        response = self.client.post(
            f"/needs/{need.pk}/edit/", need_form(title="Bobs titel", version=form_version)
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, gettext(STALE))
        need.refresh_from_db()
        self.assertEqual(need.title, "Alices titel")
        self.assertEqual(need.version, form_version + 1)

    def test_a_stale_status_change_is_refused_with_a_message(self):
        need = self.rare_draft
        self.login(self.bob)
        actions.do_change_need_status(need, self.alice, Need.Status.CLOSED)
        response = self.client.post(
            f"/needs/{need.pk}/status/",
            {"status": "published", "version": need.version, "next": "/needs/mine/"},
            follow=True,
        )
        self.assertRedirects(response, "/needs/mine/")
        self.assertContains(response, gettext(STALE))
        self.assertEqual(Need.objects.get(pk=need.pk).status, Need.Status.CLOSED)
        with self.assertRaises(StaleRecordError):
            actions.do_change_need_status(
                need, self.bob, Need.Status.PUBLISHED, expected_version=need.version
            )

    def test_publishing_puts_a_draft_on_the_board_and_closing_takes_it_off(self):
        need = self.rare_draft
        self.assertEqual(self.client.get(need.get_absolute_url()).status_code, 404)
        need = actions.do_change_need_status(
            need, self.bob, Need.Status.PUBLISHED, expected_version=need.version
        )
        self.assertIsNotNone(need.published_at)
        self.assertContains(self.client.get("/needs/"), need.title)
        self.assertEqual(self.client.get(need.get_absolute_url()).status_code, 200)
        actions.do_change_need_status(need, self.bob, Need.Status.CLOSED)
        self.assertNotContains(self.client.get("/needs/"), need.title)
        with self.assertRaises(ValidationError):
            actions.do_change_need_status(need, self.bob, Need.Status.CLOSED)
        self.assertEqual(need.history.count(), 3)

    def test_mine_lists_the_members_committees_needs_in_every_status(self):
        self.login(self.bob)
        response = self.client.get("/needs/mine/")
        titles = {need.title for need in response.context["page"]}
        self.assertEqual(
            titles, {self.rare_published.title, self.rare_draft.title, self.rare_closed.title}
        )
        self.assertContains(response, f"/needs/{self.rare_draft.pk}/edit/")
        self.assertContains(response, 'href="/needs/new/"')
        response = self.client.get("/needs/mine/?status=draft")
        self.assertEqual([n.title for n in response.context["page"]], [self.rare_draft.title])
        self.login(self.alice)
        self.assertEqual(self.client.get("/needs/mine/").context["page"].paginator.count, 5)


class NeedBoardTestCase(NeedTestCase):
    def titles(self, url: str) -> set[str]:
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return {need.title for need in response.context["page"]}

    def test_it_shows_only_published_needs_each_linking_to_its_page(self):
        response = self.client.get("/needs/")
        self.assertContains(response, f'href="/needs/{self.rare_published.pk}/"')
        self.assertContains(response, f'href="/needs/{self.edu_published.pk}/"')
        for hidden in [self.rare_draft, self.rare_closed, self.edu_draft]:
            self.assertNotContains(response, hidden.title)

    def test_the_search_ignores_case_in_every_letter(self):
        title = self.rare_published.title
        self.assertEqual(self.titles("/needs/?q=SÄLLSYNTA"), {title})
        self.assertEqual(self.titles("/needs/?q=sällsynta+HELGENOMSEKVENSERING"), {title})
        self.assertEqual(self.titles("/needs/?q=genomik"), {self.edu_published.title})
        self.assertEqual(self.titles("/needs/?q=beskrivning"), {title, self.edu_published.title})
        self.assertEqual(self.titles("/needs/?q=sällsynta+vårdpersonal"), set())
        self.assertEqual(self.titles("/needs/?q=100%25"), set())

    def test_search_and_filters_combine(self):
        rare = self.rare_published.title
        edu = self.edu_published.title
        self.assertEqual(self.titles("/needs/?committee=rare_diseases"), {rare})
        self.assertEqual(self.titles("/needs/?kind=education"), {edu})
        self.assertEqual(self.titles("/needs/?goal=1"), {rare})
        self.assertEqual(
            self.titles("/needs/?q=beskrivning&committee=rare_diseases&kind=research&goal=1"),
            {rare},
        )
        self.assertEqual(self.titles("/needs/?q=beskrivning&committee=rare_diseases&goal=2"), set())
        self.assertEqual(self.titles("/needs/?q=genomik&committee=rare_diseases"), set())
        self.assertEqual(self.titles("/needs/?committee=education&kind=research"), set())

    def test_the_form_works_without_javascript_and_htmx_gets_the_results_only(self):
        page = self.client.get("/needs/?q=genomik")
        self.assertContains(page, '<form method="get" action="/needs/"')
        self.assertContains(page, "<html")
        self.assertContains(page, 'value="genomik"')
        fragment = self.client.get("/needs/?q=genomik", headers={"HX-Request": "true"})
        self.assertNotContains(fragment, "<html")
        self.assertContains(fragment, 'id="results"')
        self.assertContains(fragment, self.edu_published.title)
        self.assertNotContains(fragment, self.rare_published.title)
        self.assertIn("HX-Request", fragment["Vary"])

    def test_it_pages_the_board(self):
        for i in range(30):
            self.need(self.informatics, f"Behov {i}", status=Need.Status.PUBLISHED)
        first = self.client.get("/needs/")
        self.assertEqual(first.context["page"].paginator.count, 32)
        self.assertContains(first, 'rel="next"')
        second = self.client.get("/needs/?page=2&committee=informatics")
        self.assertEqual(len(second.context["page"]), 5)
        self.assertContains(second, 'rel="prev"')

    def test_answer_this_need_links_the_inquiry_to_the_need(self):
        need = self.edu_published
        response = self.client.get(need.get_absolute_url())
        link = f'href="/inquiries/new/?need={need.pk}"'
        self.assertContains(response, link)
        form = self.client.get(f"/inquiries/new/?need={need.pk}")
        self.assertContains(form, f'<option value="{need.pk}" selected>')
        self.client.post("/inquiries/new/", inquiry_form_data(need=str(need.pk)))
        inquiry = Inquiry.objects.get()
        self.assertEqual(inquiry.need, need)
        self.assertIn(self.education, inquiry.requested_committees.all())

    def test_a_draft_or_closed_need_cannot_be_answered(self):
        self.login(self.bob)
        for need in [self.rare_draft, self.rare_closed]:
            with self.subTest(status=need.status):
                response = self.client.get(need.get_absolute_url())
                self.assertEqual(response.status_code, 200)
                self.assertNotContains(response, "/inquiries/new/?need=")
                self.assertContains(response, f"/needs/{need.pk}/edit/")


class NeedCoverageTestCase(NeedTestCase):
    def test_it_counts_the_committees_with_a_published_need(self):
        # Drafts and closed needs do not cover a committee; two published ones count once.
        self.need(self.rare, "Ett till publicerat", status=Need.Status.PUBLISHED)
        self.need(self.informatics, "Bara ett utkast")
        self.need(self.informatics, "Stängt", status=Need.Status.CLOSED)
        coverage = needs_coverage()
        self.assertEqual(Committee.objects.count(), 15)
        self.assertEqual((coverage.covered, coverage.total), (2, 15))
        self.assertEqual(coverage.percent, 13)
        rows = {c.slug: c for c in coverage.committees}
        self.assertEqual(len(rows), 15)
        self.assertEqual(
            (rows["rare_diseases"].published_needs, rows["rare_diseases"].covered), (2, True)
        )
        self.assertEqual(rows["rare_diseases"].draft_needs, 1)
        self.assertEqual((rows["education"].published_needs, rows["education"].covered), (1, True))
        self.assertEqual(
            (rows["informatics"].published_needs, rows["informatics"].covered), (0, False)
        )
        self.assertEqual(rows["informatics"].draft_needs, 1)

    def test_the_page_shows_the_share_and_every_committee(self):
        self.login(self.dave)
        response = self.client.get("/needs/coverage/", HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(response, "2 of 15 committees, 13 %")
        for committee in Committee.objects.all():
            self.assertContains(response, committee.get_absolute_url())

    def test_it_measures_a_subset_of_committees(self):
        coverage = needs_coverage(
            Committee.objects.filter(slug__in=["rare_diseases", "haematology"])
        )
        self.assertEqual((coverage.covered, coverage.total, coverage.percent), (1, 2, 50))
        self.assertIsNone(needs_coverage(Committee.objects.none()).percent)


class NeedQueryCountTestCase(NeedTestCase):
    # infrastructure, count, page, goals of the page; committees, centres and goals for the
    # filters. The page's states come with its rows.
    BOARD_QUERIES = 7
    # session, user, infrastructure, committee rows, centre rows, committee and need totals
    COVERAGE_QUERIES = 7
    # session, user, infrastructure, member's committees and centres (one query), count,
    # filter's committees, page (with each need's state)
    MINE_QUERIES = 7

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        committees = list(Committee.objects.all())
        for i in range(36):
            cls.need(
                committees[i % len(committees)],
                f"Behov nummer {i}",
                status=Need.Status.PUBLISHED if i % 3 else Need.Status.DRAFT,
                goals=[cls.goal1, cls.goal2] if i % 2 else [cls.goal1],
            )
        Need.objects.filter(committee=cls.rare).update(contact_committee=cls.informatics)

    def count(self, url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return len(queries)

    def test_the_board(self):
        with self.assertNumQueries(self.BOARD_QUERIES):
            response = self.client.get("/needs/")
        self.assertEqual(len(response.context["page"]), 25)
        self.assertEqual(self.count("/needs/?page=2"), self.BOARD_QUERIES)
        # A choice filter looks its value up once, whatever the number of rows.
        filtered = self.count("/needs/?q=behov&goal=1")
        self.assertEqual(filtered, self.BOARD_QUERIES + 1)
        self.assertEqual(self.count("/needs/?q=behov&goal=1&page=2"), filtered)

    def test_the_coverage_page(self):
        self.login(self.alice)
        with self.assertNumQueries(self.COVERAGE_QUERIES):
            response = self.client.get("/needs/coverage/")
        self.assertEqual(len(response.context["coverage"].committees), 15)
        Need.objects.all().delete()
        self.assertEqual(self.count("/needs/coverage/"), self.COVERAGE_QUERIES)

    def test_the_writers_list(self):
        self.login(self.alice)
        full = self.count("/needs/mine/")
        self.assertEqual(self.count("/needs/mine/?page=2"), full)
        self.login(self.bob)
        with self.assertNumQueries(self.MINE_QUERIES):
            self.client.get("/needs/mine/")

    def test_the_published_at_orders_the_board(self):
        newest = self.need(self.education, "Allra nyast", status=Need.Status.PUBLISHED)
        self.assertEqual(self.client.get("/needs/").context["page"][0], newest)


class NeedAdminTestCase(NeedTestCase):
    def test_the_admin_lists_needs_and_publishes_through_the_action(self):
        self.login(self.erin)
        response = self.client.get("/admin/needs/need/")
        self.assertContains(response, self.rare_draft.title)
        self.assertEqual(
            self.client.get(f"/admin/needs/need/{self.rare_draft.pk}/change/").status_code, 200
        )
        version = self.rare_draft.version
        self.client.post(
            "/admin/needs/need/",
            {"action": "publish", "_selected_action": [self.rare_draft.pk, self.edu_draft.pk]},
        )
        need = Need.objects.get(pk=self.rare_draft.pk)
        self.assertEqual(need.status, Need.Status.PUBLISHED)
        self.assertEqual(need.version, version + 1)
        self.assertEqual(need.history.latest().history_user, self.erin)
        self.assertEqual(Need.objects.get(pk=self.edu_draft.pk).status, Need.Status.PUBLISHED)


class NeedExportTestCase(BaseTestCase):
    def test_the_public_board_exports_its_filtered_rows(self):
        import csv
        import io

        for committee, title in [(self.rare, "Exporteras"), (self.informatics, "Filtreras bort")]:
            Need.objects.create(
                committee=committee,
                title=title,
                description="Text",
                kind="research",
                status=Need.Status.PUBLISHED,
            )
        Need.objects.create(
            committee=self.rare, title="Utkast", description="Text", kind="research"
        )
        response = self.client.get("/needs/?committee=rare_diseases&format=csv")
        rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
        self.assertEqual([r[0] for r in rows[1:]], ["Exporteras"])

    def test_a_visitors_long_workbook_is_offered_as_csv(self):
        for title in ["Första behovet", "Andra behovet"]:
            Need.objects.create(
                committee=self.rare,
                title=title,
                description="Text",
                kind="research",
                status=Need.Status.PUBLISHED,
            )
        with self.settings(EXPORT_XLSX_IN_REQUEST_ROWS=1):
            response = self.client.get("/needs/", {"format": "xlsx"})
            self.assertContains(response, "fler än en arbetsbok som görs på begäran rymmer")
            self.assertContains(response, "?format=csv")
        with self.settings(EXPORT_XLSX_IN_REQUEST_ROWS=2):
            response = self.client.get("/needs/", {"format": "xlsx"})
            self.assertIn("attachment", response["Content-Disposition"])
