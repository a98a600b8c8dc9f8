"""The strategy tracker: roll-up, gaps, files in and out, access, the point page per role,
query counts, the reference strategies and the public API."""

import datetime
import io
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, include, path, resolve
from django.utils import timezone, translation
from ninja import NinjaAPI

from samverkan import urls as project_urls
from samverkan.api import strategy as strategy_api
from samverkan.collaborations import actions as collaboration_actions
from samverkan.collaborations.models import Collaboration
from samverkan.core.models import StaleRecordError
from samverkan.orgs.models import Organisation
from samverkan.register import actions as register_actions
from samverkan.register.models import RegisterEntry
from samverkan.strategy import actions, exchange
from samverkan.strategy.models import (
    Action,
    Area,
    Goal,
    Point,
    PointCollaboration,
    Source,
    Strategy,
)
from samverkan.strategy.progress import (
    strategies_with_progress,
    strategy_tree,
    with_rollup,
    without_work,
)
from samverkan.strategy.reference import load_strategies
from samverkan.test import BaseTestCase

# The project's URLs, plus the strategy pages and API until they are mounted there.
urlpatterns: list[Any] = list(project_urls.urlpatterns)
if not any(str(p.pattern) == "strategy/" for p in urlpatterns):
    urlpatterns.insert(0, path("strategy/", include("samverkan.strategy.urls")))
try:
    resolve("/api/v1/strategies", urlconf=project_urls)
except Resolver404:
    _api = NinjaAPI(urls_namespace="strategy-tests-api")
    _api.add_router("/", strategy_api.router)
    urlpatterns.insert(0, path("api/v1/", _api.urls))

NATIONAL = "nationell-life-science-strategi"
VGR = "vgr-life-science-plan-2021-2024"
GMS_PLAN = "gms-strategiplan-2021-2030"
INDUSTRY = "gms-naringslivsstrategi-2023-2024"
LOGIN = "/accounts/login/"


def plan_document(**strategy: Any) -> dict[str, Any]:
    """A hand-made regional plan with known numbers (see `RollupTest`)."""
    return {
        "format": exchange.FORMAT,
        "strategy": {
            "key": "testplan",
            "kind": "regional",
            "title_sv": "Testregionens plan",
            "title_en": "The test region's plan",
            "publisher": "Testregionen",
            "adopted_on": datetime.date(2022, 3, 1),
            "period_start": 2022,
            "period_end": 2025,
            "implements": NATIONAL,
            "note_sv": "Första raden.\nAndra raden.",
            "sources": ["plan"],
            **strategy,
        },
        "sources": [
            {
                "key": "plan",
                "title": "Regional plan",
                "publisher": "Testregionen",
                "url": "https://example.org/plan",
                "published_on": datetime.date(2022, 3, 1),
            },
            {"key": "beslut", "title": "Beslut", "note": "Datum saknas."},
        ],
        "areas": [
            {
                "number": 1,
                "title_sv": "Data",
                "title_en": "Data",
                "points": [
                    {
                        "number": "1.1",
                        "title_sv": "Hälsodata",
                        "implements": ["2.2"],
                        "sources": ["plan"],
                    },
                    {"number": "1.2", "title_sv": "Register", "implements": ["2.3", "2.1"]},
                    {"number": "1.10", "title_sv": "Tionde", "goal": 3},
                ],
            },
            {
                "number": 2,
                "title_sv": "Kompetens",
                "points": [{"number": "2.1", "title_sv": "Utbildning"}],
            },
            {"number": 3, "title_sv": "Tomt område", "note_sv": "Inga punkter ännu."},
        ],
        "actions": [
            {
                "key": "a",
                "title": "Åtgärd A",
                "status": "ongoing",
                "progress": 40,
                "points": ["1.1"],
                "start_date": datetime.date(2022, 5, 1),
                "owner_organisation": "Region Skåne",
                "sources": ["plan", "beslut"],
            },
            {
                "key": "b",
                "title": "Åtgärd B",
                "status": "done",
                "progress": 100,
                "points": ["1.1"],
                "start_date": datetime.date(2021, 1, 1),
                "end_date": datetime.date(2021, 6, 30),
                "owner": "Regionstyrelsen",
            },
            {"key": "c", "title": "Åtgärd C", "status": "planned", "points": ["1.2"]},
            {
                "key": "d",
                "title": "Åtgärd D",
                "description": "Flera\nrader.",
                "status": "ongoing",
                "progress": 90,
                "points": ["2.1"],
            },
            {"key": "e", "title": "Åtgärd E", "status": "ongoing", "points": ["1.1", "2.1"]},
        ],
    }


def import_plan(document: dict[str, Any] | None = None) -> Strategy:
    doc = exchange.check_document(document or plan_document(), exchange.Locator())
    return actions.do_import_strategy(None, doc).strategy


def snapshot() -> dict[str, Any]:
    """Everything the strategy app stores, history included, to compare before and after."""
    models = [Strategy, Area, Point, Action, Source, PointCollaboration]
    counts = {model.__name__: model.objects.count() for model in models}
    for model in [Strategy, Point, Action, Source, Area]:
        counts[f"history of {model.__name__}"] = model.history.count()  # type: ignore[attr-defined]
    counts["versions"] = (
        sorted(
            [*Strategy.objects.values_list("slug", "version")],
        )
        + sorted(Point.objects.values_list("pk", "version"))
        + sorted(Action.objects.values_list("pk", "version"))
    )
    return counts


