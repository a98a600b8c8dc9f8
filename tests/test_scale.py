"""National-scale data, and pages whose cost does not grow with it.

Every list page and API list is measured at two data sizes: the same number of queries at
both, and never more than twelve. Deep pages read ids first; the dashboard is cached.
"""

import io

from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from samverkan.accounts.models import User
from samverkan.collaborations.models import Collaboration, CollaborationParty
from samverkan.core.pagination import DEEP_OFFSET
from samverkan.effects import cache as effects_cache
from samverkan.inquiries.models import Assessment, Inquiry, Routing
from samverkan.needs.models import Need
from samverkan.notifications.models import Event as NotificationEvent
from samverkan.notifications.models import Notification
from samverkan.orgs.models import Contact, Event, Interaction, Organisation
from samverkan.register import cache as register_cache
from samverkan.register.models import RegisterEntry
from samverkan.scale.management.commands.bench_web import INTAKE
from samverkan.scale.seed import ORGNR_BASE, seed
from samverkan.test import BaseTestCase, DemoStoryTestCase

# Every page and API list, and a known company's inquiry (the coordinators are told by
# the worker). A new company's first inquiry also stores the company and its contact with
# their history: 16.
MAX_QUERIES = 12


def quiet(table: str, n: int) -> None:
    pass


class SeedScaleTestCase(BaseTestCase):
    def test_the_command_fills_every_part_once(self):
        out = io.StringIO()
        call_command("seed_scale", "--scale", "0.002", "--json", stdout=out, stderr=io.StringIO())
        self.assertIn('"inquiries": 200', out.getvalue())
        self.assertEqual(Inquiry.objects.filter(reference__startswith="SKL-").count(), 200)
        statuses = set(Inquiry.objects.values_list("status", flat=True))
        self.assertEqual(statuses, set(Inquiry.Status.values))
        self.assertTrue(Routing.objects.exists() and Assessment.objects.exists())
        accepted = Inquiry.objects.filter(status="accepted").count()
        self.assertEqual(Collaboration.objects.filter(inquiry__isnull=False).count(), accepted)
        self.assertTrue(CollaborationParty.objects.filter(role="infrastructure_party").exists())
        self.assertTrue(RegisterEntry.objects.published().exists())
        self.assertEqual(Interaction.objects.filter(organisation__kind="company").count(), 2000)
        self.assertEqual(Interaction.contacts.through.objects.count(), Interaction.objects.count())
        languages = set(Inquiry.objects.values_list("language", flat=True))
        self.assertEqual(languages, {"sv", "en"})
        # A second run finds the data and adds nothing.
        call_command("seed_scale", "--scale", "0.002", stdout=out, stderr=io.StringIO())
        self.assertEqual(Inquiry.objects.filter(reference__startswith="SKL-").count(), 200)
        # New inquiries keep counting after the seeded references.
        self.assertTrue(self.submit().reference)

    def test_the_data_is_the_same_every_time(self):
        def snapshot() -> tuple[list[str], list[tuple[str, str]]]:
            seeded = Organisation.objects.filter(website__endswith=".example")
            names = list(seeded.order_by("pk").values_list("name", flat=True))
            titles = list(Inquiry.objects.order_by("pk").values_list("title", "status"))
            return names, titles

        seed(0.001, quiet)
        first = snapshot()
        Interaction.objects.all().delete()
        Collaboration.objects.all().delete()
        Inquiry.objects.all().delete()
        Need.objects.all().delete()
        Event.objects.all().delete()
        Contact.objects.all().delete()
        Organisation.objects.filter(website__endswith=".example").delete()
        seed(0.001, quiet)
        self.assertEqual(snapshot(), first)


class QueriesAtTwoSizesTestCase(BaseTestCase):
    PAGES = [
        "/register/",
        "/register/?q=sekvensering",
        "/api/v1/register/collaborations",
        "/inquiries/",
        "/api/v1/inquiries",
        "/collaborations/",
        "/api/v1/collaborations",
        "/organisations/",
        "/api/v1/organisations",
        "/organisations/events/",
        "/api/v1/events",
        "/needs/",
        "/needs/coverage/",
        "/collaborations/follow-ups/",
        "/collaborations/lessons/",
        "/committees/",
        "/strategy/",
        "/api/v1/strategies",
        "/notifications/",
    ]

    def measure(self) -> dict[str, int]:
        self.login(self.alice)
        register_cache.generation()  # made once in a platform's life, not per page
        effects_cache.generation()
        counts = {}
        for path in self.PAGES:
            caches["local"].clear()  # what building the page costs, not a cached copy
            with CaptureQueriesContext(connection) as queries:
                response = self.client.get(path)
            self.assertEqual(response.status_code, 200, path)
            counts[path] = len(queries)
        large = (
            Organisation.objects.filter(website__endswith=".example")
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        )
        with CaptureQueriesContext(connection) as queries:
            self.client.get(f"/organisations/{large}/")
        counts["organisation"] = len(queries)
        # The latest of each, so that the second size measures other, newer rows.
        inquiry = Inquiry.objects.filter(status=Inquiry.Status.ASSESSMENT).order_by("pk").last()
        # One with every kind of record the page lists, so that both sizes show them all.
        collaboration = (
            Collaboration.objects.filter(
                status=Collaboration.Status.ACTIVE,
                funding_applications__isnull=False,
                follow_ups__isnull=False,
            )
            .order_by("pk")
            .last()
        )
        assert inquiry is not None and collaboration is not None
        routing = inquiry.routings.select_related("committee").first()
        assert routing is not None
        need = Need.objects.order_by("pk").last()
        entry = RegisterEntry.objects.published().order_by("pk").last()
        assert need is not None and entry is not None
        for name, path in [
            ("inquiry", inquiry.get_absolute_url()),
            ("assessment", f"/inquiries/{inquiry.pk}/assess/{routing.committee.slug}/"),
            ("collaboration", collaboration.get_absolute_url()),
            ("need", need.get_absolute_url()),
            ("register_entry", f"/register/{entry.collaboration_id}/"),
            ("committee", f"/committees/{routing.committee.slug}/"),
        ]:
            self.client.get(path)  # the inquiry's committee suggestions are stored once
            with CaptureQueriesContext(connection) as queries:
                response = self.client.get(path)
            self.assertEqual(response.status_code, 200, path)
            counts[name] = len(queries)
        self.client.logout()
        # From a company we know (its first inquiry also stores it and its contact).
        for _known in range(2):
            with CaptureQueriesContext(connection) as queries:
                response = self.client.post(
                    "/api/v1/inquiries", INTAKE, content_type="application/json"
                )
            self.assertEqual(response.status_code, 201)
        counts["intake"] = len(queries)
        return counts

    def test_every_list_costs_the_same_at_two_sizes(self):
        seed(0.002, quiet)
        for i in range(3):  # the notifications list has rows at both sizes
            Notification.objects.create(
                user=self.alice, event=NotificationEvent.NEW_INQUIRY, title=f"{i}"
            )
        small = self.measure()
        seed(0.004, quiet, number_base=ORGNR_BASE + 100_000)
        large = self.measure()
        self.assertGreater(Inquiry.objects.count(), 550)
        for path, count in small.items():
            with self.subTest(path=path):
                self.assertLessEqual(count, MAX_QUERIES)
                self.assertEqual(large[path], count)


