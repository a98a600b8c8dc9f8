"""The site's frame: the menu each role sees, the counts beside it, and the error pages,
in the site's layout and the visitor's language."""

import re

from django.test import Client, SimpleTestCase, override_settings

from samverkan.accounts.models import OrganisationLinkRequest
from samverkan.inquiries.models import Inquiry
from samverkan.test import BaseTestCase, submit_inquiry


def menu_links(html: str) -> list[str]:
    """The addresses in the main menu, in order (the menu lists each once)."""
    nav = re.search(r'<nav id="site-nav".*?</nav>', html, re.S)
    assert nav is not None
    return re.findall(r'<li><a href="([^"]+)"', nav.group(0)) + re.findall(
        r'class="nav-single" href="([^"]+)"', nav.group(0)
    )


class NavigationTestCase(BaseTestCase):
    def test_it_shows_each_role_only_what_it_may_use(self):
        anon = menu_links(Client().get("/").content.decode())
        self.assertIn("/inquiries/new/", anon)
        self.assertIn("/register/", anon)
        self.assertNotIn("/inquiries/", anon)
        self.assertNotIn("/effects/", anon)

        self.client.force_login(self.carol)
        company = menu_links(self.client.get("/register/").content.decode())
        self.assertIn("/account/", company)
        self.assertIn("/inquiries/", company)
        for hidden in ["/organisations/", "/effects/", "/privacy/", "/account/link-requests/"]:
            self.assertNotIn(hidden, company)

        self.client.force_login(self.alice)
        coordinator = menu_links(self.client.get("/register/").content.decode())
        for shown in ["/inquiries/", "/account/link-requests/", "/effects/", "/privacy/"]:
            self.assertIn(shown, coordinator)
        self.assertNotIn("/admin/", coordinator)
        self.assertNotIn("/account/", coordinator)

        # Every link a role is shown answers that role with its page, not a refusal.
        for role in [self.carol, self.bob, self.dave, self.alice]:
            self.client.force_login(role)
            for url in menu_links(self.client.get("/").content.decode()):
                with self.subTest(role=role.username, url=url):
                    self.assertEqual(self.client.get(url).status_code, 200)

    def test_it_marks_the_current_page_and_its_group(self):
        self.client.force_login(self.alice)
        html = self.client.get("/collaborations/follow-ups/").content.decode()
        current = re.findall(r'<a href="([^"]+)" aria-current="page"', html)
        self.assertEqual(set(current), {"/collaborations/follow-ups/"})
        self.assertRegex(
            html, r'class="nav-group-link" href="/collaborations/" aria-current="true"'
        )
        # The group's own links sit in a second row on wide screens.
        self.assertIn('<nav class="subnav"', html)

    def test_it_counts_what_waits_for_the_person(self):
        submit_inquiry()
        submit_inquiry(title="Ännu en förfrågan")
        OrganisationLinkRequest.objects.create(
            user=self.mallory, organisation_name="Annat Bolag AB"
        )
        self.client.force_login(self.alice)
        with self.assertNumQueries(4):  # session, user, two counts
            counts = self.client.get("/account/counts/", HTTP_ACCEPT_LANGUAGE="en").json()
        self.assertEqual(counts["inquiries"]["n"], 2)
        self.assertEqual(counts["link_requests"]["n"], 1)

        self.client.force_login(self.bob)  # nothing is routed to the committee yet
        self.assertEqual(self.client.get("/account/counts/").json(), {})
        self.assertEqual(Client().get("/account/counts/").status_code, 302)

    def test_committee_members_open_the_needs_coverage_as_the_readme_says(self):
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get("/needs/coverage/").status_code, 200)