@override_settings(ROOT_URLCONF=__name__)
class StrategyTestCase(BaseTestCase):
    plan: Strategy

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        load_strategies()
        cls.plan = import_plan()

    @classmethod
    def collaboration(
        cls,
        title: str,
        company: Organisation,
        *,
        publish: bool = False,
        committee: Any = None,
        goals: tuple[int, ...] = (),
    ) -> Collaboration:
        collaboration = collaboration_actions.do_create_collaboration(
            cls.alice,
            collaboration_actions.CollaborationData(
                title=title,
                summary=f"Sammanfattning av {title}",
                kind="research",
                committees=[committee or cls.rare],
                goals=list(Goal.objects.filter(number__in=goals)),
            ),
        )
        collaboration_actions.do_save_party(
            collaboration, cls.alice, collaboration_actions.PartyData(company, "company")
        )
        if publish:
            register_actions.enter_register(collaboration)
            RegisterEntry.objects.filter(collaboration=collaboration).update(
                preview_until=datetime.date(2020, 1, 1)
            )
            register_actions.publish_due_entries(timezone.localdate())
        return collaboration

    def point(self, number: str, strategy: Strategy | None = None) -> Point:
        return Point.objects.get(strategy=strategy or self.plan, number=number)


class RollupTest(StrategyTestCase):
    """Point 1.1: actions at 40, 100 (done) and unestimated (0) → 46.67. Point 1.2: one
    planned, unestimated action → 0. Point 1.10: no actions → none, 0 in its area. Area 1 →
    (46.67 + 0 + 0) / 3 = 15.56. Point 2.1: 90 and unestimated → 45 = area 2. Area 3 has no
    points and does not count. The plan → (15.56 + 45) / 2 = 30.28."""

    def test_it_rolls_progress_up_from_actions_to_points_areas_and_the_strategy(self):
        tree = strategy_tree(self.plan)
        points = {p.number: p for p in tree.points}
        self.assertAlmostEqual(points["1.1"].progress, 140 / 3)
        self.assertEqual(points["1.2"].progress, 0)
        self.assertIsNone(points["1.10"].progress)
        self.assertAlmostEqual(points["2.1"].progress, 45)
        areas = {node.area.number: node for node in tree.areas}
        self.assertAlmostEqual(areas[1].progress, 140 / 9)
        self.assertAlmostEqual(areas[2].progress, 45)
        self.assertIsNone(areas[3].progress)
        self.assertAlmostEqual(tree.progress, (140 / 9 + 45) / 2)
        self.assertEqual(tree.percent, 30)
        self.assertEqual([p.number for p in areas[1].points], ["1.1", "1.2", "1.10"])

    def test_it_gives_the_same_figure_for_a_list_of_strategies(self):
        rows = {s.slug: s for s in strategies_with_progress()}
        self.assertAlmostEqual(rows["testplan"].progress, (140 / 9 + 45) / 2)
        self.assertEqual(rows["testplan"].point_count, 4)
        self.assertEqual(rows["testplan"].action_count, 5)
        self.assertIsNotNone(rows[NATIONAL].progress)

    def test_it_counts_a_done_action_at_100_and_follows_a_change(self):
        action = Action.objects.get(strategy=self.plan, key="a")
        actions.do_set_action_progress(self.alice, action, "done", None, expected_version=1)
        action.refresh_from_db()
        self.assertEqual(action.progress, 100)
        point = with_rollup(Point.objects.filter(pk=self.point("1.1").pk)).get()
        self.assertAlmostEqual(point.progress, 200 / 3)

    def test_it_shows_the_figures_as_text_and_progress_bars(self):
        response = self.client.get(f"/strategy/{self.plan.pk}/")
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn('<progress id="progress-strategy-', html)
        self.assertIn('value="30"', html)
        self.assertIn("30 %", html)
        self.assertIn("47 %", html)  # point 1.1
        self.assertIn(
            f'<label class="visually-hidden" for="progress-point-{self.point("1.1").pk}"', html
        )


class TimelineTest(StrategyTestCase):
    def test_it_orders_actions_by_date_with_undated_ones_last(self):
        response = self.client.get(f"/strategy/{self.plan.pk}/timeline/")
        keys = [action.key for action in response.context["page"]]
        self.assertEqual(keys, ["b", "a", "c", "d", "e"])
        national = Strategy.objects.get(slug=NATIONAL)
        response = self.client.get(f"/strategy/{national.pk}/timeline/?status=done")
        keys = [action.key for action in response.context["page"]]
        self.assertEqual(
            keys,
            [
                "uppdrag-digital-strukturomvandling",
                "life-science-konferens-2022",
                "nordisk-vaccinstudie",
            ],
        )


