"""Hostile input and bad days: what an anonymous visitor sends must not hang, lock or
out-count the platform (long words, a stalled mail server, parallel floods)."""

import datetime
import json
import socket
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.core.management import call_command
from django.db import connection, connections
from django.test import TransactionTestCase, override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from samverkan.core import ratelimit
from samverkan.core.models import OutboundEmail, RateCounter
from samverkan.core.tasks import (
    claim_outbound_email,
    ensure_periodic_sweeps,
    requeue_stalled_emails,
    run_periodic_sweeps,
    send_outbound_email,
    sweep_outbox,
)
from samverkan.inquiries.matching import store_committee_suggestions
from samverkan.inquiries.models import DESCRIPTION_MAX_LENGTH, Inquiry
from samverkan.inquiries.tasks import suggest_committees_for_inquiry
from samverkan.lib import text
from samverkan.reference.loader import load_reference
from samverkan.test import BaseTestCase, intake_payload, submit_inquiry


class CountingVocabulary(frozenset):
    """A vocabulary that counts the look-ups the compound splitter makes."""

    lookups = 0

    def __contains__(self, item: object) -> bool:
        CountingVocabulary.lookups += 1
        return super().__contains__(item)


def lookups_to_split(word: str) -> int:
    CountingVocabulary.lookups = 0
    text.split_compound(word, CountingVocabulary({"genom", "sekvens", "avtal", "samarbete"}))
    return CountingVocabulary.lookups


class CompoundSplitterCostTestCase(BaseTestCase):
    def test_a_long_run_of_letters_costs_nothing_to_split(self):
        self.assertEqual(lookups_to_split("a" * 6000), 0)
        self.assertEqual(text.words("x " + "a" * 1_000_000 + " sekvens"), ["sekvens"])

    def test_the_cost_of_a_word_is_bounded_whatever_its_letters(self):
        bound = text.MAX_COMPOUND * text.MAX_PART * text.MAX_COMPOUND
        for word in ["a" * text.MAX_COMPOUND, "genomsekvens" * 3, "abcdefghij" * 3 + "avtal"]:
            self.assertLessEqual(lookups_to_split(word[: text.MAX_COMPOUND]), bound, word)

    def test_real_compounds_still_split(self):
        known = frozenset(k for w in ["genom", "sekvensering", "avtal"] for k in text.keys(w))
        self.assertIn("avtal", text.split_compound("samarbetsavtal", known | {"samarbete"}))
        self.assertIn("sekvensering", text.split_compound("helgenomsekvensering", known))