class ErrorPagesTestCase(BaseTestCase):
    def test_a_missing_page_says_so_in_the_visitors_language_in_the_sites_layout(self):
        response = Client().get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="sv")
        self.assertEqual(response.status_code, 404)
        html = response.content.decode()
        self.assertIn('<html lang="sv">', html)
        self.assertIn('<main id="main"', html)
        self.assertIn("<h1>Sidan finns inte</h1>", html)
        self.assertIn('id="site-nav"', html)

        response = Client().get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
        self.assertIn("<h1>Page not found</h1>", response.content.decode())

    def test_a_forbidden_page_tells_the_role_and_where_to_go(self):
        self.client.force_login(self.carol)
        response = self.client.get("/effects/", HTTP_ACCEPT_LANGUAGE="sv")
        self.assertEqual(response.status_code, 403)
        html = response.content.decode()
        self.assertIn('<html lang="sv">', html)
        self.assertIn("<h1>Du har inte tillgång till sidan</h1>", html)
        self.assertIn("Företagsanvändare", html)
        self.assertIn('href="/dashboard/"', html)

    def test_a_bad_request_has_its_own_page(self):
        response = Client().get("/", HTTP_HOST="bad host", HTTP_ACCEPT_LANGUAGE="en")
        self.assertEqual(response.status_code, 400)
        self.assertIn("<h1>The request could not be read</h1>", response.content.decode())

    def test_inquiries_waiting_are_counted_for_the_coordinator_only_while_they_wait(self):
        inquiry = submit_inquiry()
        Inquiry.objects.filter(pk=inquiry.pk).update(status=Inquiry.Status.ACCEPTED)
        self.client.force_login(self.alice)
        self.assertNotIn("inquiries", self.client.get("/account/counts/").json())


@override_settings(ROOT_URLCONF="tests.error_urls", DEBUG=False)
class ServerErrorPageTestCase(SimpleTestCase):
    """A SimpleTestCase refuses every database query: the page must not need one."""

    def test_it_renders_without_the_database_in_the_visitors_language(self):
        client = Client(raise_request_exception=False)
        response = client.get("/fail/", HTTP_ACCEPT_LANGUAGE="sv")
        self.assertEqual(response.status_code, 500)
        html = response.content.decode()
        self.assertIn('<html lang="sv">', html)
        self.assertIn('<main id="main"', html)
        self.assertIn("<h1>Något gick fel hos oss</h1>", html)

        response = client.get("/fail/", HTTP_ACCEPT_LANGUAGE="en")
        self.assertIn("<h1>Something went wrong on our side</h1>", response.content.decode())


class ApiDocsTestCase(BaseTestCase):
    def test_it_lists_every_operation_in_the_sites_layout(self):
        from samverkan.api.api import api

        response = Client().get("/api/v1/docs", HTTP_ACCEPT_LANGUAGE="sv")
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn('<html lang="sv">', html)
        self.assertIn('<main id="main"', html)
        self.assertIn("<h1>REST-API</h1>", html)
        document = api.get_openapi_schema()
        for path, item in document["paths"].items():
            for method in item:
                with self.subTest(path=path, method=method):
                    self.assertIn(f'id="{item[method]["operationId"]}"', html)


class FormatsTestCase(SimpleTestCase):
    def test_english_dates_are_day_first_or_iso_never_month_first(self):
        import datetime

        from django.utils import formats, translation

        day = datetime.date(2026, 6, 12)
        with translation.override("en"):
            self.assertEqual(formats.date_format(day), "12 June 2026")
            self.assertEqual(formats.date_format(day, "SHORT_DATE_FORMAT"), "2026-06-12")
        with translation.override("sv"):
            self.assertEqual(formats.date_format(day, "SHORT_DATE_FORMAT"), "2026-06-12")