class GapsTest(StrategyTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.hidden = cls.collaboration("Opublicerat", cls.acme)
        PointCollaboration.objects.create(point=cls.point_of("1.10"), collaboration=cls.hidden)

    @classmethod
    def point_of(cls, number: str) -> Point:
        return Point.objects.get(strategy=cls.plan, number=number)

    def gap_numbers(self, *, published_only: bool) -> list[str]:
        points = without_work(
            Point.objects.filter(strategy=self.plan), published_only=published_only
        )
        return sorted(points.values_list("number", flat=True))

    def test_it_lists_the_points_with_no_action_under_way_and_no_collaboration(self):
        # 1.2 has only a planned action; 1.10 is served by a collaboration.
        self.assertEqual(self.gap_numbers(published_only=False), ["1.2"])

    def test_it_counts_only_published_collaborations_for_the_public(self):
        self.assertEqual(self.gap_numbers(published_only=True), ["1.10", "1.2"])
        anonymous = self.client.get(f"/strategy/{self.plan.pk}/gaps/").content.decode()
        self.assertIn("1.10 Tionde", anonymous)
        self.login(self.alice)
        staff = self.client.get(f"/strategy/{self.plan.pk}/gaps/").content.decode()
        self.assertNotIn("1.10 Tionde", staff)
        self.assertIn("1.2 Register", staff)
        self.assertIn("Tomt område", staff)  # an area without points is named

    def test_it_counts_collaborations_serving_the_goal_a_point_stands_for(self):
        plan = Strategy.objects.get(slug=GMS_PLAN)
        goal_two = Point.objects.get(strategy=plan, number="2")
        self.assertIn(goal_two, without_work(Point.objects.filter(strategy=plan)))
        self.collaboration("Plattform", self.acme, publish=True, goals=(2,))
        self.assertNotIn(goal_two, without_work(Point.objects.filter(strategy=plan)))
        point = with_rollup(Point.objects.filter(pk=goal_two.pk)).get()
        self.assertEqual(point.collaboration_count, 1)
        self.assertTrue(point.has_work)


class RoundTripTest(StrategyTestCase):
    def test_it_gives_the_same_strategy_after_a_yaml_round_trip(self):
        before = exchange.export_document(self.plan)
        text = exchange.to_yaml(before)
        self.plan.delete()
        results = actions.do_import_file(self.alice, "plan.yaml", text.encode())
        after = exchange.export_document(results[0].strategy)
        self.assertEqual(after, before)
        self.assertEqual(exchange.to_yaml(after), text)
        self.assertEqual(before["areas"][0]["points"][2]["goal"], 3)
        self.assertEqual(before["actions"][0]["owner_organisation"], "Region Skåne")

    def test_it_gives_the_same_strategy_after_a_csv_round_trip(self):
        before = exchange.export_document(self.plan)
        text = exchange.to_csv(before)
        self.plan.delete()
        actions.do_import_file(self.alice, "plan.csv", text.encode())
        after = exchange.export_document(Strategy.objects.get(slug="testplan"))
        self.assertEqual(after, before)
        self.assertEqual(exchange.to_csv(after), text)

    def test_it_round_trips_every_reference_strategy(self):
        for strategy in Strategy.objects.all():
            document = exchange.export_document(strategy)
            for text, name in [
                (exchange.to_yaml(document), "s.yaml"),
                (exchange.to_csv(document), "s.csv"),
            ]:
                [(data, locator)] = exchange.read_file(name, text.encode())
                doc = exchange.check_document(data, locator)
                self.assertEqual(doc, exchange.check_document(document, exchange.Locator()))

    def test_it_changes_nothing_when_the_same_file_comes_back(self):
        text = exchange.to_yaml(exchange.export_document(self.plan)).encode()
        before = snapshot()
        [result] = actions.do_import_file(self.alice, "plan.yaml", text)
        self.assertFalse(result.changed)
        self.assertEqual(snapshot(), before)

    def test_it_makes_the_strategy_what_the_file_says(self):
        document = plan_document()
        document["areas"][0]["points"].pop(1)  # 1.2 goes
        document["actions"] = [a for a in document["actions"] if a["key"] != "c"]
        document["actions"][0]["progress"] = 60
        [result] = actions.do_import_file(
            self.alice, "plan.yaml", exchange.to_yaml(document).encode()
        )
        self.assertEqual(result.counts["deleted"], 2)
        self.assertFalse(Point.objects.filter(strategy=self.plan, number="1.2").exists())
        action = Action.objects.get(strategy=self.plan, key="a")
        self.assertEqual((action.progress, action.version), (60, 2))
        self.assertEqual(action.history.count(), 2)

    def test_coordinators_download_both_formats(self):
        self.login(self.alice)
        response = self.client.get(f"/strategy/{self.plan.pk}/export.yaml")
        self.assertEqual(response.status_code, 200)
        self.assertIn('filename="testplan.yaml"', response["Content-Disposition"])
        self.assertIn("key: testplan", response.content.decode())
        response = self.client.get(f"/strategy/{self.plan.pk}/export.csv")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.content.decode().startswith("record,key,number"))

    def test_the_commands_export_and_import(self):
        out = io.StringIO()
        call_command("export_strategy", "testplan", "--format", "csv", stdout=out)
        self.plan.delete()
        path = f"{self._tmpdir()}/plan.csv"
        with open(path, "w", encoding="utf-8", newline="") as handle:
            handle.write(out.getvalue())
        call_command("import_strategy", path, stdout=io.StringIO())
        again = io.StringIO()
        call_command("export_strategy", "testplan", "--format", "csv", stdout=again)
        self.assertEqual(again.getvalue(), out.getvalue())

    def _tmpdir(self) -> str:
        import tempfile

        directory = tempfile.mkdtemp()
        self.addCleanup(__import__("shutil").rmtree, directory)
        return directory


