"""Another infrastructure: the fictional biobank pack runs the whole path, from an inquiry to
a collaboration in the public register, and nothing it shows anyone names GMS.

Also: the reference pack's identity and assumptions (sources, `assumed`, confirmation), and a
check over the code that keeps GMS's names out of it.
"""

import datetime
import io
import json
import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.test import TestCase
from django.utils import timezone
from openpyxl import load_workbook

from samverkan.accounts.models import Role, User
from samverkan.agreements.models import AgreementPrinciple
from samverkan.api.actions import do_create_api_token
from samverkan.collaborations import actions as collaboration_actions
from samverkan.collaborations.models import Collaboration, CollaborationParty, Funder
from samverkan.core.actions import do_confirm_assumptions
from samverkan.core.models import Infrastructure, OutboundEmail, Parameter
from samverkan.inquiries import actions
from samverkan.inquiries.models import Gate, Inquiry, PriorityCriterion
from samverkan.orgs.models import Centre, Committee, Organisation
from samverkan.reference.loader import load_reference
from samverkan.register import actions as register_actions
from samverkan.register.models import RegisterEntry
from samverkan.strategy.models import Goal
from samverkan.test import intake_payload, submit_inquiry

ROOT = Path(settings.BASE_DIR)
BIOBANK = ROOT / "reference" / "example-biobank.yaml"
GMS = ROOT / "reference" / "gms.yaml"

# What another infrastructure's users must never see.
FOREIGN = re.compile(r"\bGMS\b|Genomic Medicine|\bGMCs?\b")

# What the code itself must never say: GMS's names belong in its reference pack.
CODE_NAMES = re.compile(r"\bGMS\b|Genomic Medicine Sweden|genomicmedicine|\bGMCs?\b")


def foreign_words(text: str) -> list[str]:
    return sorted(set(FOREIGN.findall(text)))


class BiobankPackTestCase(TestCase):
    """An empty database with only the fictional biobank network's pack loaded."""

    password = "correct horse battery staple"

    @classmethod
    def setUpTestData(cls) -> None:
        cls.counts = load_reference(BIOBANK)
        cls.coordinator = cls._user("kim", Role.COORDINATOR)
        cls.member = cls._user("lea", Role.COMMITTEE)
        cls.viewer = cls._user("max", Role.VIEWER)
        cls.admin = cls._user("ada", Role.ADMIN, is_staff=True, is_superuser=True)
        cls.samples = Committee.objects.get(slug="sample_collections")
        cls.samples.members.add(cls.member)

    @classmethod
    def _user(cls, username: str, role: str, **extra: Any) -> User:
        user = User(username=username, role=role, email=f"{username}@example.org", **extra)
        user.set_password(cls.password)
        user.save()
        return user

    def setUp(self) -> None:
        super().setUp()
        cache.clear()

    def login(self, user: User) -> None:
        self.client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")


class LoadTestCase(BiobankPackTestCase):
    def test_it_loads_the_identity_and_the_rules_of_the_pack(self) -> None:
        infrastructure = Infrastructure.current()
        self.assertEqual(infrastructure.short_name, "EBN")
        self.assertEqual(infrastructure.reference_prefix, "EBN")
        self.assertEqual(infrastructure.name_en, "Example Biobank Network (fictional)")
        self.assertEqual(infrastructure.centres_label_en, "Biobank nodes")
        self.assertEqual(Centre.objects.count(), 3)
        self.assertEqual(Committee.objects.get(is_central_entry_point=True).slug, "partnerships")
        self.assertEqual(
            list(Gate.objects.values_list("slug", flat=True)),
            ["donor_interest", "open_access", "lawful_use"],
        )
        self.assertEqual(PriorityCriterion.objects.get(slug="many_collections").max_score, 4)
        self.assertEqual(len(Parameter.get("score_levels")), 5)
        self.assertEqual(Gate.objects.get(slug="open_access").blocks, "exclusivity")
        self.assertTrue(Infrastructure.current().is_named_in("Nytt från EBN"))
        self.assertFalse(Infrastructure.current().is_named_in("Nytt från GMS"))
        self.assertEqual(Parameter.get("answer_target_working_days"), 15)
        self.assertEqual(Parameter.get("register_correction_days"), 10)
        self.assertEqual(Organisation.objects.filter(is_infrastructure_party=True).count(), 6)
        self.assertFalse(Committee.objects.filter(slug="rare_diseases").exists())

    def test_a_second_load_changes_nothing(self) -> None:
        before = (
            Infrastructure.objects.count(),
            Committee.objects.count(),
            Gate.objects.count(),
            AgreementPrinciple.objects.count(),
            Organisation.objects.count(),
        )
        self.assertEqual(load_reference(BIOBANK), self.counts)
        after = (
            Infrastructure.objects.count(),
            Committee.objects.count(),
            Gate.objects.count(),
            AgreementPrinciple.objects.count(),
            Organisation.objects.count(),
        )
        self.assertEqual(before, after)


