from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from samverkan.lib.mail import header_value

from .models import Infrastructure, OutboundEmail
from .tasks import send_outbound_email, send_outbound_emails


def queue_email(to: str, template: str, context: dict[str, Any], language: str) -> OutboundEmail:
    """Store an e-mail in the outbox and hand it to the worker once the transaction commits.

    The template renders the subject on its first line and the body after it, in the
    recipient's language, not the language of whoever triggered the mail.
    """
    context = {"infrastructure": Infrastructure.current(), **context}
    with translation.override(language):
        rendered = render_to_string(template, context).strip()
    subject, _, body = rendered.partition("\n")
    email = OutboundEmail.objects.create(
        to=header_value(to), subject=header_value(subject)[:250], body=body.strip()
    )
    transaction.on_commit(lambda: send_outbound_email.enqueue(email.pk))
    return email


def queue_emails(
    to: Iterable[str], template: str, context: dict[str, Any], language: str
) -> list[OutboundEmail]:
    """The same e-mail to several people: rendered once, stored in one statement and handed
    to the worker as one task when the transaction commits."""
    recipients = list(to)
    if not recipients:
        return []
    context = {"infrastructure": Infrastructure.current(), **context}
    with translation.override(language):
        rendered = render_to_string(template, context).strip()
    subject, _, body = rendered.partition("\n")
    emails = OutboundEmail.objects.bulk_create(
        OutboundEmail(
            to=header_value(address), subject=header_value(subject)[:250], body=body.strip()
        )
        for address in recipients
    )
    ids = [email.pk for email in emails]
    transaction.on_commit(lambda: send_outbound_emails.enqueue(ids))
    return emails