class TextLimitsTestCase(BaseTestCase):
    def post(self, payload):
        return self.client.post(
            "/api/v1/inquiries", json.dumps(payload), content_type="application/json"
        )

    def test_the_api_refuses_a_description_over_the_limit_and_stores_nothing(self):
        response = self.post(intake_payload(description="A" * 1_000_000))
        self.assertEqual(response.status_code, 422)
        self.assertEqual(Inquiry.objects.count(), 0)

    def test_the_form_refuses_a_description_over_the_limit(self):
        from tests.test_intake import form_data

        data = form_data(description="ord " * (DESCRIPTION_MAX_LENGTH // 4 + 1))
        response = self.client.post("/inquiries/new/", data, HTTP_ACCEPT_LANGUAGE="en")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Ensure this value has at most")
        self.assertEqual(Inquiry.objects.count(), 0)

    def test_the_api_refuses_too_many_committees(self):
        response = self.post(intake_payload(committees=["rare_diseases"] * 51))
        self.assertEqual(response.status_code, 422)

    def test_matching_refuses_text_over_the_limit(self):
        self.client.force_login(self.alice)
        response = self.client.post(
            "/api/v1/match",
            json.dumps({"text": "A" * 20_000}),
            content_type="application/json",
        )
        self.assertEqual(response.status_code, 422)

    def test_the_model_states_the_limit_too(self):
        field = Inquiry._meta.get_field("description")
        self.assertEqual(field.max_length, DESCRIPTION_MAX_LENGTH)


class StoredSuggestionsTestCase(BaseTestCase):
    def test_the_worker_stores_the_suggestions_once_and_pages_read_them(self):
        inquiry = submit_inquiry(
            title="Helgenomsekvensering vid sällsynta diagnoser",
            description="Snabb diagnostik av sällsynta sjukdomar hos barn.",
        )
        self.assertIsNone(Inquiry.objects.get(pk=inquiry.pk).suggested_committees)
        self.assertEqual(suggest_committees_for_inquiry.call(inquiry.pk), "stored")
        stored = Inquiry.objects.get(pk=inquiry.pk).suggested_committees
        self.assertEqual(stored[0]["committee"], "rare_diseases")

        # The page shows what was stored, not a new match of the text.
        Inquiry.objects.filter(pk=inquiry.pk).update(
            suggested_committees=[{"committee": "education", "score": 1.5, "terms": ["kurs"]}]
        )
        self.client.force_login(self.alice)
        page = self.client.get(f"/inquiries/{inquiry.pk}/")
        self.assertContains(page, "kurs")
        api = self.client.get(f"/api/v1/inquiries/{inquiry.pk}/suggestions")
        self.assertEqual([s["committee"] for s in api.json()], ["education"])

    def test_an_inquiry_from_before_is_matched_on_its_first_view(self):
        inquiry = submit_inquiry(
            title="Sällsynta diagnoser", description="Barn med ovanlig sjukdom"
        )
        self.client.force_login(self.alice)
        self.client.get(f"/inquiries/{inquiry.pk}/")
        self.assertIsNotNone(Inquiry.objects.get(pk=inquiry.pk).suggested_committees)

    def test_a_one_word_description_at_the_limit_is_matched_quickly_enough_to_store(self):
        inquiry = submit_inquiry(title="Qwxz", description="A" * DESCRIPTION_MAX_LENGTH)
        self.assertEqual(store_committee_suggestions(inquiry), [])


class SilentSmtpServer:
    """A mail server that accepts connections and never says a word."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.accepted = threading.Event()
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _addr = self.socket.accept()
            except OSError:
                return
            self.connections.append(conn)
            self.accepted.set()

    def close(self) -> None:
        for conn in self.connections:
            conn.close()
        self.socket.close()


class StalledMailServerTestCase(TransactionTestCase):
    def setUp(self) -> None:
        load_reference()
        self.server = SilentSmtpServer()
        self.addCleanup(self.server.close)

    def test_a_stalled_mail_server_neither_locks_the_database_nor_loses_the_mail(self):
        submit_inquiry()
        email = OutboundEmail.objects.get()
        settings = {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": self.server.port,
            "EMAIL_TIMEOUT": 3,
        }
        outcome: list[str] = []

        def send() -> None:
            with override_settings(**settings):
                outcome.append(send_outbound_email.call(email.pk))
            connections.close_all()

        sender = threading.Thread(target=send)
        sender.start()
        self.assertTrue(self.server.accepted.wait(10))
        # While the worker waits on the mail server, the platform keeps writing.
        claimed = OutboundEmail.objects.get(pk=email.pk)
        self.assertEqual(claimed.status, OutboundEmail.Status.SENDING)
        started = time.monotonic()
        submit_inquiry(title="Written while the mail server stalls")
        self.assertLess(time.monotonic() - started, 2.5)
        sender.join(30)
        self.assertEqual(outcome, ["retry"])
        email.refresh_from_db()
        self.assertEqual(email.status, OutboundEmail.Status.PENDING)
        self.assertEqual(email.attempts, 1)
        self.assertIn("timed out", email.last_error)

    def test_a_claim_left_by_a_dead_worker_is_taken_over(self):
        submit_inquiry()
        email = OutboundEmail.objects.get()
        OutboundEmail.objects.filter(pk=email.pk).update(
            status=OutboundEmail.Status.SENDING, attempts=1
        )
        # A fresh claim: another worker is on it, so this one leaves it alone.
        OutboundEmail.objects.filter(pk=email.pk).update(claimed_at=timezone.now())
        self.assertIsNone(claim_outbound_email(email.pk))
        with override_settings(EMAIL_CLAIM_TIMEOUT=0):
            self.assertEqual(send_outbound_email.call(email.pk), "sent")
        email.refresh_from_db()
        self.assertEqual((email.status, email.attempts), (OutboundEmail.Status.SENT, 2))


class ForgottenEmailTestCase(TransactionTestCase):
    def setUp(self) -> None:
        load_reference()

    def test_a_pending_mail_whose_task_died_with_its_worker_is_sent_by_the_sweep(self):
        submit_inquiry()
        email = OutboundEmail.objects.get()
        # Due a minute ago, its task still waiting: a busy worker, not a lost task.
        OutboundEmail.objects.filter(pk=email.pk).update(
            next_attempt_at=timezone.now() - datetime.timedelta(minutes=3)
        )
        self.assertEqual(requeue_stalled_emails(), 0)
        # The task that should have sent it was lost: nothing is queued for it any more.
        DBTaskResult.objects.all().delete()
        self.assertEqual(requeue_stalled_emails(), 1)
        # Queued again, it is not queued a third time while that task waits.
        self.assertEqual(requeue_stalled_emails(), 0)
        call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", verbosity=0)
        email.refresh_from_db()
        self.assertEqual(email.status, OutboundEmail.Status.SENT)
        self.assertEqual(requeue_stalled_emails(), 0)

    def test_a_failed_send_is_due_again_after_its_back_off(self):
        submit_inquiry()
        email = OutboundEmail.objects.get()
        with override_settings(EMAIL_BACKEND="tests.failing_email.FailingBackend"):
            self.assertEqual(send_outbound_email.call(email.pk), "retry")
        email.refresh_from_db()
        self.assertEqual(email.status, OutboundEmail.Status.PENDING)
        wait = email.next_attempt_at - timezone.now()
        self.assertGreater(wait, datetime.timedelta(seconds=50))
        self.assertLessEqual(wait, datetime.timedelta(minutes=1))
        # Its retry is planned: nothing for the sweep, even once the retry is lost, until
        # it is overdue.
        DBTaskResult.objects.all().delete()
        self.assertEqual(requeue_stalled_emails(), 0)

    def test_the_outbox_sweep_plans_its_next_look_and_keeps_the_periodic_sweep_alive(self):
        DBTaskResult.objects.all().delete()
        self.assertEqual(sweep_outbox.call(), 0)
        waiting = dict(
            DBTaskResult.objects.filter(status="READY").values_list("task_path", "run_after")
        )
        self.assertEqual(set(waiting), {sweep_outbox.module_path, run_periodic_sweeps.module_path})
        self.assertGreater(waiting[sweep_outbox.module_path], timezone.now())
        # The periodic sweep, in turn, keeps the outbox sweep waiting.
        DBTaskResult.objects.filter(task_path=sweep_outbox.module_path).delete()
        self.assertFalse(ensure_periodic_sweeps())
        self.assertTrue(
            DBTaskResult.objects.filter(task_path=sweep_outbox.module_path, status="READY").exists()
        )


class ParallelRateLimitTestCase(TransactionTestCase):
    """Thirty requests at once from one address against a limit of twenty."""

    def hit_in_parallel(self, settings_dict: dict, requests: int = 30) -> list[bool]:
        def one(_i: int) -> bool:
            # Each thread its own connection, as each app process has.
            own = connections["default"].__class__(settings_dict)
            try:
                return ratelimit.hit("intake", "203.0.113.9", "20/h", connection=own)
            finally:
                own.close()

        with ThreadPoolExecutor(max_workers=requests) as pool:
            return list(pool.map(one, range(requests)))

    def test_exactly_the_limit_gets_through_on_this_database(self):
        settings_dict = connection.settings_dict
        if connection.vendor == "sqlite":
            # The test database lives in memory; threads need a file, as processes have.
            settings_dict = self._sqlite_file_database()
        refused = self.hit_in_parallel(settings_dict)
        self.assertEqual(refused.count(False), 20)
        self.assertEqual(refused.count(True), 10)

    def _sqlite_file_database(self) -> dict:
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        settings_dict = {
            **connection.settings_dict,
            "NAME": str(Path(folder.name) / "db.sqlite3"),
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
        setup = connections["default"].__class__(settings_dict)
        with setup.schema_editor() as editor:
            editor.create_model(RateCounter)
        setup.close()
        return settings_dict


class IntakeRateLimitOverHttpTestCase(BaseTestCase):
    @override_settings(
        INTAKE_RATE_LIMIT="3/h", CLIENT_IP_META_KEY="HTTP_X_FORWARDED_FOR", CLIENT_IP_PROXY_COUNT=2
    )
    def test_the_limit_counts_the_forwarded_client_address(self):
        def post(address: str):
            return self.client.post(
                "/api/v1/inquiries",
                json.dumps(intake_payload()),
                content_type="application/json",
                HTTP_X_FORWARDED_FOR=f"{address}, 10.0.0.1",
            )

        statuses = [post("198.51.100.7").status_code for _ in range(4)]
        self.assertEqual(statuses, [201, 201, 201, 429])
        self.assertEqual(post("198.51.100.8").status_code, 201)
