"""Bad input gets a 4xx, never a 500: each case an attacker or a broken client sent."""

import json

from django.test import override_settings

from samverkan.api.actions import do_create_api_token
from samverkan.api.models import ApiToken
from samverkan.collaborations import actions as collaboration_actions
from samverkan.inquiries.models import Inquiry
from samverkan.orgs.models import Interaction
from samverkan.test import BaseTestCase, intake_payload

HUGE = 99999999999999999999  # beyond 64 bits
LIST_URLS = [
    "/api/v1/inquiries",
    "/api/v1/collaborations",
    "/api/v1/register/collaborations",
    "/api/v1/organisations",
    "/api/v1/events",
    "/api/v1/needs",
    "/api/v1/strategies",
]


class HostileInputTest(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        _, cls.key = do_create_api_token(cls.alice, "fuzz", ApiToken.Scope.READ_WRITE)
        cls.collaboration = collaboration_actions.do_create_collaboration(
            cls.alice, collaboration_actions.CollaborationData(title="Pilot", kind="pilot")
        )

    def api(self, method: str, url: str, body: object = None, **extra: str):
        kwargs: dict = {"HTTP_AUTHORIZATION": f"Bearer {self.key}", **extra}
        if body is not None:
            kwargs.setdefault("content_type", "application/json")
            kwargs["data"] = body if isinstance(body, str | bytes) else json.dumps(body)
        return getattr(self.client, method)(url, **kwargs)

    def test_a_lone_surrogate_in_a_json_text_is_refused(self):
        body = json.dumps(intake_payload(title="x\ud800y"))  # "\ud800" escaped, valid JSON
        self.assertIn("\\ud800", body)
        response = self.client.post("/api/v1/inquiries", body, content_type="application/json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("detail", response.json())
        self.assertFalse(Inquiry.objects.exists())
        response = self.api("post", "/api/v1/organisations", '{"name": "\\udfff"}')
        self.assertEqual(response.status_code, 400)

    @override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
    def test_a_body_over_the_limit_is_413(self):
        body = json.dumps(intake_payload(description="a " * 1000))
        response = self.client.post("/api/v1/inquiries", body, content_type="application/json")
        self.assertEqual(response.status_code, 413)
        response = self.client.post("/inquiries/new/", {"description": "a " * 1000})
        self.assertEqual(response.status_code, 413)
        self.assertFalse(Inquiry.objects.exists())

    def test_a_request_over_the_upload_limit_is_413_before_it_is_read(self):
        response = self.client.generic(
            "POST",
            "/api/v1/inquiries",
            b"{}",
            content_type="application/json",
            CONTENT_LENGTH=str(10**12),
        )
        self.assertEqual(response.status_code, 413)

    def test_multipart_without_a_boundary_is_400(self):
        for url in ["/inquiries/new/", "/api/v1/inquiries", "/accounts/login/"]:
            response = self.client.generic(
                "POST", url, b"--x\r\n\r\n", content_type="multipart/form-data"
            )
            self.assertEqual(response.status_code, 400, url)

    def test_a_page_number_beyond_any_list_is_4xx(self):
        for url in LIST_URLS:
            for page in [str(HUGE), "-1", "0", "x"]:
                response = self.api("get", f"{url}?page={page}")
                self.assertIn(response.status_code, {404, 422}, f"{url}?page={page}")

    def test_ids_beyond_64_bits_are_422(self):
        organisation = self.acme
        response = self.api(
            "post",
            f"/api/v1/organisations/{organisation.pk}/interactions",
            {"kind": "meeting", "date": "2025-01-01", "subject": "Möte", "contacts": [HUGE]},
        )
        self.assertEqual(response.status_code, 422)
        self.assertFalse(Interaction.objects.exists())
        response = self.api(
            "post",
            f"/api/v1/collaborations/{self.collaboration.pk}/funding",
            {"funder": "vinnova", "call": "Utlysning", "applicants": [HUGE, -HUGE]},
        )
        self.assertEqual(response.status_code, 422)

    def test_ids_beyond_64_bits_in_a_path_are_404(self):
        for url in [
            f"/api/v1/collaborations/{HUGE}",
            f"/api/v1/organisations/{HUGE}",
            f"/api/v1/events/{HUGE}",
            f"/api/v1/register/collaborations/{HUGE}",
            f"/api/v1/inquiries/{HUGE}",
        ]:
            self.assertEqual(self.api("get", url).status_code, 404, url)

    def test_a_year_out_of_range_on_events_is_422(self):
        for year in ["99999", "-1", "0", str(HUGE)]:
            response = self.api("get", f"/api/v1/events?year={year}")
            self.assertEqual(response.status_code, 422, year)
        self.assertEqual(self.api("get", "/api/v1/events?year=2025").status_code, 200)

    def test_the_pages_answer_4xx_or_a_page_too(self):
        self.assertEqual(self.client.get(f"/register/{HUGE}/").status_code, 404)
        for query in [f"page={HUGE}", "year=99999", "year=-1", f"year={HUGE}"]:
            self.assertEqual(self.client.get(f"/register/?{query}").status_code, 200, query)
        self.login(self.alice)
        self.assertEqual(self.client.get(f"/collaborations/{HUGE}/").status_code, 404)
        for query in ["year=99999", "year=-5", f"page={HUGE}"]:
            self.assertLess(self.client.get(f"/collaborations/?{query}").status_code, 500)
            self.assertLess(self.client.get(f"/organisations/events/?{query}").status_code, 500)


class NulCharacterTestCase(BaseTestCase):
    """PostgreSQL refuses a NUL in any text; it must be a 400, never a 500."""

    def test_a_nul_in_json_text_is_refused_as_unreadable(self):
        response = self.client.post(
            "/api/v1/inquiries",
            json.dumps(intake_payload(title="Nul\x00titel", committees=["rare\x00"])),
            content_type="application/json",
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Inquiry.objects.exists())

    def test_a_nul_in_a_query_is_refused(self):
        self.assertEqual(self.client.get("/register/?q=a%00b").status_code, 400)
        self.assertEqual(
            self.client.get("/api/v1/register/collaborations?q=a%00b").status_code, 422
        )
