"""Single sign-on with OpenID Connect against a small provider served in the test, and
two-factor authentication required for coordinators and administrators."""

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import jwt
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.test import override_settings

from samverkan.test import BaseTestCase

CLIENT_ID = "samverkan-test"
SECRET = "not-a-real-secret"


class FakeProvider(BaseHTTPRequestHandler):
    """Discovery, token and user-info endpoints of an OpenID Connect provider."""

    issuer: ClassVar[str] = ""
    user: ClassVar[dict[str, Any]] = {}
    token_requests: ClassVar[list[dict[str, list[str]]]] = []

    def log_message(self, *args: Any) -> None:
        pass

    def answer(self, data: dict[str, Any]) -> None:
        body = json.dumps(data).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/.well-known/openid-configuration":
            self.answer(
                {
                    "issuer": self.issuer,
                    "authorization_endpoint": f"{self.issuer}/authorize",
                    "token_endpoint": f"{self.issuer}/token",
                    "userinfo_endpoint": f"{self.issuer}/userinfo",
                    "jwks_uri": f"{self.issuer}/jwks",
                }
            )
        elif self.path == "/userinfo":
            assert self.headers["Authorization"] == "Bearer access-1"
            self.answer(self.user)
        elif self.path == "/jwks":
            self.answer({"keys": []})
        else:
            self.send_error(404)

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        self.token_requests.append(form)
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 300}
        id_token = jwt.encode({**claims, **self.user}, SECRET, algorithm="HS256")
        self.answer({"access_token": "access-1", "token_type": "Bearer", "id_token": id_token})


class SingleSignOnTest(BaseTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.server = ThreadingHTTPServer(("127.0.0.1", 0), FakeProvider)
        FakeProvider.issuer = f"http://127.0.0.1:{cls.server.server_address[1]}"
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.shutdown()
        cls.server.server_close()
        super().tearDownClass()

    def setUp(self) -> None:
        super().setUp()
        self.enterContext(
            override_settings(
                SOCIALACCOUNT_PROVIDERS={
                    "openid_connect": {
                        "APPS": [
                            {
                                "provider_id": "sso",
                                "name": "Regionens inloggning",
                                "client_id": CLIENT_ID,
                                "secret": SECRET,
                                "settings": {"server_url": FakeProvider.issuer},
                            }
                        ],
                        "EMAIL_AUTHENTICATION": True,
                    }
                },
                SOCIALACCOUNT_EMAIL_AUTHENTICATION=True,
                SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT=True,
            )
        )
        self.enterContext(self.settings_no_proxy())
        FakeProvider.token_requests.clear()

    def settings_no_proxy(self) -> Any:
        from unittest import mock

        return mock.patch.dict("os.environ", {"NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"})

    def sign_in(self) -> Any:
        response = self.client.post("/accounts/oidc/sso/login/")
        self.assertEqual(response.status_code, 302)
        authorize = urllib.parse.urlparse(response["Location"])
        self.assertEqual(f"{authorize.scheme}://{authorize.netloc}", FakeProvider.issuer)
        query = urllib.parse.parse_qs(authorize.query)
        self.assertEqual(query["client_id"], [CLIENT_ID])
        # The provider sends the browser back with a code.
        return self.client.get(
            "/accounts/oidc/sso/login/callback/", {"code": "code-1", "state": query["state"][0]}
        )

    def test_the_login_page_has_the_button(self):
        response = self.client.get("/accounts/login/")
        self.assertContains(response, "Regionens inloggning")
        self.assertContains(response, "/accounts/oidc/sso/login/")

    def test_a_person_the_provider_vouches_for_logs_in_to_their_account(self):
        EmailAddress.objects.create(
            user=self.alice, email=self.alice.email, verified=True, primary=True
        )
        FakeProvider.user = {
            "sub": "alice-at-provider",
            "email": self.alice.email,
            "email_verified": True,
            "name": "Alice",
        }
        response = self.sign_in()
        self.assertEqual(response.status_code, 302, response.content[:500])
        self.assertEqual(int(self.client.session["_auth_user_id"]), self.alice.pk)
        self.assertEqual(FakeProvider.token_requests[0]["code"], ["code-1"])

    def test_a_stranger_is_not_logged_in_to_someone_elses_account(self):
        FakeProvider.user = {"sub": "x", "email": self.alice.email, "email_verified": False}
        self.sign_in()
        self.assertNotEqual(self.client.session.get("_auth_user_id"), str(self.alice.pk))


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@override_settings(MFA_REQUIRED_FOR_STAFF=True)
class RequiredMfaTest(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        for user in [cls.alice, cls.erin, cls.carol]:
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)

    def test_staff_without_a_second_factor_must_set_one_up_first(self):
        for user in [self.alice, self.erin]:
            self.login(user)
            self.assertRedirects(
                self.client.get("/inquiries/"),
                "/accounts/2fa/totp/activate/",
                fetch_redirect_response=False,
            )
            # The set-up page is reachable (after confirming the password: a fresh login).
            setup = self.client.get("/accounts/2fa/totp/activate/")
            self.assertIn(setup.status_code, {200, 302})
            if setup.status_code == 302:
                self.assertTrue(setup["Location"].startswith("/accounts/reauthenticate/"))
        self.login(self.carol)
        self.assertEqual(self.client.get("/account/").status_code, 200)

    def test_with_a_second_factor_the_login_asks_for_the_code(self):
        secret = generate_totp_secret()
        TOTP.activate(self.alice, secret)
        response = self.client.post(
            "/accounts/login/", {"login": "alice", "password": self.password}
        )
        self.assertRedirects(response, "/accounts/2fa/authenticate/", fetch_redirect_response=False)
        self.assertNotIn("_auth_user_id", self.client.session)
        response = self.client.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(int(self.client.session["_auth_user_id"]), self.alice.pk)
        self.assertEqual(self.client.get("/inquiries/").status_code, 200)

    def test_the_admin_logs_in_through_the_same_login(self):
        response = self.client.get("/admin/login/?next=/admin/")
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith("/accounts/login/"))
        secret = generate_totp_secret()
        TOTP.activate(self.erin, secret)
        self.client.post("/accounts/login/", {"login": "erin", "password": self.password})
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertEqual(self.client.get("/admin/").status_code, 302)
        response = self.client.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(int(self.client.session["_auth_user_id"]), self.erin.pk)
        self.assertEqual(self.client.get("/admin/").status_code, 200)
