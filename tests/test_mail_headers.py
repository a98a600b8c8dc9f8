"""A line break or control character in a title, a name or an address never stops a mail
nor adds a header: every header value is normalised in one place."""

from django.core import mail
from django.core.cache import cache
from django.core.mail import EmailMessage, get_connection
from django.core.management import call_command
from django.test import SimpleTestCase, TransactionTestCase, override_settings

from samverkan.core.mail import HeaderSafeBackend
from samverkan.core.models import OutboundEmail
from samverkan.inquiries.actions import do_announce_new_inquiry
from samverkan.lib.mail import header_value
from samverkan.reference.loader import load_reference
from samverkan.test import submit_inquiry

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
SAFE = "samverkan.core.mail.HeaderSafeBackend"


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", verbosity=0)


class HeaderValueTest(SimpleTestCase):
    def test_it_puts_every_value_on_one_line(self):
        for raw in ["a\rb", "a\nb", "a\r\nb", "a\x00b", "a\x0bb", "a\x85b", "a\u2028b", "a\tb"]:
            self.assertEqual(header_value(raw), "a b", repr(raw))
        self.assertEqual(header_value("  Ny förfrågan:  Åsa  "), "Ny förfrågan: Åsa")


class NotificationWithCarriageReturnTest(TransactionTestCase):
    """The worker sends for real, in its own transactions."""

    def setUp(self) -> None:
        load_reference()
        cache.clear()
        from samverkan.accounts.models import Role, User

        User.objects.create_user("alice", "alice@example.org", "x", role=Role.COORDINATOR)

    def test_a_title_with_a_carriage_return_is_mailed_to_everyone(self):
        inquiry = submit_inquiry(title="Sekvensering\rBcc: victim@evil.example\r\nav nyfödda")
        do_announce_new_inquiry(inquiry)  # as the worker's first task would
        emails = OutboundEmail.objects.all()
        self.assertGreaterEqual(emails.count(), 2)  # the sender's receipt, the coordinator
        run_worker()
        self.assertEqual(
            set(OutboundEmail.objects.values_list("status", flat=True)),
            {OutboundEmail.Status.SENT},
        )
        self.assertEqual(len(mail.outbox), emails.count())
        for message in mail.outbox:
            rendered = message.message()
            self.assertNotIn("\r", message.subject)
            self.assertNotIn("\n", message.subject)
            self.assertIsNone(rendered["Bcc"])
            self.assertEqual(message.recipients(), message.to)

    @override_settings(EMAIL_BACKEND=SAFE, EMAIL_DELIVERY_BACKEND=LOCMEM)
    def test_a_message_already_in_the_outbox_with_a_bad_subject_is_sent(self):
        do_announce_new_inquiry(submit_inquiry())
        OutboundEmail.objects.update(subject="Förfrågan\rX-Injected: yes")
        run_worker()
        self.assertEqual(
            set(OutboundEmail.objects.values_list("status", flat=True)),
            {OutboundEmail.Status.SENT},
        )
        for message in mail.outbox:
            self.assertEqual(message.subject, "Förfrågan X-Injected: yes")
            self.assertIsNone(message.message()["X-Injected"])


@override_settings(EMAIL_BACKEND=SAFE, EMAIL_DELIVERY_BACKEND=LOCMEM)
class BackendTest(SimpleTestCase):
    def test_it_is_the_configured_backend_and_cleans_every_header(self):
        connection = get_connection()
        self.assertIsInstance(connection, HeaderSafeBackend)
        message = EmailMessage(
            "Hej\r\nBcc: x@evil.example",
            "Text",
            "Samverkan <noreply@example.org>\n",
            ["ada@acme.example\r"],
            reply_to=["svar@example.org\x00"],
            headers={"X-Title": "Rad ett\u2028rad tva"},
            connection=connection,
        )
        self.assertEqual(message.send(), 1)
        sent = mail.outbox[0].message()
        self.assertEqual(sent["Subject"], "Hej Bcc: x@evil.example")
        self.assertEqual(sent["To"], "ada@acme.example")
        self.assertEqual(sent["Reply-To"], "svar@example.org")
        self.assertEqual(sent["X-Title"], "Rad ett rad tva")
        self.assertIsNone(sent["Bcc"])