class DeepPageTestCase(BaseTestCase):
    def test_a_deep_page_reads_ids_first_and_shows_the_right_rows(self):
        for i in range(DEEP_OFFSET + 60):
            Organisation.objects.create(name=f"Bolag {i:04}")
        self.login(self.alice)
        names = list(Organisation.objects.order_by("name", "pk").values_list("name", flat=True))
        page = DEEP_OFFSET // 25 + 2
        self.client.get("/organisations/")  # the country filter's choices, kept a while
        with CaptureQueriesContext(connection) as deep:
            response = self.client.get("/organisations/", {"page": page})
        shown = [o.name for o in response.context["page"].object_list]
        self.assertEqual(shown, names[(page - 1) * 25 : page * 25])
        with CaptureQueriesContext(connection) as first:
            self.client.get("/organisations/")
        self.assertEqual(len(deep), len(first) + 1)  # the ids, then the rows
        ids_query = next(q["sql"] for q in deep.captured_queries if "OFFSET" in q["sql"])
        self.assertNotIn("COUNT", ids_query.split("FROM")[0])


class EffectsCacheTestCase(BaseTestCase):
    def test_the_dashboard_is_computed_by_the_worker_after_the_data_changes(self):
        from django_tasks_db.models import DBTaskResult

        self.login(self.alice)

        def view() -> tuple[int, bool]:
            with CaptureQueriesContext(connection) as queries:
                response = self.client.get("/effects/")
            self.assertEqual(response.status_code, 200)
            return len(queries), b"figures-updating" in response.content

        effects_cache.generation()
        cold, _updating = view()
        warm, updating = view()
        self.assertLessEqual(warm, 6)
        self.assertLess(warm, cold)
        self.assertFalse(updating)
        with self.captureOnCommitCallbacks(execute=True):
            self.submit()
        # The figures from before, at once, while the worker computes them again.
        stale, updating = view()
        self.assertLessEqual(stale, MAX_QUERIES)
        self.assertTrue(updating)
        # As the worker runs them, inside this test's transaction.
        while waiting := DBTaskResult.objects.ready().order_by("enqueued_at").first():
            waiting.claim("test")
            arguments = waiting.args_kwargs
            waiting.set_successful(waiting.task.call(*arguments["args"], **arguments["kwargs"]))
        fresh, updating = view()
        self.assertLessEqual(fresh, warm + 1)  # read from the shared cache once
        self.assertFalse(updating)
        # Another period is another set of figures.
        with CaptureQueriesContext(connection) as queries:
            self.client.get("/effects/", {"date_from": "2020-01-01", "date_to": "2020-12-31"})
        self.assertGreater(len(queries), MAX_QUERIES)


class DemoPagesTestCase(DemoStoryTestCase):
    """Every page of the demo story, as every role, within the budget: the sweep finds a
    page that reads something per row before the two sizes above would."""

    maxDiff = None

    with_strategies = True

    def test_no_page_reads_more_than_the_budget_for_any_role(self):
        pages = [*self.pages(), "/account/"]  # the company's own page
        over: list[str] = []
        seen = 0
        for username in ["coordinator", "committee", "centre", "company", "viewer", "admin", ""]:
            self.client.logout()
            if username:
                self.client.force_login(User.objects.get(username=username))
            for path in pages:
                self.client.get(path)  # one-time work (stored suggestions) is not the page's
                with CaptureQueriesContext(connection) as queries:
                    response = self.client.get(path)
                if response.status_code != 200:
                    continue  # not this role's page
                seen += 1
                if len(queries) > MAX_QUERIES:
                    over.append(f"{username or 'anonymous'} {path}: {len(queries)}")
        self.assertGreater(seen, 300)
        self.assertEqual(over, [])