BROKEN_YAML = """\
format: samverkan-strategy/1
strategy:
  key: trasig
  kind: regional
  title_sv: Trasig plan
  implements: nationell-life-science-strategi
areas:
  - number: 1
    title_sv: Område
    points:
      - number: "1.1"
        titel_sv: Stavfel
        implements: ["9.9"]
actions:
  - key: x
    title: Åtgärd
    status: klar
    points: ["1.1"]
    sources: [saknas]
"""


class ImportErrorTest(StrategyTestCase):
    def test_it_refuses_a_broken_yaml_file_naming_each_line_and_key(self):
        before = snapshot()
        with translation.override("en"), self.assertRaises(ValidationError) as raised:
            actions.do_import_file(self.alice, "trasig.yaml", BROKEN_YAML.encode())
        text = "\n".join(raised.exception.messages)
        self.assertIn("line 12, key “areas[1].points[1].titel_sv”", text)
        self.assertIn("line 11, key “areas[1].points[1].title_sv”", text)  # missing
        self.assertIn("line 13, key “areas[1].points[1].implements”", text)
        self.assertIn("9.9", text)
        self.assertIn("line 17, key “actions[1].status”", text)
        self.assertIn("line 19, key “actions[1].sources”", text)
        self.assertEqual(snapshot(), before)
        self.assertFalse(Strategy.objects.filter(slug="trasig").exists())

    def test_it_refuses_a_broken_csv_file_naming_line_and_column(self):
        document = plan_document(key="ny-plan")
        text = exchange.to_csv(document).splitlines()
        # Give the first area a number that is no number.
        index = next(i for i, line in enumerate(text) if line.startswith("area,,1,"))
        text[index] = text[index].replace("area,,1,", "area,,ett,", 1)
        before = snapshot()
        with translation.override("en"), self.assertRaises(ValidationError) as raised:
            actions.do_import_file(self.alice, "plan.csv", "\r\n".join(text).encode())
        messages = "\n".join(raised.exception.messages)
        self.assertIn(f"line {index + 1}, column “number”", messages)
        self.assertEqual(snapshot(), before)

    def test_it_refuses_yaml_aliases(self):
        text = exchange.to_yaml(plan_document(key="alias")) + "extra: &a [1]\nmore: *a\n"
        with self.assertRaises(ValidationError):
            actions.do_import_file(self.alice, "alias.yaml", text.encode())
        self.assertFalse(Strategy.objects.filter(slug="alias").exists())

    def test_it_stores_nothing_when_a_later_strategy_in_the_file_is_broken(self):
        good = plan_document(key="forsta")
        bad = plan_document(key="andra", kind="galaxy")
        text = exchange.to_yaml({"format": exchange.FORMAT, "strategies": [good, bad]})
        before = snapshot()
        with self.assertRaises(ValidationError):
            actions.do_import_file(self.alice, "two.yaml", text.encode())
        self.assertEqual(snapshot(), before)
        self.assertFalse(Strategy.objects.filter(slug="forsta").exists())

    def test_it_refuses_to_drop_a_point_that_collaborations_serve(self):
        collaboration = self.collaboration("Länkad", self.acme)
        actions.do_link_collaboration(self.alice, self.point("1.2"), collaboration)
        document = plan_document()
        document["areas"][0]["points"].pop(1)
        document["actions"] = [a for a in document["actions"] if a["key"] != "c"]
        document["actions"][0]["progress"] = 70  # a change made before the refusal
        before = snapshot()
        with translation.override("en"), self.assertRaises(ValidationError) as raised:
            actions.do_import_file(self.alice, "p.yaml", exchange.to_yaml(document).encode())
        self.assertIn("Point 1.2", raised.exception.messages[0])
        self.assertEqual(snapshot(), before)
        self.assertEqual(Action.objects.get(strategy=self.plan, key="a").progress, 40)

    def test_the_upload_page_lists_the_errors_and_stores_nothing(self):
        self.login(self.alice)
        before = snapshot()
        upload = io.BytesIO(BROKEN_YAML.encode())
        upload.name = "trasig.yaml"
        response = self.client.post(
            "/strategy/import/", {"file": upload}, HTTP_ACCEPT_LANGUAGE="en"
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "line 17, key “actions[1].status”", status_code=400)
        self.assertEqual(snapshot(), before)

    def test_the_upload_page_imports_a_good_file(self):
        self.login(self.alice)
        upload = io.BytesIO(exchange.to_csv(plan_document(key="uppladdad")).encode())
        upload.name = "plan.csv"
        response = self.client.post("/strategy/import/", {"file": upload})
        strategy = Strategy.objects.get(slug="uppladdad")
        self.assertRedirects(response, strategy.get_absolute_url())
        self.assertEqual(Action.objects.filter(strategy=strategy).count(), 5)

    def test_the_import_command_names_the_errors(self):
        import tempfile

        with tempfile.NamedTemporaryFile("w", suffix=".yaml", encoding="utf-8") as handle:
            handle.write(BROKEN_YAML)
            handle.flush()
            with translation.override("en"), self.assertRaises(CommandError) as raised:
                call_command("import_strategy", handle.name, stdout=io.StringIO())
        self.assertIn("nothing was imported", str(raised.exception))
        self.assertIn("line 17", str(raised.exception))


