"""The e-mail backend every message goes through: the configured delivery backend, with
each header value normalised first (`lib.mail.header_value`).

Outbox messages, account e-mails (sign-up, password reset) and error mails alike pass
here, so no title or name can break a header or smuggle one in.
"""

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend

from samverkan.lib.mail import header_value


def clean_headers(message: EmailMessage) -> EmailMessage:
    """Normalise the subject, the addresses and any extra header of the message."""
    message.subject = header_value(str(message.subject))
    message.from_email = header_value(str(message.from_email))
    message.to = [header_value(str(a)) for a in message.to]
    message.cc = [header_value(str(a)) for a in message.cc]
    message.bcc = [header_value(str(a)) for a in message.bcc]
    message.reply_to = [header_value(str(a)) for a in message.reply_to]
    message.extra_headers = {
        header_value(str(k)): header_value(str(v)) for k, v in message.extra_headers.items()
    }
    return message


class HeaderSafeBackend(BaseEmailBackend):
    """Hand each message, its headers normalised, to `EMAIL_DELIVERY_BACKEND`."""

    def __init__(self, fail_silently: bool = False, **kwargs: Any) -> None:
        super().__init__(fail_silently=fail_silently)
        self.delivery = get_connection(
            settings.EMAIL_DELIVERY_BACKEND, fail_silently=fail_silently, **kwargs
        )

    def open(self) -> Any:
        return self.delivery.open()

    def close(self) -> None:
        self.delivery.close()

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        return self.delivery.send_messages([clean_headers(m) for m in email_messages])
