"""Language, origins and hardening headers, reference and demo data."""

import re
import shutil
import tempfile

from django.core.management import call_command
from django.test import TestCase, override_settings

from samverkan.accounts.models import User
from samverkan.agreements.models import AgreementDocument
from samverkan.collaborations.models import (
    Collaboration,
    CommunicationActivity,
    FundingApplication,
)
from samverkan.demo.story import load_demo
from samverkan.inquiries.models import Gate, Inquiry, PriorityCriterion, StatusChange
from samverkan.orgs.models import Centre, Committee, Organisation
from samverkan.reference.loader import load_reference
from samverkan.strategy.models import Goal
from samverkan.test import BaseTestCase

EXTERNAL = re.compile(r"""(?:src|href|action)=["'](?:https?:)?//""", re.IGNORECASE)


class LanguageTestCase(BaseTestCase):
    def test_swedish_is_the_default(self):
        response = self.client.get("/")
        self.assertContains(response, '<html lang="sv">')
        self.assertContains(response, "Skicka en förfrågan")

    def test_the_browser_language_is_followed(self):
        response = self.client.get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
        self.assertContains(response, '<html lang="en">')
        self.assertContains(response, "Send an inquiry")

    def test_the_users_choice_is_remembered_over_the_browser_language(self):
        response = self.client.post("/i18n/setlang/", {"language": "en", "next": "/needs/"})
        self.assertRedirects(response, "/needs/", fetch_redirect_response=False)
        page = self.client.get("/", HTTP_ACCEPT_LANGUAGE="sv")
        self.assertContains(page, '<html lang="en">')

    def test_urls_carry_no_language_prefix(self):
        self.assertEqual(self.client.get("/en/").status_code, 404)
        self.assertEqual(
            self.client.get("/inquiries/new/", HTTP_ACCEPT_LANGUAGE="en").status_code, 200
        )

    def test_reference_data_follows_the_language(self):
        sv = self.client.get("/committees/")
        en = self.client.get("/committees/", HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(sv, "Sällsynta diagnoser")
        self.assertContains(en, "Rare diseases")


class OriginTestCase(BaseTestCase):
    def test_no_page_loads_anything_from_another_origin(self):
        inquiry = self.routed()
        pages = [
            "/",
            "/inquiries/new/",
            "/needs/",
            "/committees/",
            "/accounts/login/",
            f"/inquiries/s/{inquiry.sender_token}/",
        ]
        for url in pages:
            with self.subTest(url=url):
                self.assertIsNone(EXTERNAL.search(self.client.get(url).content.decode()))
        self.login(self.alice)
        for url in ["/inquiries/", inquiry.get_absolute_url(), "/api/v1/docs"]:
            with self.subTest(url=url):
                body = self.client.get(url).content.decode()
                self.assertIsNone(EXTERNAL.search(body), body[:300])

    def test_the_content_security_policy_allows_only_this_origin(self):
        policy = self.client.get("/")["Content-Security-Policy"]
        self.assertIn("default-src 'self'", policy)
        self.assertIn("script-src 'self'", policy)
        self.assertNotIn("unsafe-inline", policy)
        self.assertNotIn("http", policy)

    def test_hardening_headers(self):
        response = self.client.get("/")
        self.assertEqual(response["X-Frame-Options"], "DENY")
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")


class ReferenceDataTestCase(TestCase):
    def test_it_loads_gms_and_a_second_load_changes_nothing(self):
        load_reference()
        counts = self._counts()
        self.assertEqual(counts["regions"], 7)
        self.assertEqual(counts["universities"], 7)
        self.assertEqual(counts["centres"], 7)
        self.assertEqual(counts["goals"], 5)
        self.assertEqual(counts["gates"], 4)
        self.assertEqual(counts["criteria"], 3)
        self.assertEqual(counts["associations"], 4)
        self.assertGreaterEqual(counts["committees"], 15)
        load_reference()
        self.assertEqual(self._counts(), counts)
        self.assertEqual(
            set(Centre.objects.get(slug="vast").partners.values_list("name", flat=True)),
            {"Västra Götalandsregionen", "Göteborgs universitet"},
        )
        self.assertTrue(Committee.objects.get(slug="innovation_industry").is_central_entry_point)

    def _counts(self) -> dict[str, int]:
        return {
            "regions": Organisation.objects.filter(
                kind="region", is_infrastructure_party=True
            ).count(),
            "universities": Organisation.objects.filter(kind="university").count(),
            "centres": Centre.objects.count(),
            "committees": Committee.objects.count(),
            "goals": Goal.objects.count(),
            "gates": Gate.objects.count(),
            "criteria": PriorityCriterion.objects.count(),
            "associations": Organisation.objects.filter(kind="association").count(),
        }


class DemoDataTestCase(TestCase):
    def setUp(self) -> None:
        media = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, media, True)
        self.enterContext(override_settings(MEDIA_ROOT=media))

    def test_the_demo_tells_a_story_and_loads_only_once(self):
        call_command("load_reference", verbosity=0)
        load_demo("demo-password")
        statuses = set(Inquiry.objects.values_list("status", flat=True))
        self.assertEqual(statuses, set(Inquiry.Status.values))
        self.assertGreaterEqual(Inquiry.objects.count(), 12)
        self.assertGreaterEqual(Organisation.objects.filter(kind="company").count(), 5)
        self.assertTrue(Committee.objects.filter(members__username="committee").exists())
        for username in ["coordinator", "committee", "company", "viewer", "admin"]:
            self.assertTrue(User.objects.get(username=username).check_password("demo-password"))
        self.assertEqual(
            set(Collaboration.objects.values_list("status", flat=True)),
            set(Collaboration.Status.values),
        )
        self.assertTrue(FundingApplication.objects.filter(status="granted").exists())
        self.assertTrue(CommunicationActivity.objects.filter(approved_at__isnull=False).exists())
        counts = (
            Inquiry.objects.count(),
            StatusChange.objects.count(),
            User.objects.count(),
            Collaboration.objects.count(),
            AgreementDocument.objects.count(),
        )
        load_demo("demo-password")
        self.assertEqual(
            (
                Inquiry.objects.count(),
                StatusChange.objects.count(),
                User.objects.count(),
                Collaboration.objects.count(),
                AgreementDocument.objects.count(),
            ),
            counts,
        )
        # Demo accounts log in through the real login page, straight to their work.
        response = self.client.post(
            "/accounts/login/", {"login": "coordinator", "password": "demo-password"}
        )
        self.assertRedirects(response, "/dashboard/", fetch_redirect_response=False)
        # The company account sees its own organisation's inquiries, one of them accepted.
        company = User.objects.get(username="company")
        visible = Inquiry.objects.visible_to(company)
        self.assertIn(Inquiry.Status.ACCEPTED, set(visible.values_list("status", flat=True)))
