"""The public register is rendered once per change: cached answers, dropped on publish."""

import datetime
import re

from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from samverkan.orgs.models import Organisation
from samverkan.register import actions as register

from .test_register import RegisterTestCase


def without_tokens(content: bytes) -> bytes:
    """The page without its CSRF tokens, which differ on every answer."""
    return re.sub(rb'(X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+', b"", content)


class RegisterCacheTestCase(RegisterTestCase):
    def queries(self, path: str) -> tuple[int, bytes]:
        with CaptureQueriesContext(connection) as captured:
            response = self.client.get(path)
        self.assertEqual(response.status_code, 200)
        return len(captured), response.content

    def test_a_second_visitor_gets_the_cached_page_and_api_answer(self):
        cache.clear()
        for path in (
            "/register/",
            "/register/?q=sekvensering",
            "/api/v1/register/collaborations",
            f"/api/v1/register/collaborations/{self.published.pk}",
        ):
            with self.subTest(path=path):
                first, content = self.queries(path)
                second, again = self.queries(path)
                self.assertEqual(without_tokens(again), without_tokens(content))
                self.assertLessEqual(second, 2)  # the generation, then the answer
                self.assertLess(second, first)

    def test_publishing_shows_the_new_entry_at_once(self):
        cache.clear()
        self.assertNotContains(self.client.get("/register/"), "Hemligt pilotprojekt")
        api = self.client.get("/api/v1/register/collaborations").json()
        self.assertNotIn("Hemligt pilotprojekt", [e["title"] for e in api["items"]])
        # The correction period ends: the sweep publishes without saving each entry.
        with self.captureOnCommitCallbacks(execute=True):
            register.publish_due_entries(timezone.localdate() + datetime.timedelta(days=30))
        self.assertContains(self.client.get("/register/"), "Hemligt pilotprojekt")
        api = self.client.get("/api/v1/register/collaborations").json()
        self.assertIn("Hemligt pilotprojekt", [e["title"] for e in api["items"]])

    def test_withholding_and_withdrawing_are_seen_at_once(self):
        cache.clear()
        self.assertContains(self.client.get("/register/"), "Helgenomsekvensering för nyfödda")
        self.assertContains(self.client.get("/register/?q=nyfödda"), "Sekvenseringen sker")
        register.do_withhold_fields(self.published, self.alice, {"summary": "trade_secret"})
        page = self.client.get("/register/?q=nyfödda")
        self.assertNotContains(page, "Sekvenseringen sker")
        self.assertContains(page, self.acme.name)  # organisations stay public
        from samverkan.collaborations import actions as collaboration_actions

        collaboration_actions.do_change_collaboration_status(
            self.other_published, self.alice, "ended_early"
        )
        register.do_withdraw_from_register(self.other_published, self.alice, "Kom aldrig i gång.")
        page = self.client.get("/register/")  # the stub at once, without its content
        self.assertContains(page, "Kom aldrig i gång.")
        self.assertNotContains(page, "webbkurser")

    def test_a_changed_entry_is_seen_at_once(self):
        cache.clear()
        self.assertNotContains(self.client.get("/register/"), "Xyzzy")
        self.published.summary = "Xyzzy: a corrected public summary."
        self.published.save(update_fields=["summary"])
        register.refresh_entry(self.published)
        self.assertContains(self.client.get("/register/"), "Xyzzy")
        api = self.client.get("/api/v1/register/collaborations").json()
        self.assertIn("Xyzzy: a corrected public summary.", [e["summary"] for e in api["items"]])

    def test_the_cached_page_carries_no_one_elses_csrf_token(self):
        cache.clear()

        def tokens(content: bytes) -> set[bytes]:
            return set(re.findall(rb'name="csrfmiddlewaretoken" value="([^"]+)"', content))

        self.client = Client(enforce_csrf_checks=True)
        first = self.client.get("/register/")
        self.client.cookies.clear()
        second = self.client.get("/register/")
        self.assertTrue(tokens(first.content))
        self.assertTrue(tokens(second.content))
        self.assertNotEqual(tokens(first.content), tokens(second.content))
        self.assertNotIn(b"placeholder", second.content)
        # The token it carries is the one its cookie holds: the language form posts.
        response = self.client.post(
            "/i18n/setlang/",
            {
                "language": "en",
                "next": "/register/",
                "csrfmiddlewaretoken": tokens(second.content).pop().decode(),
            },
        )
        self.assertEqual(response.status_code, 302)

    def test_a_visitor_gets_the_whole_page_without_a_template_or_query(self):
        cache.clear()
        self.client.get("/register/")
        with CaptureQueriesContext(connection) as captured:
            response = self.client.get("/register/")
        self.assertLessEqual(len(captured), 1)  # the register's generation, at most
        self.assertIsNone(response.context)  # no template rendered
        self.assertContains(response, "Helgenomsekvensering för nyfödda")
        # Someone signed in sees the page made for them, with their name.
        self.login(self.alice)
        self.assertContains(self.client.get("/register/"), str(self.alice))


class CompanySearchTestCase(RegisterTestCase):
    def test_the_company_filter_is_a_search_not_a_list_of_every_company(self):
        for i in range(30):
            Organisation.objects.create(name=f"Listbolag {i} AB")
        page = self.client.get("/register/")
        self.assertNotContains(page, "Listbolag")
        self.assertContains(page, 'name="company_name"')
        self.assertContains(page, 'list="company-names"')

    def test_typed_company_names_find_entries_and_suggestions(self):
        name = self.acme.name
        page = self.client.get("/register/", {"company_name": name[:5].lower()})
        self.assertContains(page, "Helgenomsekvensering för nyfödda")
        self.assertNotContains(page, "Utbildning i genomik")
        suggestions = self.client.get("/register/companies/", {"company_name": name[:4]})
        self.assertContains(suggestions, f'<option value="{name}">')
        # Only companies with a published collaboration are suggested.
        Organisation.objects.create(name=name + " Dotterbolag")
        suggestions = self.client.get("/register/companies/", {"company_name": name[:4]})
        self.assertNotContains(suggestions, "Dotterbolag")

    def test_the_company_id_still_filters_for_links_and_the_api(self):
        api = self.client.get("/api/v1/register/collaborations", {"company": self.other.pk})
        self.assertEqual([e["title"] for e in api.json()["items"]], ["Utbildning i genomik"])
