"""A person's rights under GDPR: export of everything about them, and erasure.

Erasure anonymises the person everywhere (the contact, the inquiries they sent, the record
history, e-mails in the outbox and any free text that quotes their name or address) while
the organisation's records stay, with their history rows and dates intact.
"""

import datetime
from typing import Any

from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Replace
from django.utils import timezone
from django.utils.translation import gettext as _

from samverkan.accounts.models import STAFF_ROLES, User
from samverkan.core.models import OutboundEmail, Parameter
from samverkan.inquiries.models import Inquiry, Message
from samverkan.orgs.models import Contact

# Apps whose free text is searched for the person's name and address on erasure.
SCRUBBED_APPS = {
    "core",
    "accounts",
    "orgs",
    "inquiries",
    "needs",
    "collaborations",
    "agreements",
    "register",
    "notifications",
    "strategy",
    "effects",
    "admin",
}


def erased_name(pk: int) -> str:
    return f"[{_('erased')} {pk}]"


def erased_email(pk: int) -> str:
    return f"erased-{pk}@invalid.invalid"


def _require_staff(actor: User) -> None:
    if not actor.has_role(*STAFF_ROLES):
        raise PermissionDenied


def _inquiries_of(contact: Contact) -> models.QuerySet[Inquiry]:
    return Inquiry.objects.filter(Q(contact=contact) | Q(contact_email__iexact=contact.email))


def export_personal_data(contact: Contact, actor: User) -> dict[str, Any]:
    """Everything the platform holds about one person, as JSON-ready data."""
    _require_staff(actor)
    inquiries = list(_inquiries_of(contact).order_by("created_at"))
    messages = Message.objects.filter(inquiry__in=inquiries).order_by("created_at")
    interactions = contact.interactions.select_related("organisation").order_by("date")
    events = contact.event_participations.select_related("event", "organisation")
    history = contact.history.order_by("history_date")
    return {
        "exported_at": timezone.now().isoformat(),
        "contact": {
            "name": contact.name,
            "email": contact.email,
            "phone": contact.phone,
            "title": contact.title,
            "organisation": contact.organisation.name,
            "legal_basis": contact.legal_basis,
            "consent_given_at": _iso(contact.consent_given_at),
            "consent_withdrawn_at": _iso(contact.consent_withdrawn_at),
            "created_at": _iso(contact.created_at),
        },
        "inquiries": [
            {
                "reference": i.reference,
                "title": i.title,
                "status": i.status,
                "contact_name": i.contact_name,
                "contact_email": i.contact_email,
                "description": i.description,
                "received_at": _iso(i.created_at),
                "consent_at": _iso(i.consent_at),
            }
            for i in inquiries
        ],
        "messages": [
            {
                "inquiry": m.inquiry.reference,
                "direction": m.direction,
                "body": m.body,
                "sent_at": _iso(m.created_at),
            }
            for m in messages.select_related("inquiry")
        ],
        "interactions": [
            {
                "organisation": i.organisation.name,
                "kind": i.kind,
                "date": i.date.isoformat(),
                "subject": i.subject,
            }
            for i in interactions
        ],
        "events": [
            {
                "event": p.event.title,
                "date": p.event.date.isoformat(),
                "organisation": p.organisation.name,
            }
            for p in events
        ],
        "history": [
            {
                "when": _iso(h.history_date),
                "change": h.history_type,
                "name": h.name,
                "email": h.email,
            }
            for h in history
        ],
    }


def _iso(value: datetime.datetime | datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def _text_fields() -> list[tuple[type[models.Model], str]]:
    fields = []
    for model in apps.get_models():
        if model._meta.app_label not in SCRUBBED_APPS or model._meta.proxy:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField) and not field.choices:
                fields.append((model, field.attname))
    return fields


def _scrub_text(needles: list[tuple[str, str]]) -> None:
    """Replace each exact string by its placeholder in every free-text column."""
    for model, field in _text_fields():
        for needle, placeholder in needles:
            if not needle:
                continue
            model._default_manager.filter(**{f"{field}__contains": needle}).update(
                **{field: Replace(F(field), Value(needle), Value(placeholder))}
            )


@transaction.atomic
def do_erase_contact(contact: Contact, actor: User) -> Contact:
    """Anonymise the person everywhere; the organisation's records stay."""
    _require_staff(actor)
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    name, email = contact.name, contact.email
    placeholder_name, placeholder_email = erased_name(contact.pk), erased_email(contact.pk)
    inquiry_ids = list(_inquiries_of(contact).values_list("pk", flat=True))
    names = {name} | set(
        Inquiry.objects.filter(pk__in=inquiry_ids).values_list("contact_name", flat=True)
    )

    Contact.objects.filter(pk=contact.pk).update(
        name=placeholder_name,
        email=placeholder_email,
        phone="",
        title="",
        erased_at=timezone.now(),
        version=F("version") + 1,
    )
    Inquiry.objects.filter(pk__in=inquiry_ids).update(
        contact_name=placeholder_name, contact_email=placeholder_email
    )
    contact.history.update(name=placeholder_name, email=placeholder_email, phone="", title="")
    Inquiry.history.filter(id__in=inquiry_ids).update(
        contact_name=placeholder_name, contact_email=placeholder_email
    )
    OutboundEmail.objects.filter(to__iexact=email).update(to=placeholder_email)
    needles = [(email, placeholder_email), (email.lower(), placeholder_email)]
    needles += [(n, placeholder_name) for n in sorted(names, key=len, reverse=True) if n]
    _scrub_text(needles)
    contact.refresh_from_db()
    return contact


def anonymise_old_declined_inquiries(today: datetime.date) -> int:
    """Declined inquiries older than the retention period lose their sender's personal data."""
    years = int(Parameter.get("declined_inquiry_retention_years"))
    cutoff = timezone.make_aware(
        datetime.datetime.combine(today - relativedelta(years=years), datetime.time())
    )
    old = Inquiry.objects.filter(status=Inquiry.Status.DECLINED, decided_at__lt=cutoff).exclude(
        contact_email__endswith="@invalid.invalid"
    )
    count = 0
    for inquiry in old.only("pk", "contact_name", "contact_email")[:1000]:
        with transaction.atomic():
            placeholder_name = erased_name(inquiry.pk)
            placeholder_email = f"erased-inquiry-{inquiry.pk}@invalid.invalid"
            needles = [
                (inquiry.contact_email, placeholder_email),
                (inquiry.contact_name, placeholder_name),
            ]
            Inquiry.objects.filter(pk=inquiry.pk).update(
                contact_name=placeholder_name, contact_email=placeholder_email
            )
            Inquiry.history.filter(id=inquiry.pk).update(
                contact_name=placeholder_name, contact_email=placeholder_email
            )
            Message.objects.filter(
                inquiry_id=inquiry.pk, body__contains=inquiry.contact_name
            ).update(body=Replace(F("body"), Value(inquiry.contact_name), Value(placeholder_name)))
            OutboundEmail.objects.filter(to__iexact=needles[0][0]).update(to=placeholder_email)
        count += 1
    return count