class AccessTest(StrategyTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.target = cls.collaboration("Att länka", cls.acme)

    def test_anonymous_visitors_read_every_page_and_the_api(self):
        national = Strategy.objects.get(slug=NATIONAL)
        point = self.point("1.1", national)
        for url in [
            "/strategy/",
            f"/strategy/{national.pk}/",
            f"/strategy/{national.pk}/gaps/",
            f"/strategy/{national.pk}/timeline/",
            f"/strategy/points/{point.pk}/",
            "/api/v1/strategies",
            f"/api/v1/strategies/{national.pk}",
            f"/api/v1/strategy-points/{point.pk}",
        ]:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 200)
        page = self.client.get(f"/strategy/points/{point.pk}/").content.decode()
        self.assertIn("Regeringskansliet", page)  # owners are public
        self.assertNotIn("Link the collaboration", page)
        self.assertNotIn(
            "/export.yaml", self.client.get(f"/strategy/{national.pk}/").content.decode()
        )

    def link_url(self, point: Point) -> str:
        return f"/strategy/points/{point.pk}/collaborations/link/"

    def test_only_coordinators_and_admins_link_a_collaboration(self):
        point = self.point("1.2")
        data = {"collaboration": self.target.pk, "version": point.version}
        for user in [self.bob, self.carol, self.dave, self.mallory]:
            with self.subTest(user=user.username):
                self.login(user)
                self.assertEqual(self.client.post(self.link_url(point), data).status_code, 403)
        self.client.logout()
        response = self.client.post(self.link_url(point), data)
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(LOGIN))
        self.assertFalse(PointCollaboration.objects.exists())
        self.login(self.alice)
        self.assertRedirects(self.client.post(self.link_url(point), data), point.get_absolute_url())
        link = PointCollaboration.objects.get()
        self.assertEqual(
            (link.point, link.collaboration, link.linked_by), (point, self.target, self.alice)
        )
        point.refresh_from_db()
        self.assertEqual(point.version, 2)
        self.assertEqual(link.history.get().history_user, self.alice)

    def test_a_stale_link_form_is_refused(self):
        point = self.point("1.2")
        self.login(self.erin)
        data = {"collaboration": self.target.pk, "version": point.version}
        self.client.post(self.link_url(point), data)
        other = self.collaboration("En till", self.acme)
        response = self.client.post(
            self.link_url(point), {"collaboration": other.pk, "version": point.version}, follow=True
        )
        self.assertEqual(PointCollaboration.objects.count(), 1)
        levels = [m.level_tag for m in response.context["messages"]]
        self.assertEqual(levels, ["success", "error"])
        with self.assertRaises(StaleRecordError):
            actions.do_link_collaboration(self.alice, point, other, expected_version=1)

    def test_only_coordinators_unlink_and_link_actions(self):
        point = self.point("1.10")
        action = Action.objects.get(strategy=self.plan, key="c")
        link = f"/strategy/points/{point.pk}/actions/link/"
        unlink = f"/strategy/points/{point.pk}/actions/{action.pk}/unlink/"
        for user in [self.bob, self.carol, self.dave]:
            self.login(user)
            self.assertEqual(
                self.client.post(link, {"action": action.pk, "version": 1}).status_code, 403
            )
        self.assertNotIn(point, action.points.all())
        self.login(self.alice)
        self.client.post(link, {"action": action.pk, "version": 1})
        self.assertIn(point, action.points.all())
        action.refresh_from_db()
        self.assertEqual(action.version, 2)
        self.login(self.dave)
        self.assertEqual(self.client.post(unlink, {"version": 2}).status_code, 403)
        self.login(self.alice)
        self.client.post(unlink, {"version": 2})
        self.assertNotIn(point, action.points.all())

    def test_only_coordinators_create_edit_and_export(self):
        action = Action.objects.get(strategy=self.plan, key="a")
        urls = [
            f"/strategy/{self.plan.pk}/actions/new/",
            f"/strategy/actions/{action.pk}/edit/",
            f"/strategy/{self.plan.pk}/export.yaml",
            f"/strategy/{self.plan.pk}/export.csv",
            "/strategy/import/",
        ]
        for user in [self.bob, self.carol, self.dave, self.oscar]:
            self.login(user)
            for url in urls:
                with self.subTest(user=user.username, url=url):
                    self.assertEqual(self.client.get(url).status_code, 403)
        progress = f"/strategy/actions/{action.pk}/progress/"
        self.login(self.dave)
        data = {f"action-{action.pk}-{k}": v for k, v in {"version": 1, "status": "done"}.items()}
        self.assertEqual(self.client.post(progress, data).status_code, 403)
        action.refresh_from_db()
        self.assertEqual(action.status, "ongoing")
        with self.assertRaises(PermissionDenied):
            actions.do_set_action_progress(self.carol, action, "done", None)
        self.login(self.alice)
        for url in urls:
            self.assertEqual(self.client.get(url).status_code, 200)
        point = self.point("1.1")
        response = self.client.post(progress, {**data, "point": point.pk})
        self.assertRedirects(response, point.get_absolute_url())
        action.refresh_from_db()
        self.assertEqual((action.status, action.progress, action.version), ("done", 100, 2))

    def test_a_coordinator_creates_and_edits_an_action(self):
        self.login(self.alice)
        point = self.point("1.10")
        response = self.client.post(
            f"/strategy/{self.plan.pk}/actions/new/",
            {
                "title": "Ny åtgärd",
                "status": "ongoing",
                "progress": "25",
                "points": [point.pk],
                "owner_organisation": Organisation.objects.get(name="Region Skåne").pk,
                "new_source_title": "Protokoll",
                "new_source_url": "https://example.org/protokoll",
            },
        )
        self.assertRedirects(response, self.plan.get_absolute_url())
        action = Action.objects.get(strategy=self.plan, title="Ny åtgärd")
        self.assertEqual(
            (action.progress, action.owner, action.key), (25, "Region Skåne", "ny-atgard")
        )
        self.assertEqual([s.title for s in action.sources.all()], ["Protokoll"])
        self.assertEqual(list(action.points.all()), [point])
        edit = f"/strategy/actions/{action.pk}/edit/"
        form = {"title": "Ändrad", "status": "done", "progress": "50", "version": 1}
        response = self.client.post(edit, form, HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(response, "An action that is done is at 100 %")
        form["progress"] = ""
        self.assertRedirects(self.client.post(edit, form), self.plan.get_absolute_url())
        action.refresh_from_db()
        self.assertEqual(
            (action.title, action.status, action.progress, action.version),
            ("Ändrad", "done", 100, 2),
        )
        self.assertEqual(list(action.points.all()), [])
        # A second save from the same, now stale, form is refused.
        form["title"] = "Skriver över"
        response = self.client.post(edit, form)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].non_field_errors())
        self.assertContains(response, "error-summary")
        action.refresh_from_db()
        self.assertEqual(action.title, "Ändrad")