class QueueListTestCase(BaseTestCase):
    def test_the_status_filter_is_a_group_of_checkboxes_and_the_order_is_said(self):
        first = submit_inquiry(title="Först in")
        last = submit_inquiry(title="Sist in")
        self.client.force_login(self.alice)
        html = self.client.get("/inquiries/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        self.assertRegex(html, r'<fieldset id="id_status_group"[^>]*>\s*<legend>Status</legend>')
        self.assertIn('type="checkbox" name="status" value="received"', html)
        # The queue opens newest first, and the order field says so.
        self.assertIn("Newest first.", html)
        self.assertRegex(html, r'<option value="newest" selected>')
        self.assertLess(html.index("Sist in"), html.index("Först in"))
        self.assertIn(f'<td class="nowrap"><a href="/inquiries/{first.pk}/">', html)

        response = self.client.get(
            "/inquiries/?sort=oldest&status=received&status=triage", HTTP_ACCEPT_LANGUAGE="en"
        )
        html = response.content.decode()
        self.assertIn("Oldest first.", html)
        self.assertEqual([i.pk for i in response.context["page"]], [first.pk, last.pk])
        # A filter without an order keeps the newest first.
        response = self.client.get("/inquiries/?status=received", HTTP_ACCEPT_LANGUAGE="en")
        self.assertEqual([i.pk for i in response.context["page"]], [last.pk, first.pk])

    def test_no_form_or_filter_offers_a_multi_select_list_box(self):
        import copy
        import importlib
        import inspect
        from pathlib import Path

        import django_filters
        from django import forms

        # Every app's forms and filters, by file, without importing anything else.
        root = Path(__file__).resolve().parent.parent / "samverkan"
        names = sorted(
            ".".join(path.relative_to(root.parent).with_suffix("").parts)
            for pattern in ("*/forms.py", "*/*_forms.py", "*/filters.py")
            for path in root.glob(pattern)
        )
        self.assertIn("samverkan.inquiries.filters", names)
        found, seen = [], 0
        for module_name in names:
            module = importlib.import_module(module_name)
            for class_name, cls in inspect.getmembers(module, inspect.isclass):
                if cls.__module__ != module.__name__:
                    continue
                if issubclass(cls, forms.BaseForm):
                    fields = dict(cls.base_fields)
                elif issubclass(cls, django_filters.FilterSet):
                    # Copies, as a filter set makes them: a filter keeps the field it builds.
                    filters = copy.deepcopy(cls.base_filters)
                    fields = {n: f.field for n, f in filters.items()}
                else:
                    continue
                for field_name, field in fields.items():
                    if getattr(field.widget, "allow_multiple_selected", False):
                        seen += 1
                        if not isinstance(field.widget, forms.CheckboxSelectMultiple):
                            found.append(f"{module_name}.{class_name}.{field_name}")
        self.assertGreater(seen, 5)
        self.assertEqual(found, [])

    def test_references_do_not_wrap_where_they_are_listed(self):
        inquiry = submit_inquiry(title="Referens")
        self.client.force_login(self.alice)
        for path in ("/inquiries/", inquiry.get_absolute_url(), "/dashboard/"):
            response = self.client.get(path, follow=True)
            self.assertRegex(
                response.content.decode(),
                rf'class="(?:nowrap|ref)"[^>]*>(?:<a [^>]*>)?{inquiry.reference}<',
                path,
            )

    def test_a_failed_form_names_and_links_every_field_in_a_summary(self):
        response = Client().post("/inquiries/new/", {}, HTTP_ACCEPT_LANGUAGE="en")
        html = response.content.decode()
        summary = re.search(r"<div class=\"error-summary\".*?</div>", html, re.S)
        assert summary is not None, "no error summary"
        self.assertIn("data-error-summary", summary.group(0))
        self.assertIn('tabindex="-1"', summary.group(0))
        self.assertIn('href="#id_title"', summary.group(0))
        # A checkbox group's error is tied to its fieldset and linked to its first box.
        self.assertRegex(
            html, r'<fieldset id="id_kinds_group" aria-describedby="[^"]*id_kinds_error'
        )
        self.assertIn('href="#id_kinds_0"', summary.group(0))


class CountryTestCase(BaseTestCase):
    def test_the_intake_offers_a_country_list_and_refuses_a_typed_name(self):
        html = Client().get("/inquiries/new/", HTTP_ACCEPT_LANGUAGE="sv").content.decode()
        self.assertRegex(html, r'<select name="country"[^>]*id="id_country"')
        self.assertIn('<option value="DK">Danmark</option>', html)
        response = Client().post(
            "/inquiries/new/",
            {
                "organisation_name": "Dansk Genom ApS",
                "foreign_identifier": "DK123",
                "country": "Danmark",
            },
            HTTP_ACCEPT_LANGUAGE="en",
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("country", response.context["form"].errors)


class SenderPagesTestCase(BaseTestCase):
    def test_the_thank_you_page_shows_the_follow_link_and_what_was_sent(self):
        from tests.test_intake import form_data

        response = Client().post("/inquiries/new/", form_data(), HTTP_ACCEPT_LANGUAGE="en")
        self.assertEqual(response.status_code, 200)
        inquiry = Inquiry.objects.order_by("-pk").first()
        assert inquiry is not None
        html = response.content.decode()
        self.assertIn(f'href="/inquiries/s/{inquiry.sender_token}/"', html)
        self.assertIn("What you sent", html)
        self.assertIn(inquiry.title, html)
        self.assertIn("Två bioinformatiker", html)  # the resources offered

        page = Client().get(f"/inquiries/s/{inquiry.sender_token}/").content.decode()
        self.assertIn("Vad du skickade", page)
        self.assertIn("Snabbare diagnos", page)  # the mutual benefit, as submitted
