import json
import re

from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.test import TransactionTestCase, override_settings
from django.utils import timezone

from samverkan.core.models import OutboundEmail
from samverkan.inquiries.models import Inquiry, StatusChange
from samverkan.orgs.models import Contact, Organisation
from samverkan.reference.loader import load_reference
from samverkan.test import ACME_NUMBER, BaseTestCase, intake_payload, submit_inquiry

REFERENCE = re.compile(r"GMS-\d{4}-\d{5}")


def run_worker() -> None:
    """Run every queued task now, as the background worker would."""
    call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", verbosity=0)


def form_data(**overrides):
    payload = intake_payload(**overrides)
    data = {k: v for k, v in payload.items() if not isinstance(v, list | bool)}
    data["kinds"] = payload["kinds"]
    data["committees"] = payload["committees"]
    if payload["operations_in_sweden"]:
        data["operations_in_sweden"] = "on"
    if payload["consent"]:
        data["consent"] = "on"
    data.setdefault("form_token", "token-1")
    data.setdefault("website", "")
    return data


class IntakeFormTestCase(BaseTestCase):
    def test_it_shows_the_form_in_swedish_by_default(self):
        response = self.client.get("/inquiries/new/")
        self.assertContains(response, 'lang="sv"')
        self.assertContains(response, 'name="form_token"')

    def test_it_stores_the_inquiry_and_shows_the_reference(self):
        response = self.client.post("/inquiries/new/", form_data())
        self.assertEqual(response.status_code, 200)
        inquiry = Inquiry.objects.get()
        self.assertRegex(inquiry.reference, REFERENCE)
        self.assertContains(response, inquiry.reference)
        self.assertEqual(inquiry.status, Inquiry.Status.RECEIVED)
        self.assertEqual(inquiry.organisation, self.acme)  # matched on organisation number
        self.assertEqual(inquiry.kinds, ["research", "pilot"])
        self.assertEqual(inquiry.language, "sv")
        self.assertTrue(StatusChange.objects.filter(inquiry=inquiry, to_status="received").exists())
        self.assertTrue(
            Contact.objects.filter(organisation=self.acme, email="ada@acme.example").exists()
        )

    def test_a_repeated_form_token_returns_the_same_inquiry(self):
        first = self.client.post("/inquiries/new/", form_data(form_token="same"))
        second = self.client.post("/inquiries/new/", form_data(form_token="same"))
        self.assertEqual(Inquiry.objects.count(), 1)
        reference = Inquiry.objects.get().reference
        self.assertContains(first, reference)
        self.assertContains(second, reference)

    def test_the_honeypot_stores_nothing(self):
        response = self.client.post("/inquiries/new/", form_data(website="http://spam.example"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(Inquiry.objects.count(), 0)
        self.assertEqual(Organisation.objects.filter(name="Acme Genomik AB").count(), 1)

    @override_settings(INTAKE_RATE_LIMIT="2/h")
    def test_the_rate_limit_refuses_a_flood_from_one_address(self):
        for i in range(2):
            self.client.post("/inquiries/new/", form_data(form_token=f"t{i}"))
        response = self.client.post("/inquiries/new/", form_data(form_token="t3"))
        self.assertEqual(response.status_code, 429)
        self.assertEqual(Inquiry.objects.count(), 2)

    def test_a_bad_organisation_number_names_the_field_in_swedish(self):
        response = self.client.post("/inquiries/new/", form_data(organisation_number="556016-0681"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "organisationsnummer")
        self.assertContains(response, 'id="id_organisation_number_error"')
        self.assertEqual(Inquiry.objects.count(), 0)

    def test_a_bad_organisation_number_names_the_field_in_english(self):
        response = self.client.post(
            "/inquiries/new/", form_data(organisation_number="12345"), HTTP_ACCEPT_LANGUAGE="en"
        )
        self.assertContains(response, "Not a valid Swedish organisation number")
        self.assertEqual(Inquiry.objects.count(), 0)

    def test_a_foreign_company_gives_identifier_and_country(self):
        data = form_data(organisation_number="", foreign_identifier="DE123456789", country="de")
        self.client.post("/inquiries/new/", data)
        inquiry = Inquiry.objects.get()
        self.assertEqual(inquiry.organisation.country, "DE")
        self.assertEqual(inquiry.organisation.foreign_identifier, "DE123456789")

    def test_a_foreign_identifier_needs_a_country(self):
        data = form_data(organisation_number="", foreign_identifier="DE123456789")
        response = self.client.post("/inquiries/new/", data, HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(response, "Give the country of the foreign identifier.")
        self.assertEqual(Inquiry.objects.count(), 0)

    def test_consent_is_required(self):
        data = form_data()
        del data["consent"]
        response = self.client.post("/inquiries/new/", data, HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(response, "We need your consent to handle the inquiry.")
        self.assertEqual(Inquiry.objects.count(), 0)

    def test_references_count_up_within_the_year(self):
        self.client.post("/inquiries/new/", form_data(form_token="a"))
        self.client.post("/inquiries/new/", form_data(form_token="b"))
        first, second = Inquiry.objects.order_by("pk")
        self.assertEqual(int(second.reference[-5:]), int(first.reference[-5:]) + 1)

    def test_it_links_a_published_need_and_its_committee(self):
        from samverkan.needs.models import Need

        need = Need.objects.create(
            committee=self.informatics,
            title="Lagring",
            description="Data",
            kind="development",
            status=Need.Status.PUBLISHED,
        )
        response = self.client.get(f"/inquiries/new/?need={need.pk}")
        self.assertContains(response, f'<option value="{need.pk}" selected>')
        self.client.post("/inquiries/new/", form_data(need=str(need.pk)))
        inquiry = Inquiry.objects.get()
        self.assertEqual(inquiry.need, need)
        self.assertIn(self.informatics, inquiry.requested_committees.all())


class IntakeApiTestCase(BaseTestCase):
    def post(self, payload, **headers):
        return self.client.post(
            "/api/v1/inquiries", json.dumps(payload), content_type="application/json", **headers
        )

    def test_it_stores_the_inquiry_and_answers_with_the_reference(self):
        response = self.post(intake_payload(committees=["rare_diseases"]))
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertRegex(body["reference"], REFERENCE)
        self.assertEqual(body["status"], "received")
        inquiry = Inquiry.objects.get(reference=body["reference"])
        self.assertEqual(list(inquiry.requested_committees.all()), [self.rare])
        self.assertEqual(inquiry.organisation.organisation_number, ACME_NUMBER)

    def test_the_same_idempotency_key_returns_the_same_inquiry(self):
        first = self.post(intake_payload(), HTTP_IDEMPOTENCY_KEY="abc-123")
        second = self.post(intake_payload(), HTTP_IDEMPOTENCY_KEY="abc-123")
        self.assertEqual(first.status_code, 201)
        self.assertEqual(second.status_code, 200)
        self.assertEqual(first.json()["reference"], second.json()["reference"])
        self.assertEqual(Inquiry.objects.count(), 1)
        self.assertEqual(OutboundEmail.objects.filter(to="ada@acme.example").count(), 1)

    def test_invalid_input_is_422_with_the_fields_named_and_nothing_stored(self):
        payload = intake_payload(contact_email="not-an-address", kinds=["juggling"], consent=False)
        response = self.post(payload, HTTP_ACCEPT_LANGUAGE="en")
        self.assertEqual(response.status_code, 422)
        errors = response.json()["errors"]
        self.assertEqual(set(errors), {"contact_email", "kinds", "consent"})
        self.assertIn("valid email", errors["contact_email"][0])
        self.assertEqual(Inquiry.objects.count(), 0)
        self.assertEqual(Organisation.objects.count(), Organisation.objects.count())

    def test_errors_follow_the_users_language(self):
        response = self.post(intake_payload(title=""), HTTP_ACCEPT_LANGUAGE="sv")
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["errors"]["title"], ["Detta fält måste fyllas i."])

    def test_an_unknown_committee_is_refused(self):
        response = self.post(intake_payload(committees=["astrology"]))
        self.assertEqual(response.status_code, 422)
        self.assertIn("committees", response.json()["errors"])

    @override_settings(INTAKE_RATE_LIMIT="1/h")
    def test_the_rate_limit_answers_429(self):
        self.assertEqual(self.post(intake_payload()).status_code, 201)
        response = self.post(intake_payload(title="Another"))
        self.assertEqual(response.status_code, 429)
        self.assertEqual(Inquiry.objects.count(), 1)

    def test_malformed_json_is_a_client_error(self):
        response = self.client.post("/api/v1/inquiries", "{", content_type="application/json")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(Inquiry.objects.count(), 0)


class EmailDeliveryTestCase(TransactionTestCase):
    """The worker runs in its own transactions, so these tests commit for real."""

    def setUp(self) -> None:
        load_reference()
        cache.clear()

    def test_it_sends_the_acknowledgement_through_the_worker_in_the_senders_language(self):
        self.client.post("/inquiries/new/", form_data(), HTTP_ACCEPT_LANGUAGE="en")
        inquiry = Inquiry.objects.get()
        self.assertEqual(inquiry.language, "en")
        self.assertEqual(len(mail.outbox), 0)  # nothing is sent in the request
        run_worker()
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(message.to, ["ada@acme.example"])
        self.assertIn(inquiry.reference, message.subject)
        self.assertIn("We have received your inquiry", message.subject)
        self.assertIn(f"/inquiries/s/{inquiry.sender_token}/", message.body)

    @override_settings(EMAIL_BACKEND="tests.failing_email.FailingBackend")
    def test_a_failed_send_keeps_the_inquiry_and_retries_the_mail(self):
        inquiry = submit_inquiry()
        run_worker()
        self.assertTrue(Inquiry.objects.filter(pk=inquiry.pk).exists())
        email = OutboundEmail.objects.get()
        self.assertEqual(email.status, OutboundEmail.Status.PENDING)
        self.assertEqual(email.attempts, 1)
        self.assertIn("SMTPServerDisconnected", email.last_error)

        from django_tasks_db.models import DBTaskResult

        retry = DBTaskResult.objects.filter(
            status="READY", task_path="samverkan.core.tasks.send_outbound_email"
        ).get()
        self.assertIsNotNone(retry.run_after)

        # The server is back: the retry, once due, delivers it.
        DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            run_worker()
        email.refresh_from_db()
        self.assertEqual(email.status, OutboundEmail.Status.SENT)
        self.assertEqual(email.attempts, 2)
        self.assertEqual(len(mail.outbox), 1)

    @override_settings(EMAIL_BACKEND="tests.failing_email.FailingBackend", EMAIL_MAX_ATTEMPTS=1)
    def test_it_gives_up_after_the_last_attempt_and_flags_the_mail(self):
        submit_inquiry()
        run_worker()
        email = OutboundEmail.objects.get()
        self.assertEqual(email.status, OutboundEmail.Status.FAILED)