class PointPageTest(StrategyTestCase):
    """Each role sees only its share of the collaborations that serve a point."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.target = Point.objects.get(strategy=cls.plan, number="2.1")
        cls.acme_published = cls.collaboration("Acme publicerat", cls.acme, publish=True)
        cls.acme_hidden = cls.collaboration("Acme opublicerat", cls.acme)
        cls.other_published = cls.collaboration("Annat publicerat", cls.other, publish=True)
        cls.other_hidden = cls.collaboration(
            "Annat opublicerat", cls.other, committee=cls.education
        )
        cls.unrelated = cls.collaboration("Inte länkat", cls.acme, publish=True)
        for collaboration in [
            cls.acme_published,
            cls.acme_hidden,
            cls.other_published,
            cls.other_hidden,
        ]:
            PointCollaboration.objects.create(point=cls.target, collaboration=collaboration)

    ALL = {"Acme publicerat", "Acme opublicerat", "Annat publicerat", "Annat opublicerat"}

    def titles(self, user: Any = None) -> set[str]:
        self.client.logout()
        if user is not None:
            self.login(user)
        html = self.client.get(f"/strategy/points/{self.target.pk}/").content.decode()
        return {title for title in [*self.ALL, "Inte länkat"] if title in html}

    def test_the_public_sees_titles_of_published_collaborations_only(self):
        self.assertEqual(self.titles(), {"Acme publicerat", "Annat publicerat"})
        html = self.client.get(f"/strategy/points/{self.target.pk}/").content.decode()
        entry = RegisterEntry.objects.get(collaboration=self.acme_published)
        self.assertIn(f'href="{entry.get_absolute_url()}"', html)
        self.assertNotIn(self.acme_published.get_absolute_url() + '"', html)

    def test_a_company_user_sees_only_their_own_collaborations(self):
        self.assertEqual(self.titles(self.carol), {"Acme publicerat", "Acme opublicerat"})
        self.assertEqual(self.titles(self.mallory), {"Annat publicerat", "Annat opublicerat"})

    def test_committee_members_see_their_committees_collaborations(self):
        self.assertEqual(self.titles(self.bob), self.ALL - {"Annat opublicerat"})
        self.assertEqual(self.titles(self.oscar), {"Annat opublicerat"})

    def test_staff_and_viewers_see_every_collaboration_and_only_staff_get_the_forms(self):
        self.assertEqual(self.titles(self.alice), self.ALL)
        self.assertEqual(self.titles(self.dave), self.ALL)
        self.login(self.alice)
        self.assertContains(self.client.get(self.target.get_absolute_url()), "collaborations/link/")
        self.login(self.dave)
        self.assertNotContains(
            self.client.get(self.target.get_absolute_url()), "collaborations/link/"
        )

    def test_the_public_figures_count_only_published_collaborations(self):
        self.client.logout()
        response = self.client.get(f"/strategy/points/{self.target.pk}/")
        self.assertEqual(response.context["point"].collaboration_count, 2)
        self.login(self.dave)
        response = self.client.get(f"/strategy/points/{self.target.pk}/")
        self.assertEqual(response.context["point"].collaboration_count, 4)

    def test_the_api_gives_published_collaborations_only(self):
        response = self.client.get(f"/api/v1/strategy-points/{self.target.pk}")
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual(
            sorted(c["title"] for c in body["published_collaborations"]),
            ["Acme publicerat", "Annat publicerat"],
        )
        self.assertEqual(body["published_collaboration_count"], 2)
        self.assertEqual(body["strategy"]["key"], "testplan")
        self.assertEqual(body["progress"], 45)
        self.assertNotIn("opublicerat", response.content.decode())


class ApiTest(StrategyTestCase):
    def test_it_lists_strategies_with_their_progress(self):
        body = self.client.get("/api/v1/strategies").json()
        rows = {row["key"]: row for row in body["items"]}
        self.assertEqual(rows["testplan"]["progress"], 30)
        self.assertEqual(rows["testplan"]["implements"], NATIONAL)
        self.assertEqual(rows[NATIONAL]["point_count"], 19)

    def test_it_gives_the_tree_with_rolled_up_progress(self):
        body = self.client.get(f"/api/v1/strategies/{self.plan.pk}").json()
        self.assertEqual(body["progress"], 30)
        self.assertEqual([a["progress"] for a in body["areas"]], [16, 45, None])
        first = body["areas"][0]["points"][0]
        self.assertEqual((first["number"], first["progress"], first["has_work"]), ("1.1", 47, True))
        self.assertEqual([a["key"] for a in first["actions"]], ["a", "b", "e"])
        self.assertEqual(first["implements"][0]["number"], "2.2")
        self.assertEqual(body["areas"][0]["points"][2]["goal"], 3)
        self.assertEqual(self.client.get("/api/v1/strategies/999999").status_code, 404)


class QueryCountTest(StrategyTestCase):
    def count(self, url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return len(queries)

    def grow(self) -> None:
        area = Area.objects.get(strategy=self.plan, number=2)
        source = Source.objects.get(strategy=self.plan, key="plan")
        for i in range(30):
            point = Point.objects.create(area=area, number=f"2.{i + 10}", title_sv=f"P {i}")
            for j in range(2):
                action = Action.objects.create(
                    strategy=self.plan,
                    key=f"x{i}-{j}",
                    title=f"X {i} {j}",
                    status="ongoing",
                    progress=j * 50,
                )
                action.points.add(point)
                action.sources.add(source)
            collaboration = Collaboration.objects.create(title=f"C {i}", kind="research")
            PointCollaboration.objects.create(point=point, collaboration=collaboration)

    def test_the_tree_page_keeps_its_query_count_as_points_and_actions_grow(self):
        urls = [
            f"/strategy/{self.plan.pk}/",
            f"/strategy/{self.plan.pk}/gaps/",
            f"/strategy/{self.plan.pk}/timeline/",
            f"/api/v1/strategies/{self.plan.pk}",
            "/strategy/",
        ]
        before = {url: self.count(url) for url in urls}
        self.login(self.alice)
        before_staff = {url: self.count(url) for url in urls}
        self.grow()
        self.assertEqual({url: self.count(url) for url in urls}, before_staff)
        self.client.logout()
        self.assertEqual({url: self.count(url) for url in urls}, before)
        with self.assertNumQueries(before[f"/strategy/{self.plan.pk}/"]):
            response = self.client.get(f"/strategy/{self.plan.pk}/")
        self.assertEqual(len(response.context["tree"].points), 34)

    def test_the_point_page_keeps_its_query_count(self):
        point = self.point("1.1")
        self.login(self.alice)
        source = Source.objects.get(strategy=self.plan, key="plan")
        first = 0
        for i in range(31):
            if i == 1:  # one collaboration, then thirty more
                first = self.count(point.get_absolute_url())
            action = Action.objects.create(strategy=self.plan, key=f"y{i}", title=f"Y {i}")
            action.points.add(point)
            action.sources.add(source)
            collaboration = Collaboration.objects.create(title=f"C {i}", kind="research")
            PointCollaboration.objects.create(point=point, collaboration=collaboration)
        self.assertEqual(self.count(point.get_absolute_url()), first)


# Every page reads at most this many queries, whatever the data size.
MAX_QUERIES = 12


class StrategyPageQueriesTest(StrategyTestCase):
    """A strategy's pages cost the same few queries for every role, however many points,
    goals, actions, links between points, implementing strategies and collaborations it
    has."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.rita = cls._user("rita", "committee")  # the region's own editor
        cls.plan.editors.add(cls.rita)
        cls.grow(0, 2)

    @classmethod
    def grow(cls, start: int, count: int) -> None:
        areas = list(Area.objects.filter(strategy=cls.plan))
        goals = list(Goal.objects.all())
        national = list(Point.objects.filter(strategy__slug=NATIONAL))
        source = Source.objects.get(strategy=cls.plan, key="plan")
        for i in range(start, start + count):
            goal = goals[i % len(goals)]
            point = Point.objects.create(
                area=areas[i % len(areas)], number=f"9.{i}", title_sv=f"P {i}", goal=goal
            )
            point.implements_points.add(national[i % len(national)])
            for j in range(2):
                action = Action.objects.create(
                    strategy=cls.plan, key=f"g{i}-{j}", title=f"G {i} {j}", status="ongoing"
                )
                action.points.add(point)
                action.sources.add(source)
            linked = cls.collaboration(f"Länkad {i}", cls.acme, publish=i % 2 == 0)
            PointCollaboration.objects.create(point=point, collaboration=linked)
            cls.collaboration(f"Mål {i}", cls.acme, goals=(goal.number,))
            Strategy.objects.create(
                slug=f"delplan-{i}",
                title_sv=f"Delplan {i}",
                kind="regional",
                implements=cls.plan,
                position=i,
            )
            child = Point.objects.create(
                area=Area.objects.create(
                    strategy=Strategy.objects.get(slug=f"delplan-{i}"), number=1, title_sv="A"
                ),
                number="1.1",
                title_sv="Delpunkt",
            )
            child.implements_points.add(point)

    def count(self, url: str) -> int:
        self.client.get(url)  # what a first request reads once is not the page's
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        self.assertLessEqual(
            len(queries), MAX_QUERIES, "\n".join(q["sql"][:150] for q in queries.captured_queries)
        )
        return len(queries)

    def counts(self) -> dict[tuple[str, str], int]:
        point = Point.objects.get(strategy=self.plan, number="9.0")
        urls = [
            f"/strategy/{self.plan.pk}/",
            f"/strategy/{self.plan.pk}/gaps/",
            f"/strategy/{self.plan.pk}/timeline/",
            point.get_absolute_url(),
        ]
        found = {}
        for user in (None, self.alice, self.bob, self.rita):
            self.client.logout()
            if user:
                self.login(user)
            for url in urls:
                found[user.username if user else "public", url] = self.count(url)
        return found

    def test_the_count_stays_the_same_as_the_strategy_grows(self):
        few = self.counts()
        self.grow(2, 25)
        self.assertEqual(self.counts(), few)

    def test_the_tree_shows_its_progress_children_and_who_may_edit(self):
        self.login(self.rita)
        url = f"/strategy/{self.plan.pk}/"
        response = self.client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        # The progress read with the strategy is the one the tree computes on its own.
        alone = strategy_tree(Strategy.objects.get(pk=self.plan.pk), published_only=True)
        self.assertEqual(response.context["tree"].progress, alone.progress)
        self.assertIsNotNone(alone.progress)
        self.assertEqual(
            [child.title for child in response.context["children"]], ["Delplan 0", "Delplan 1"]
        )
        self.assertContains(response, "New action")
        self.assertContains(
            response, f'href="{Strategy.objects.get(slug=NATIONAL).get_absolute_url()}"'
        )
        self.login(self.bob)
        response = self.client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        self.assertFalse(response.context["can_edit"])
        self.assertNotContains(response, "New action")
        self.client.logout()
        self.assertFalse(self.client.get(url).context["can_edit"])
        self.login(self.alice)
        self.assertTrue(self.client.get(url).context["can_edit"])
        response = self.client.get(f"/strategy/{self.plan.pk}/gaps/")
        self.assertEqual(
            response.context["point_count"], Point.objects.filter(strategy=self.plan).count()
        )
        self.assertEqual(self.client.get("/strategy/999999/").status_code, 404)
        child = Strategy.objects.get(slug="delplan-0")
        self.assertEqual(self.client.get(f"/strategy/{child.pk}/").context["children"], [])


