"""Personal data: export of one person, erasure everywhere, retention, and clean logs."""

import datetime
import json
import logging

from django.apps import apps
from django.db import connection, models
from django.utils import timezone

from samverkan.core.logging import RedactPersonalData
from samverkan.core.models import OutboundEmail
from samverkan.inquiries import actions as inquiry_actions
from samverkan.inquiries.models import Inquiry, Message
from samverkan.orgs.models import Contact, Interaction
from samverkan.privacy.actions import anonymise_old_declined_inquiries
from samverkan.test import BaseTestCase

NAME = "Ada Lind"
EMAIL = "ada@acme.example"


def database_contains(text: str) -> list[str]:
    """Every table and column of the project's apps where the text still stands."""
    found = []
    for model in apps.get_models():
        if not model.__module__.startswith("samverkan") and model._meta.app_label != "admin":
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField):
                lookup = {f"{field.attname}__icontains": text}
                if model._default_manager.filter(**lookup).exists():
                    found.append(f"{model._meta.db_table}.{field.column}")
    return found


class PrivacyTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.inquiry = self.submit(contact_name=NAME, contact_email=EMAIL)
        inquiry_actions.do_request_information(self.inquiry, self.alice, f"Hej {NAME}, hur?")
        inquiry_actions.do_receive_sender_reply(self.inquiry, f"Med vänlig hälsning, {NAME}")
        self.contact = Contact.objects.get(email=EMAIL)
        self.contact.phone = "070-1234567"
        self.contact.save()
        interaction = Interaction.objects.create(
            organisation=self.acme,
            kind="meeting",
            date=datetime.date(2026, 3, 1),
            subject="Möte om pilot",
            notes=f"{NAME} presenterade.",
        )
        interaction.contacts.add(self.contact)

    def test_the_export_holds_every_place_the_person_appears(self):
        self.login(self.alice)
        response = self.client.get(f"/privacy/contacts/{self.contact.pk}/export.json")
        data = json.loads(response.content)
        self.assertEqual(data["contact"]["email"], EMAIL)
        self.assertEqual(data["contact"]["phone"], "070-1234567")
        self.assertEqual([i["reference"] for i in data["inquiries"]], [self.inquiry.reference])
        self.assertEqual(len(data["messages"]), 2)
        self.assertEqual([i["subject"] for i in data["interactions"]], ["Möte om pilot"])
        self.assertGreaterEqual(len(data["history"]), 2)

    def test_only_coordinators_export_or_erase(self):
        for user in [self.bob, self.carol, self.dave]:
            self.login(user)
            self.assertEqual(
                self.client.get(f"/privacy/contacts/{self.contact.pk}/export.json").status_code,
                403,
            )
            self.client.post(f"/privacy/contacts/{self.contact.pk}/erase/", {"confirm": "yes"})
        self.assertEqual(Contact.objects.get(pk=self.contact.pk).email, EMAIL)

    def test_erasure_leaves_no_trace_and_keeps_the_organisations_records(self):
        counts_before = {
            "inquiries": Inquiry.objects.filter(organisation=self.acme).count(),
            "messages": Message.objects.count(),
            "contacts": Contact.objects.filter(organisation=self.acme).count(),
            "interactions": Interaction.objects.filter(organisation=self.acme).count(),
            "history": Inquiry.history.filter(id=self.inquiry.pk).count(),
        }
        self.assertTrue(database_contains(NAME))
        self.login(self.alice)
        self.client.post(f"/privacy/contacts/{self.contact.pk}/erase/", {"confirm": "yes"})

        self.assertEqual(database_contains(NAME), [])
        self.assertEqual(database_contains(EMAIL), [])
        self.assertEqual(database_contains("070-1234567"), [])
        counts_after = {
            "inquiries": Inquiry.objects.filter(organisation=self.acme).count(),
            "messages": Message.objects.count(),
            "contacts": Contact.objects.filter(organisation=self.acme).count(),
            "interactions": Interaction.objects.filter(organisation=self.acme).count(),
            "history": Inquiry.history.filter(id=self.inquiry.pk).count(),
        }
        self.assertEqual(counts_after, counts_before)
        for url in [
            self.inquiry.get_absolute_url(),
            f"/inquiries/{self.inquiry.pk}/history/",
            f"/inquiries/s/{self.inquiry.sender_token}/",
        ]:
            page = self.client.get(url).content.decode()
            self.assertNotIn(NAME, page)
            self.assertNotIn(EMAIL, page)
        self.assertIsNotNone(Contact.objects.get(pk=self.contact.pk).erased_at)

    def test_erasure_needs_a_confirmation(self):
        self.login(self.alice)
        self.client.post(f"/privacy/contacts/{self.contact.pk}/erase/")
        self.assertEqual(Contact.objects.get(pk=self.contact.pk).email, EMAIL)

    def test_the_person_search_finds_by_email(self):
        self.login(self.alice)
        self.assertContains(self.client.get("/privacy/", {"q": EMAIL}), NAME)


class RetentionTestCase(BaseTestCase):
    def test_old_declined_inquiries_lose_their_senders_data(self):
        old = self.submit(contact_name="Gammal Avsändare", contact_email="gammal@acme.example")
        inquiry_actions.do_decide_inquiry(old, self.alice, "declined", reason="Nej")
        recent = self.submit(contact_name="Ny Avsändare", contact_email="ny@acme.example")
        inquiry_actions.do_decide_inquiry(recent, self.alice, "declined", reason="Nej")
        today = timezone.localdate()
        Inquiry.objects.filter(pk=old.pk).update(
            decided_at=timezone.now() - datetime.timedelta(days=3 * 366)
        )
        self.assertEqual(anonymise_old_declined_inquiries(today), 1)
        self.assertEqual(anonymise_old_declined_inquiries(today), 0)
        old.refresh_from_db()
        self.assertNotIn("Gammal", old.contact_name)
        self.assertFalse(Inquiry.history.filter(contact_email="gammal@acme.example").exists())
        self.assertFalse(OutboundEmail.objects.filter(to="gammal@acme.example").exists())
        self.assertEqual(Inquiry.objects.get(pk=recent.pk).contact_email, "ny@acme.example")
        self.assertEqual(old.title, recent.title)  # the record itself stays


class LogTestCase(BaseTestCase):
    def test_personal_data_is_masked_in_log_lines(self):
        record = logging.LogRecord(
            "samverkan",
            logging.INFO,
            __file__,
            1,
            "Sent to %s about %s",
            (EMAIL, "556677-8899"),
            None,
        )
        RedactPersonalData().filter(record)
        self.assertEqual(record.getMessage(), "Sent to [e-mail] about [number]")

    def test_a_request_with_an_email_in_its_address_logs_no_address(self):
        self.login(self.alice)
        with self.assertLogs("django.server", level="INFO") as logs:
            logging.getLogger("django.server").info('"GET /privacy/?q=%s HTTP/1.1" 200', EMAIL)
        handler = logging.getLogger("django.server").handlers[0]
        for record in logs.records:
            for log_filter in handler.filters:
                log_filter.filter(record)  # type: ignore[union-attr]
            self.assertNotIn(EMAIL, record.getMessage())
        self.assertTrue(connection.vendor)
