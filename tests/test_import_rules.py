"""The import paths obey the same rules as the pages: an organisation import cannot make or
change a party of the infrastructure, and a strategy import cannot give an action a company
as its owner or touch the collaborations that serve its points."""

import csv
import io
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import translation

from samverkan.accounts.models import Role
from samverkan.collaborations import actions as collaboration_actions
from samverkan.orgs import importing
from samverkan.orgs.actions import import_jobs
from samverkan.orgs.models import Contact, ImportJob, Organisation
from samverkan.strategy import actions as strategy_actions
from samverkan.strategy import exchange
from samverkan.strategy.models import Action, Point, PointCollaboration, Strategy
from samverkan.test import BaseTestCase, valid_orgnr

VAR_DIR = Path(tempfile.mkdtemp(prefix="samverkan-import-rules-"))
EXAMPLE = Path(settings.BASE_DIR) / "reference" / "examples" / "region-plan.yaml"
PLAN = "region-exempel-plan-2025-2027"


def tearDownModule() -> None:
    shutil.rmtree(VAR_DIR, ignore_errors=True)


def csv_upload(rows: list[dict[str, str]], extra: tuple[str, ...] = ()) -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[*importing.COLUMNS, *extra])
    writer.writeheader()
    writer.writerows(rows)
    return SimpleUploadedFile("network.csv", out.getvalue().encode("utf-8-sig"))