class ReferenceTest(StrategyTestCase):
    def test_a_second_load_changes_nothing(self):
        before = snapshot()
        results = load_strategies()
        self.assertEqual([r.changed for r in results], [False] * 4)
        self.assertEqual(snapshot(), before)
        load_strategies(replace=True)
        self.assertEqual(snapshot(), before)

    def test_a_second_load_keeps_a_coordinators_edit(self):
        action = Action.objects.get(strategy__slug=NATIONAL, key="nordic-commons")
        actions.do_set_action_progress(self.alice, action, "ongoing", 60, expected_version=1)
        load_strategies()
        action.refresh_from_db()
        self.assertEqual(action.progress, 60)

    def test_the_national_strategy_has_eight_areas_and_area_ones_actions(self):
        national = Strategy.objects.get(slug=NATIONAL)
        self.assertEqual(national.kind, "national")
        self.assertEqual(national.adopted_on, datetime.date(2019, 12, 12))
        areas = list(national.areas.order_by("number"))
        self.assertEqual([a.number for a in areas], list(range(1, 9)))
        empty = [a.number for a in areas if not a.points.exists()]
        self.assertEqual(empty, [3, 5])
        self.assertTrue(all(a.note_sv for a in areas if a.number in (3, 5)))
        self.assertEqual(Point.objects.filter(strategy=national).count(), 19)
        area_one = Action.objects.filter(strategy=national)
        self.assertEqual(area_one.count(), 10)
        for action in area_one:
            self.assertTrue(action.sources.exists(), action.key)
            self.assertTrue(all(p.area.number == 1 for p in action.points.all()), action.key)
        dated = Source.objects.get(strategy=national, key="studie-nordiskt-vaccinsamarbete")
        self.assertEqual(dated.published_on, datetime.date(2022, 6, 8))

    def test_the_regional_plan_implements_national_points(self):
        vgr = Strategy.objects.get(slug=VGR)
        self.assertEqual(vgr.implements.slug, NATIONAL)
        self.assertEqual(vgr.adopted_on, datetime.date(2021, 6, 15))
        self.assertEqual((vgr.period_start, vgr.period_end), (2021, 2024))
        links = {
            p.number: sorted(q.number for q in p.implements_points.all())
            for p in Point.objects.filter(strategy=vgr)
        }
        self.assertEqual(links["1.1"], ["2.2"])
        self.assertEqual(links["1.2"], ["4.4"])
        self.assertTrue(
            all(
                p.strategy.slug == NATIONAL
                for p in Point.objects.filter(implemented_by__strategy=vgr)
            )
        )

    def test_gms_goals_are_a_strategy_linked_to_the_goal_rows(self):
        plan = Strategy.objects.get(slug=GMS_PLAN)
        goals = {p.number: p.goal.number for p in Point.objects.filter(strategy=plan)}
        self.assertEqual(goals, {str(n): n for n in range(1, 6)})
        self.assertEqual(Goal.objects.count(), 5)
        industry = Strategy.objects.get(slug=INDUSTRY)
        self.assertEqual(industry.implements, plan)
        self.assertEqual(Point.objects.filter(strategy=industry).count(), 6)
        self.assertTrue(Source.objects.filter(strategy=industry).exists())
