"""Personal API tokens: created on the settings page, scoped, revocable."""

import json

from samverkan.api.models import ApiToken, hash_key
from samverkan.inquiries.models import Inquiry
from samverkan.test import BaseTestCase


class ApiTokenTestCase(BaseTestCase):
    def create_token(self, user, scope="read") -> str:
        self.login(user)
        response = self.client.post("/settings/tokens/", {"name": "Integration", "scope": scope})
        self.client.logout()
        return response.context["new_key"]

    def api(self, method: str, url: str, key: str, body: dict | None = None):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
        if method == "get":
            return self.client.get(url, **headers)
        return self.client.post(
            url, json.dumps(body or {}), content_type="application/json", **headers
        )

    def test_the_key_is_shown_once_and_stored_only_as_a_hash(self):
        key = self.create_token(self.alice)
        self.assertTrue(key.startswith("smv_"))
        token = ApiToken.objects.get()
        self.assertEqual(token.key_hash, hash_key(key))
        self.assertNotIn(key, json.dumps(list(ApiToken.objects.values()), default=str))
        self.login(self.alice)
        page = self.client.get("/settings/tokens/")
        self.assertNotContains(page, key)
        self.assertContains(page, token.prefix)

    def test_a_token_acts_with_exactly_its_users_permissions(self):
        own = self.routed()
        other = self.submit(
            organisation_number=self.other.organisation_number, organisation_name="Annat Bolag AB"
        )
        key = self.create_token(self.carol)
        items = self.api("get", "/api/v1/inquiries?state=", key).json()["items"]
        self.assertEqual([i["reference"] for i in items], [own.reference])
        self.assertEqual(self.api("get", f"/api/v1/inquiries/{other.pk}", key).status_code, 404)

    def test_a_read_token_cannot_write(self):
        inquiry = self.submit()
        key = self.create_token(self.alice, scope="read")
        response = self.api("post", f"/api/v1/inquiries/{inquiry.pk}/assign", key, {"version": 1})
        self.assertEqual(response.status_code, 403)
        self.assertIsNone(Inquiry.objects.get(pk=inquiry.pk).assigned_to)

    def test_a_read_write_token_writes_without_a_session(self):
        inquiry = self.submit()
        key = self.create_token(self.alice, scope="read_write")
        response = self.api("post", f"/api/v1/inquiries/{inquiry.pk}/assign", key, {"version": 1})
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(Inquiry.objects.get(pk=inquiry.pk).assigned_to, self.alice)
        self.assertIsNotNone(ApiToken.objects.get().last_used_at)

    def test_a_read_write_token_still_has_only_its_users_rights(self):
        inquiry = self.submit()
        key = self.create_token(self.dave, scope="read_write")
        response = self.api("post", f"/api/v1/inquiries/{inquiry.pk}/assign", key, {"version": 1})
        self.assertEqual(response.status_code, 403)

    def test_a_revoked_token_is_refused(self):
        key = self.create_token(self.alice)
        self.assertEqual(self.api("get", "/api/v1/inquiries", key).status_code, 200)
        token = ApiToken.objects.get()
        self.login(self.alice)
        self.client.post(f"/settings/tokens/{token.pk}/revoke/")
        self.client.logout()
        self.assertEqual(self.api("get", "/api/v1/inquiries", key).status_code, 401)

    def test_someone_elses_token_cannot_be_revoked(self):
        self.create_token(self.alice)
        token = ApiToken.objects.get()
        self.login(self.dave)
        self.assertEqual(self.client.post(f"/settings/tokens/{token.pk}/revoke/").status_code, 404)
        self.assertTrue(ApiToken.objects.get().is_active)

    def test_unknown_tokens_and_inactive_users_are_refused(self):
        self.assertEqual(self.api("get", "/api/v1/inquiries", "smv_nonsense").status_code, 401)
        key = self.create_token(self.alice)
        self.alice.is_active = False
        self.alice.save()
        self.assertEqual(self.api("get", "/api/v1/inquiries", key).status_code, 401)

    def test_the_settings_page_needs_a_login(self):
        response = self.client.get("/settings/tokens/")
        self.assertEqual(response.status_code, 302)