@override_settings(VAR_DIR=VAR_DIR)
class OrganisationImportRulesTestCase(BaseTestCase):
    """Through the import's own actions: the preview, then the confirmation."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.skane = Organisation.objects.get(name="Region Skåne")

    def setUp(self) -> None:
        super().setUp()
        translation.activate("en")

    def run_import(self, upload: SimpleUploadedFile) -> dict[int, tuple[str, str]]:
        job = import_jobs.do_start_import(self.alice, upload)
        outcomes = {
            r["line"]: (r["action"], " ".join(r["reasons"] + r["changes"])) for r in job.preview
        }
        if job.summary.get("create") or job.summary.get("update"):
            import_jobs.do_confirm_import(self.alice, job, expected_version=job.version)
            job.refresh_from_db()
            self.assertEqual(job.status, ImportJob.Status.DONE)
        return outcomes

    def test_a_file_cannot_make_a_company_a_party_of_the_infrastructure(self):
        number = valid_orgnr("556111222")
        outcomes = self.run_import(
            csv_upload(
                [
                    {"organisation_name": "Ny Part AB", "organisation_number": number,
                     "is_infrastructure_party": "true"},
                    {"organisation_name": self.acme.name,
                     "organisation_number": self.acme.organisation_number,
                     "website": "https://acme.example", "is_infrastructure_party": "yes"},
                ],
                extra=("is_infrastructure_party",),
            )
        )  # fmt: skip
        self.assertEqual([outcome for outcome, _text in outcomes.values()], ["create", "update"])
        created = Organisation.objects.get(organisation_number=number)
        self.assertFalse(created.is_infrastructure_party)
        self.acme.refresh_from_db()
        self.assertEqual(self.acme.website, "https://acme.example")
        self.assertFalse(self.acme.is_infrastructure_party)

    def test_a_file_cannot_change_a_party_of_the_infrastructure(self):
        before = Organisation.objects.filter(pk=self.skane.pk).values().get()
        outcomes = self.run_import(
            csv_upload(
                [
                    {"organisation_name": "Region Skåne", "kind": "company"},
                    {"organisation_name": "Region Skåne", "website": "https://skane.example"},
                    # A contact person at the party may be added; the party stays as it is.
                    {"organisation_name": "Region Skåne", "contact_name": "Sara Syd",
                     "contact_email": "sara@skane.example"},
                ]
            )
        )  # fmt: skip
        self.assertEqual(outcomes[2][0], "refuse")
        self.assertIn("party of the infrastructure", outcomes[2][1])
        self.assertEqual(outcomes[3][0], "refuse")
        self.assertEqual(outcomes[4][0], "create")
        self.assertEqual(Organisation.objects.filter(pk=self.skane.pk).values().get(), before)
        self.assertTrue(Contact.objects.filter(organisation=self.skane, name="Sara Syd").exists())

    def test_a_file_cannot_make_a_second_organisation_with_a_party_s_name(self):
        outcomes = self.run_import(
            csv_upload(
                [
                    {"organisation_name": "Region Skåne", "kind": "region",
                     "organisation_number": valid_orgnr("232100025")},
                ]
            )
        )  # fmt: skip
        self.assertEqual(outcomes[2][0], "refuse")
        self.assertIn("does not make another organisation of that name", outcomes[2][1])
        self.assertEqual(Organisation.objects.filter(name="Region Skåne").count(), 1)


class StrategyImportRulesTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        strategy_actions.do_import_file(cls.alice, "region-plan.yaml", EXAMPLE.read_bytes())
        cls.plan = Strategy.objects.get(slug=PLAN)
        cls.rita = cls._user("rita", Role.COMMITTEE)  # the plan's editor, in no committee
        cls.plan.editors.add(cls.rita)
        # A collaboration rita may not see serves point 1.2.
        cls.hidden = collaboration_actions.do_create_collaboration(
            cls.alice,
            collaboration_actions.CollaborationData(
                title="Dold samverkan", kind="pilot", committees=[cls.rare]
            ),
        )
        strategy_actions.do_link_collaboration(
            cls.alice, Point.objects.get(strategy=cls.plan, number="1.2"), cls.hidden
        )

    def setUp(self) -> None:
        super().setUp()
        translation.activate("en")

    def content(self, old: str = "", new: str = "") -> bytes:
        return EXAMPLE.read_text(encoding="utf-8").replace(old, new).encode()

    def test_an_action_cannot_be_owned_by_a_company(self):
        changed = self.content(
            "  owner: Regionens FoU-enhet\n", f"  owner_organisation: {self.acme.name}\n"
        )
        with self.assertRaises(ValidationError) as raised:
            strategy_actions.do_import_file(self.rita, "plan.yaml", changed)
        self.assertIn("A company cannot own an action", " ".join(raised.exception.messages))
        action = Action.objects.get(strategy=self.plan, key="studiekontor")
        self.assertIsNone(action.owner_organisation)
        # The same rule on the page's action.
        with self.assertRaises(ValidationError):
            strategy_actions.do_update_action(
                self.alice,
                action,
                strategy_actions.ActionData(title=action.title, owner_organisation=self.acme),
            )
        # A region may own it.
        region = self.content(
            "  owner: Regionens FoU-enhet\n", "  owner_organisation: Region Skåne\n"
        )
        strategy_actions.do_import_file(self.rita, "plan.yaml", region)
        self.assertEqual(
            Action.objects.get(strategy=self.plan, key="studiekontor").owner_organisation.name,
            "Region Skåne",
        )

    def test_a_file_cannot_link_collaborations(self):
        linked = self.content(
            "  - number: '1.1'\n", f"  - number: '1.1'\n    collaborations: [{self.hidden.pk}]\n"
        )
        with self.assertRaises(ValidationError):
            strategy_actions.do_import_file(self.rita, "plan.yaml", linked)
        self.assertEqual(
            list(PointCollaboration.objects.values_list("point__number", flat=True)), ["1.2"]
        )

    def test_replacing_the_plan_keeps_the_collaborations_that_serve_it(self):
        strategy_actions.do_import_file(
            self.rita, "plan.yaml", self.content("progress: 40", "progress: 60")
        )
        self.assertEqual(Action.objects.get(strategy=self.plan, key="datadelning").progress, 60)
        link = PointCollaboration.objects.get()
        self.assertEqual((link.point.number, link.collaboration), ("1.2", self.hidden))

    def test_an_editor_cannot_drop_a_point_a_hidden_collaboration_serves(self):
        document, _locator = exchange.read_yaml(self.content().decode())
        document["areas"][0]["points"] = [
            p for p in document["areas"][0]["points"] if p["number"] != "1.2"
        ]
        for action in document["actions"]:
            action["points"] = [n for n in action["points"] if n != "1.2"]
        without = exchange.to_yaml(document)
        with self.assertRaises(ValidationError) as raised:
            strategy_actions.do_import_file(self.rita, "plan.yaml", without.encode())
        message = " ".join(raised.exception.messages)
        self.assertIn("Point 1.2", message)
        self.assertNotIn("Dold samverkan", message)  # the refusal names no hidden record
        self.assertTrue(Point.objects.filter(strategy=self.plan, number="1.2").exists())

    def test_an_editor_cannot_import_another_strategy(self):
        with self.assertRaises(PermissionDenied):
            strategy_actions.do_import_file(
                self.rita, "plan.yaml", self.content(PLAN, "en-helt-annan-plan")
            )
        self.assertFalse(Strategy.objects.filter(slug="en-helt-annan-plan").exists())
