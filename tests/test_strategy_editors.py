"""The strategy work of others: a region or agency that owns a strategy has editors who keep
its actions and progress; the infrastructure's coordinators keep every strategy. Bulk import
of a strategy's actions works from the README's example files."""

import io
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied

from samverkan.accounts.models import Role
from samverkan.orgs.models import Organisation
from samverkan.strategy import actions
from samverkan.strategy.models import Action, Strategy
from samverkan.test import BaseTestCase

EXAMPLES = Path(settings.BASE_DIR) / "reference" / "examples"
KEY = "region-exempel-plan-2025-2027"


def upload(name: str, content: bytes) -> io.BytesIO:
    handle = io.BytesIO(content)
    handle.name = name
    return handle


class StrategyEditorTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # The coordinator loads the region's plan from the example file, then names the
        # region's own editor.
        actions.do_import_file(
            cls.alice, "region-plan.yaml", (EXAMPLES / "region-plan.yaml").read_bytes()
        )
        cls.region = Organisation.objects.create(name="Region Exempel", kind="region")
        cls.plan = Strategy.objects.get(slug=KEY)
        cls.plan.owner_organisation = cls.region
        cls.plan.save()
        cls.rita = cls._user("rita", Role.COMMITTEE)
        cls.plan.editors.add(cls.rita)
        cls.other_plan = Strategy.objects.create(
            slug="annan-plan", title_sv="Annan plan", kind="regional"
        )

    def test_the_example_files_hold_the_same_plan(self) -> None:
        self.assertEqual(Action.objects.filter(strategy=self.plan).count(), 3)
        before = list(Action.objects.filter(strategy=self.plan).values_list("key", "progress"))
        actions.do_import_file(
            self.alice, "region-plan.csv", (EXAMPLES / "region-plan.csv").read_bytes()
        )
        after = list(Action.objects.filter(strategy=self.plan).values_list("key", "progress"))
        self.assertEqual(before, after)

    def test_an_editor_adds_an_action_to_their_own_strategy(self) -> None:
        self.login(self.rita)
        response = self.client.post(
            f"/strategy/{self.plan.pk}/actions/new/",
            {"title": "Ny åtgärd från regionen", "status": "planned", "owner_name": "Regionen"},
        )
        self.assertRedirects(response, self.plan.get_absolute_url())
        self.assertTrue(
            Action.objects.filter(strategy=self.plan, title="Ny åtgärd från regionen").exists()
        )
        page = self.client.get(self.plan.get_absolute_url())
        self.assertContains(page, f"/strategy/{self.plan.pk}/actions/new/")

    def test_an_editor_sets_the_progress_of_their_own_actions(self) -> None:
        action = Action.objects.get(strategy=self.plan, key="studiekontor")
        self.login(self.rita)
        response = self.client.post(
            f"/strategy/actions/{action.pk}/progress/",
            {
                f"action-{action.pk}-version": action.version,
                f"action-{action.pk}-status": "ongoing",
                f"action-{action.pk}-progress": 25,
            },
        )
        self.assertEqual(response.status_code, 302)
        action.refresh_from_db()
        self.assertEqual((action.status, action.progress), ("ongoing", 25))

    def test_an_editor_may_not_touch_another_strategy(self) -> None:
        self.login(self.rita)
        response = self.client.post(
            f"/strategy/{self.other_plan.pk}/actions/new/",
            {"title": "Fel plan", "status": "planned"},
        )
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Action.objects.filter(title="Fel plan").exists())
        page = self.client.get(self.other_plan.get_absolute_url())
        self.assertNotContains(page, f"/strategy/{self.other_plan.pk}/actions/new/")
        with self.assertRaises(PermissionDenied):
            actions.do_create_action(
                self.rita, self.other_plan, actions.ActionData(title="Fel plan")
            )

    def test_someone_who_edits_no_strategy_may_not_import(self) -> None:
        self.login(self.bob)
        self.assertEqual(self.client.get("/strategy/import/").status_code, 403)
        with self.assertRaises(PermissionDenied):
            actions.do_import_file(
                self.bob, "region-plan.yaml", (EXAMPLES / "region-plan.yaml").read_bytes()
            )

    def test_an_editor_imports_their_strategy_and_nothing_else(self) -> None:
        self.login(self.rita)
        content = (EXAMPLES / "region-plan.yaml").read_text(encoding="utf-8")
        changed = content.replace("progress: 40", "progress: 60")
        response = self.client.post(
            "/strategy/import/", {"file": upload("plan.yaml", changed.encode())}
        )
        self.assertRedirects(response, self.plan.get_absolute_url())
        self.assertEqual(Action.objects.get(strategy=self.plan, key="datadelning").progress, 60)

        # A file for a strategy she does not edit, or a new one, is refused; nothing stored.
        before = Strategy.objects.count()
        foreign = content.replace(KEY, "annan-region-plan")
        response = self.client.post(
            "/strategy/import/",
            {"file": upload("annan.yaml", foreign.encode())},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "annan-region-plan", status_code=400)
        self.assertEqual(Strategy.objects.count(), before)

    def test_coordinators_keep_every_strategy(self) -> None:
        self.assertTrue(actions.may_edit(self.alice, self.other_plan))
        self.assertTrue(actions.may_edit(self.alice, self.plan))
        self.assertFalse(actions.may_edit(self.bob, self.plan))
        self.assertTrue(actions.may_edit(self.rita, self.plan))
        self.assertFalse(actions.may_edit(self.rita, self.other_plan))
