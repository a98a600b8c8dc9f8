"""Deny by default: every role against every URL, and every view names its roles."""

import json

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from samverkan.test import BaseTestCase

ROLES = ["anon", "alice", "bob", "carol", "dave", "erin", "mallory", "oscar"]
PUBLIC = dict.fromkeys(ROLES, 200)
LOGIN = 302  # anonymous visitors are sent to the login page
STAFF_ACTION = {
    "anon": LOGIN,
    "alice": 302,
    "bob": 403,
    "carol": 403,
    "dave": 403,
    "erin": 302,
    "mallory": 403,
    "oscar": 403,
}
VISIBLE_TO_ACME = {
    "anon": LOGIN,
    "alice": 200,
    "bob": 200,
    "carol": 200,
    "dave": 200,
    "erin": 200,
    "mallory": 404,
    "oscar": 404,
}
API_READ_ACME = {**VISIBLE_TO_ACME, "anon": 401}
API_STAFF = {
    "anon": 401,
    "alice": 200,
    "bob": 403,
    "carol": 403,
    "dave": 403,
    "erin": 200,
    "mallory": 404,
    "oscar": 404,
}


class AccessMatrixTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.inquiry = cls.routed(cls.rare)

    def matrix(self):
        pk = self.inquiry.pk
        token = self.inquiry.sender_token
        return [
            ("get", "/", PUBLIC),
            ("get", "/inquiries/new/", PUBLIC),
            ("get", "/needs/", PUBLIC),
            ("get", "/committees/", PUBLIC),
            ("get", "/committees/rare_diseases/", PUBLIC),
            ("get", "/accessibility/", PUBLIC),
            ("get", f"/inquiries/s/{token}/", PUBLIC),
            ("get", "/inquiries/s/not-a-token/", dict.fromkeys(ROLES, 404)),
            ("get", "/dashboard/", {**dict.fromkeys(ROLES, 302)}),
            ("get", "/inquiries/", {**dict.fromkeys(ROLES, 200), "anon": LOGIN}),
            ("get", f"/inquiries/{pk}/", VISIBLE_TO_ACME),
            ("get", f"/inquiries/{pk}/history/", VISIBLE_TO_ACME),
            (
                "get",
                f"/inquiries/{pk}/assess/rare_diseases/",
                {
                    "anon": LOGIN,
                    "alice": 200,
                    "bob": 200,
                    "carol": 403,
                    "dave": 403,
                    "erin": 200,
                    "mallory": 403,
                    "oscar": 404,
                },
            ),
            ("post", f"/inquiries/{pk}/assign/", STAFF_ACTION),
            ("post", f"/inquiries/{pk}/route/", STAFF_ACTION),
            ("post", f"/inquiries/{pk}/request-information/", STAFF_ACTION),
            ("post", f"/inquiries/{pk}/decide/", STAFF_ACTION),
            (
                "post",
                f"/inquiries/{pk}/reply/",
                {
                    "anon": LOGIN,
                    "alice": 403,
                    "bob": 403,
                    "carol": 302,
                    "dave": 403,
                    "erin": 403,
                    "mallory": 404,
                    "oscar": 403,
                },
            ),
            ("get", "/admin/", {**dict.fromkeys(ROLES, 302), "erin": 200}),
            (
                "get",
                "/account/",
                {**dict.fromkeys(ROLES, 403), "anon": LOGIN, "carol": 200, "mallory": 200},
            ),
            (
                "get",
                "/account/link-requests/",
                {**dict.fromkeys(ROLES, 403), "anon": LOGIN, "alice": 200, "erin": 200},
            ),
            ("get", "/notifications/", {**dict.fromkeys(ROLES, 200), "anon": LOGIN}),
            ("get", "/settings/tokens/", {**dict.fromkeys(ROLES, 200), "anon": LOGIN}),
            (
                "get",
                "/privacy/",
                {**dict.fromkeys(ROLES, 403), "anon": LOGIN, "alice": 200, "erin": 200},
            ),
            ("get", "/register/", PUBLIC),
            ("get", "/strategy/", PUBLIC),
            (
                "get",
                "/organisations/",
                {**dict.fromkeys(ROLES, 200), "anon": LOGIN, "carol": 403, "mallory": 403},
            ),
            (
                "get",
                "/effects/",
                {
                    **dict.fromkeys(ROLES, 403),
                    "anon": LOGIN,
                    "alice": 200,
                    "dave": 200,
                    "erin": 200,
                },
            ),
            ("get", "/register/feed/", PUBLIC),
            ("get", "/api/v1/committees", PUBLIC),
            ("get", "/api/v1/goals", PUBLIC),
            ("get", "/api/v1/gates", PUBLIC),
            ("get", "/api/v1/criteria", PUBLIC),
            ("get", "/api/v1/openapi.json", PUBLIC),
            ("get", "/api/v1/inquiries", {**dict.fromkeys(ROLES, 200), "anon": 401}),
            ("get", f"/api/v1/inquiries/{pk}", API_READ_ACME),
            ("get", f"/api/v1/inquiries/{pk}/history", API_READ_ACME),
            ("get", f"/api/v1/inquiries/{pk}/suggestions", API_READ_ACME),
            ("post", f"/api/v1/inquiries/{pk}/assign", API_STAFF),
        ]

    def client_for(self, role: str) -> Client:
        client = Client()
        if role != "anon":
            client.force_login(
                getattr(self, role), backend="django.contrib.auth.backends.ModelBackend"
            )
        return client

    def test_every_role_against_every_url(self):
        for role in ROLES:
            client = self.client_for(role)
            for method, url, expected in self.matrix():
                with self.subTest(role=role, method=method, url=url):
                    if method == "get":
                        response = client.get(url)
                    elif url.startswith("/api/"):
                        body = json.dumps({"version": self._current_version()})
                        response = client.post(url, body, content_type="application/json")
                    else:
                        response = client.post(url, {})
                    self.assertEqual(response.status_code, expected[role])

    def _current_version(self) -> int:
        self.inquiry.refresh_from_db()
        return self.inquiry.version

    def test_company_users_see_only_their_own_organisations_inquiries(self):
        other = self.submit(
            organisation_number=self.other.organisation_number,
            organisation_name="Annat Bolag AB",
            title="Annat förslag",
        )
        self.login(self.carol)
        listing = self.client.get("/inquiries/?state=")
        self.assertContains(listing, self.inquiry.reference)
        self.assertNotContains(listing, other.reference)
        api = self.client.get("/api/v1/inquiries").json()
        self.assertEqual([i["reference"] for i in api["items"]], [self.inquiry.reference])

    def test_committee_members_see_only_what_is_routed_to_their_committees(self):
        not_routed = self.submit(title="Ej fördelad")
        self.login(self.bob)
        listing = self.client.get("/inquiries/?state=")
        self.assertContains(listing, self.inquiry.reference)
        self.assertNotContains(listing, not_routed.reference)
        self.login(self.oscar)
        self.assertNotContains(self.client.get("/inquiries/?state="), self.inquiry.reference)

    def test_the_api_refuses_a_session_write_without_the_csrf_token(self):
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.alice, backend="django.contrib.auth.backends.ModelBackend")
        response = client.post(
            f"/api/v1/inquiries/{self.inquiry.pk}/assign",
            json.dumps({"version": self._current_version()}),
            content_type="application/json",
        )
        self.assertEqual(response.status_code, 403)
        self.inquiry.refresh_from_db()
        self.assertIsNone(self.inquiry.assigned_to)


def _project_views():
    """Every view behind a URL of the project's own apps."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern), pattern.callback

    for route, view in walk(get_resolver().url_patterns):
        if getattr(view, "__module__", "").startswith("samverkan."):
            yield route, view


def test_every_project_view_names_the_roles_that_may_use_it():
    views = list(_project_views())
    assert len(views) >= 15
    unmarked = [route for route, view in views if not getattr(view, "allowed_roles", None)]
    assert unmarked == []
