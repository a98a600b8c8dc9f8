"""Nobody can lock another person out: lockouts are per account and address, an address
has its own higher limit, the address behind a proxy is read from one configured header,
and a locked-out person gets back in through a password-reset e-mail."""

import re

from allauth.account.models import EmailAddress
from django.core import mail
from django.test import override_settings

from samverkan.test import BaseTestCase

RESET_LINK = re.compile(r"https?://testserver(/accounts/password/reset/key/\S+/)")


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=5)
class LockoutTest(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        for user in [cls.alice, cls.erin]:
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)

    def attempt(self, login: str, password: str, address: str, **extra: str):
        self.client.logout()
        return self.client.post(
            "/accounts/login/", {"login": login, "password": password}, REMOTE_ADDR=address, **extra
        )

    def logged_in(self, response) -> bool:
        return response.status_code == 302 and "_auth_user_id" in self.client.session

    def test_failures_from_many_addresses_do_not_lock_the_admin_out(self):
        for n in range(1, 13):
            self.attempt("erin", "wrong", f"203.0.113.{n}")
        for n in range(1, 6):  # four failures from each: under the limit of five
            for _ in range(4):
                self.attempt("erin", "wrong", f"198.51.100.{n}")
        self.assertTrue(self.logged_in(self.attempt("erin", self.password, "192.0.2.50")))
        self.assertTrue(self.logged_in(self.attempt("erin", self.password, "203.0.113.1")))

    def test_an_account_is_locked_from_the_address_that_failed_and_nobody_else_is(self):
        for _ in range(6):
            self.attempt("erin", "wrong", "203.0.113.7")
        response = self.attempt("erin", self.password, "203.0.113.7")
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "/accounts/password/reset/", status_code=429)
        self.assertFalse(self.logged_in(response))
        # Another person from the same address, and the same person from elsewhere.
        self.assertTrue(self.logged_in(self.attempt("alice", self.password, "203.0.113.7")))
        self.assertTrue(self.logged_in(self.attempt("erin", self.password, "192.0.2.8")))
        # "Erin" is the same account as "erin".
        self.assertEqual(self.attempt("Erin", self.password, "203.0.113.7").status_code, 429)

    @override_settings(ACCOUNT_RATE_LIMITS={"login_failed": "8/h/ip"})
    def test_an_address_that_fails_for_many_accounts_meets_its_own_limit(self):
        for n in range(9):
            self.attempt(f"nobody{n}", "wrong", "203.0.113.9")
        self.assertFalse(self.logged_in(self.attempt("alice", self.password, "203.0.113.9")))
        self.assertTrue(self.logged_in(self.attempt("alice", self.password, "203.0.113.10")))

    @override_settings(CLIENT_IP_META_KEY="HTTP_X_FORWARDED_FOR", CLIENT_IP_PROXY_COUNT=1)
    def test_behind_a_proxy_the_address_is_the_one_the_proxy_saw(self):
        # The client writes whatever it likes in front; the proxy appends the real address.
        for n in range(6):
            self.attempt(
                "erin", "wrong", "10.0.0.1", HTTP_X_FORWARDED_FOR=f"1.1.1.{n}, 203.0.113.5"
            )
        locked = self.attempt(
            "erin", self.password, "10.0.0.1", HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.5"
        )
        self.assertEqual(locked.status_code, 429)
        # Another client behind the same proxy is not locked out.
        other = self.attempt("erin", self.password, "10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.77")
        self.assertTrue(self.logged_in(other))

    def test_a_locked_out_person_gets_back_in_through_a_password_reset(self):
        for _ in range(6):
            self.attempt("erin", "wrong", "203.0.113.7")
        self.assertEqual(self.attempt("erin", self.password, "203.0.113.7").status_code, 429)
        self.client.post(
            "/accounts/password/reset/", {"email": self.erin.email}, REMOTE_ADDR="203.0.113.7"
        )
        link = RESET_LINK.search(mail.outbox[-1].body)
        assert link is not None
        response = self.client.get(link.group(1), follow=True, REMOTE_ADDR="203.0.113.7")
        new_password = "a brand new staple horse"
        self.client.post(
            response.redirect_chain[-1][0],
            {"password1": new_password, "password2": new_password},
            REMOTE_ADDR="203.0.113.7",
        )
        self.assertTrue(self.logged_in(self.attempt("erin", new_password, "203.0.113.7")))