class WalkTestCase(BiobankPackTestCase):
    """From the public intake to the register, reading every page, export, feed, API answer
    and e-mail on the way."""

    def assert_clean(self, what: str, text: str) -> None:
        self.assertEqual(foreign_words(text), [], f"{what} names another infrastructure")

    def get(self, path: str, **extra: Any) -> str:
        response = self.client.get(path, **extra)
        self.assertEqual(response.status_code, 200, path)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if response.get("Content-Type", "").startswith(
            "application/vnd.openxmlformats-officedocument"
        ):
            book = load_workbook(io.BytesIO(body), read_only=True)
            cells = [
                str(value)
                for sheet in book.worksheets
                for row in sheet.iter_rows(values_only=True)
                for value in row
                if value is not None
            ]
            return "\n".join(cells)
        return body.decode()

    def read_all(self, paths: list[str]) -> None:
        for language in ("sv", "en"):
            for path in paths:
                text = self.get(path, HTTP_ACCEPT_LANGUAGE=language)
                self.assert_clean(f"{path} ({language})", text)

    def test_an_inquiry_becomes_a_public_collaboration_without_a_word_of_gms(self) -> None:
        # Anyone: the public pages and the API's own description.
        self.read_all(
            [
                "/",
                "/inquiries/new/",
                "/needs/",
                "/committees/",
                "/register/",
                "/accessibility/",
                "/api/v1/openapi.json",
            ]
        )

        # A company sends an inquiry through the public API.
        response = self.client.post(
            "/api/v1/inquiries",
            data=json.dumps(intake_payload(organisation_name="Provbolaget AB")),
            content_type="application/json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assert_clean("the intake answer", response.content.decode())
        inquiry = Inquiry.objects.get()
        self.assertTrue(inquiry.reference.startswith("EBN-"), inquiry.reference)

        # The coordinator routes it; the committee assesses it against this pack's rules.
        actions.do_route_inquiry(inquiry, self.coordinator, [self.samples])
        actions.do_save_assessment(
            inquiry,
            self.samples,
            self.member,
            actions.AssessmentInput(
                gates={g.pk: (True, "") for g in Gate.objects.all()},
                scores={c.pk: 3 for c in PriorityCriterion.objects.all()},
                goals=list(Goal.objects.filter(number=3)),
            ),
        )
        inquiry.refresh_from_db()
        self.login(self.member)
        self.read_all(
            [f"/inquiries/{inquiry.pk}/", f"/inquiries/{inquiry.pk}/assess/sample_collections/"]
        )

        # Accepted, it becomes a collaboration with a party of the network.
        actions.do_decide_inquiry(inquiry, self.coordinator, "accepted")
        collaboration = Collaboration.objects.get()
        region = Organisation.objects.get(name="Region Norrfjäll (fiktiv)")
        collaboration_actions.do_save_party(
            collaboration,
            self.coordinator,
            collaboration_actions.PartyData(region, CollaborationParty.Role.INFRASTRUCTURE),
        )
        collaboration.centres.set(Centre.objects.filter(slug="norrfjall"))
        Collaboration.objects.filter(pk=collaboration.pk).update(
            start_date=timezone.localdate(), summary="Prover från två noder i ett pilotprojekt."
        )
        collaboration.refresh_from_db()
        collaboration_actions.do_change_collaboration_status(
            collaboration, self.coordinator, Collaboration.Status.ACTIVE
        )
        activity = collaboration_actions.do_save_communication(
            collaboration,
            self.coordinator,
            collaboration_actions.CommunicationData(
                kind="news", title="EBN och Provbolaget samarbetar", text="Om provsamlingar."
            ),
        )
        self.assertTrue(activity.names_infrastructure)

        # Started, it enters the register by itself: the parties' preview, then public.
        days = Parameter.get("register_correction_days")
        register_actions.publish_due_entries(timezone.localdate() + datetime.timedelta(days=days))
        self.assertTrue(
            RegisterEntry.objects.published().filter(collaboration=collaboration).exists()
        )

        self.login(self.coordinator)
        self.read_all(
            [
                f"/inquiries/{inquiry.pk}/",
                "/inquiries/",
                "/collaborations/",
                f"/collaborations/{collaboration.pk}/",
                "/organisations/",
                f"/organisations/{region.pk}/",
                "/effects/",
                f"/api/v1/inquiries/{inquiry.pk}",
                f"/api/v1/collaborations/{collaboration.pk}",
            ]
        )
        self.client.logout()
        self.read_all(
            [
                "/",
                "/register/",
                f"/register/{collaboration.pk}/",
                "/register/feed/",
                "/register/export.csv",
                "/register/export.json",
                "/register/export.xlsx",
                "/api/v1/register/collaborations",
                f"/api/v1/register/collaborations/{collaboration.pk}",
            ]
        )
        public = self.get(f"/register/{collaboration.pk}/", HTTP_ACCEPT_LANGUAGE="en")
        self.assertIn("Biobank node", public)
        self.assertIn("Example Biobank Network (fictional)", public)

        # Every e-mail the walk sent, to the company and to the parties.
        emails = list(OutboundEmail.objects.all())
        self.assertTrue(emails)
        for email in emails:
            self.assert_clean(f"e-mail {email.subject!r}", f"{email.subject}\n{email.body}")
        self.assertTrue(any("Exempelnätverket för biobanker" in e.body for e in emails))


class AssumptionTestCase(TestCase):
    """What the GMS pack's sources do not say is shown as an assumption until confirmed."""

    @classmethod
    def setUpTestData(cls) -> None:
        load_reference(GMS)
        cls.admin = User.objects.create_user(
            "ada", "ada@example.org", "x", role=Role.ADMIN, is_staff=True, is_superuser=True
        )
        cls.viewer = User.objects.create_user("max", "max@example.org", "x", role=Role.VIEWER)

    def test_the_pack_marks_what_the_sources_do_not_say(self) -> None:
        self.assertTrue(all(p.assumed for p in AgreementPrinciple.objects.all()))
        self.assertEqual(AgreementPrinciple.objects.count(), 6)
        self.assertTrue(all(c.assumed for c in PriorityCriterion.objects.all()))
        self.assertTrue(Parameter.objects.get(key="score_levels").assumed)
        self.assertTrue(Parameter.objects.get(key="answer_target_working_days").assumed)
        self.assertTrue(Committee.objects.get(slug="education").assumed)
        central = Committee.objects.get(slug="innovation_industry")
        self.assertFalse(central.assumed)
        self.assertEqual(central.name_sv, "Innovation och företagssamverkan")
        self.assertIn("strategy", central.source)
        self.assertFalse(Gate.objects.get(slug="non_exclusive").assumed)
        self.assertEqual(
            Goal.objects.get(number=1).text_sv,
            "Implementerad användning av bred gensekvensering inom sjukvården för bättre "
            "diagnostik och jämlik vård för alla patienter",
        )

    def test_a_confirmation_is_recorded_and_survives_a_new_load(self) -> None:
        principles = AgreementPrinciple.objects.filter(slug__in=["publication", "results_ip"])
        self.assertEqual(do_confirm_assumptions(self.admin, principles), 2)
        publication = AgreementPrinciple.objects.get(slug="publication")
        self.assertFalse(publication.awaits_confirmation)
        self.assertEqual(publication.confirmed_by, self.admin)
        self.assertIsNotNone(publication.confirmed_at)
        load_reference(GMS)
        publication.refresh_from_db()
        self.assertTrue(publication.assumed)
        self.assertFalse(publication.awaits_confirmation)
        self.assertTrue(AgreementPrinciple.objects.get(slug="confidentiality").awaits_confirmation)

    def test_only_someone_who_may_change_the_facts_confirms_them(self) -> None:
        from django.core.exceptions import PermissionDenied

        with self.assertRaises(PermissionDenied):
            do_confirm_assumptions(self.viewer, AgreementPrinciple.objects.all())
        self.assertEqual(AgreementPrinciple.objects.filter(confirmed_at__isnull=False).count(), 0)

    def test_the_admin_confirms_the_selected_assumptions(self) -> None:
        self.client.force_login(self.admin)
        listing = self.client.get(
            "/admin/agreements/agreementprinciple/", HTTP_ACCEPT_LANGUAGE="en"
        )
        self.assertContains(listing, "Assumed, confirm with the infrastructure")
        ids = list(AgreementPrinciple.objects.values_list("pk", flat=True)[:2])
        response = self.client.post(
            "/admin/agreements/agreementprinciple/",
            {"action": "confirm", "_selected_action": ids},
            follow=True,
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            AgreementPrinciple.objects.filter(confirmed_by=self.admin).count(), len(ids)
        )


class NoGmsInCodeTestCase(TestCase):
    """GMS's names live in its reference pack, never in the code or the templates."""

    SKIP_PARTS = {"migrations", "tests", "demo", "locale", "reference", "__pycache__"}

    def test_no_python_file_or_template_names_gms(self) -> None:
        files = [
            *ROOT.joinpath("samverkan").rglob("*.py"),
            *ROOT.joinpath("templates").rglob("*.html"),
            *ROOT.joinpath("templates").rglob("*.txt"),
            *ROOT.joinpath("templates").rglob("*.xml"),
            *ROOT.joinpath("samverkan").rglob("*.html"),
            *ROOT.joinpath("samverkan").rglob("*.txt"),
        ]
        hits = []
        for path in files:
            relative = path.relative_to(ROOT)
            if self.SKIP_PARTS & set(relative.parts):
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if CODE_NAMES.search(line):
                    hits.append(f"{relative}:{number}: {line.strip()}")
        self.assertEqual(hits, [], "\n".join(hits))


class RulesAsDataTestCase(BiobankPackTestCase):
    """What the biobank pack says about its effects, funders and answer target is what the
    platform measures and offers: none of it is a list in the code."""

    def test_the_dashboard_groups_the_indicators_by_the_packs_own_effects(self) -> None:
        self.login(self.coordinator)
        response = self.client.get("/effects/", HTTP_ACCEPT_LANGUAGE="en")
        self.assertEqual(response.status_code, 200)
        groups = response.context["groups"]
        self.assertEqual(
            [g.label for g in groups],
            [
                "A clear way in for companies",
                "More companies asking",
                "More joint applications",
                "More projects using the samples",
                "More knowledge exchange between the biobanks and companies",
            ],
        )
        shown = [r.indicator.id for g in groups for r in g.results]
        self.assertEqual(shown[-2:], ["knowledge_exchange", "follow_ups_on_time"])
        # The pack names no joint agenda: its indicator is not computed or shown.
        self.assertNotIn("needs_coverage", shown)
        self.assertNotContains(response, "joint agenda")
        # The answer target is the pack's 15 working days, in the figure's own words.
        self.assertContains(response, "Answered within 15 working days")
        self.assertNotContains(response, "10 working days")

    def test_the_answer_target_decides_what_was_answered_in_time(self) -> None:
        from samverkan.effects.indicators import Scope, get_indicator

        monday = timezone.make_aware(datetime.datetime(2025, 3, 3, 10))  # noqa: DTZ001
        inquiry = submit_inquiry()
        # First answered on the Friday of the third week: 14 working days after a Monday.
        Inquiry.objects.filter(pk=inquiry.pk).update(
            created_at=monday, first_response_at=monday + datetime.timedelta(days=18)
        )
        indicator = get_indicator("answered_in_time")
        assert indicator is not None
        scope = Scope(datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))
        self.assertEqual(indicator.value(scope)[0].value, 100)  # 15 days allowed: in time
        Parameter.objects.filter(key="answer_target_working_days").update(value=10)
        self.assertEqual(indicator.value(scope)[0].value, 0)  # 10 days allowed: late

    def test_funding_names_the_packs_funders_and_nobody_elses(self) -> None:
        self.assertEqual(
            list(Funder.objects.values_list("slug", flat=True)),
            ["example_foundation", "eu_programme"],
        )
        response = self.client.get("/api/v1/funders")
        self.assertEqual(
            response.json(),
            [
                {"id": "example_foundation", "name": "Exempelstiftelsen (fiktiv)"},
                {"id": "eu_programme", "name": "EU-program"},
            ],
        )
        collaboration = Collaboration.objects.create(title="Provsamling", kind="pilot")
        _, token = do_create_api_token(self.coordinator, "funding", "read_write")
        url = f"/api/v1/collaborations/{collaboration.pk}/funding"
        refused = self.client.post(
            url,
            {"funder": "vinnova", "call": "Utlysning", "amount_applied": "1000.00"},
            content_type="application/json",
            headers={"authorization": f"Bearer {token}"},
        )
        self.assertEqual(refused.status_code, 422, refused.content)
        self.assertIn("funder", refused.content.decode())
        accepted = self.client.post(
            url,
            {"funder": "example_foundation", "call": "Utlysning", "amount_applied": "1000.00"},
            content_type="application/json",
            headers={"authorization": f"Bearer {token}"},
        )
        self.assertEqual(accepted.status_code, 201, accepted.content)
        self.assertEqual(accepted.json()["funder"], "example_foundation")
        # The coordinator's form offers the same funders, and any other by name.
        self.login(self.coordinator)
        page = self.client.get(f"/collaborations/{collaboration.pk}/funding/new/")
        self.assertEqual(page.status_code, 200)
        select = re.search(r'<select name="funder".*?</select>', page.content.decode(), re.S)
        assert select is not None
        options = re.findall(r'<option value="([\w-]+)"', select.group(0))
        self.assertEqual(options, ["example_foundation", "eu_programme", "other"])
