"""Publishing collaborations in the transparency register.

Publication starts with a preview the parties see for a correction period (reference data,
14 days by default); the periodic sweep then publishes. Every later change to a published
entry's public fields is recorded with its date.
"""

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samverkan.accounts.models import STAFF_ROLES, Role, User
from samverkan.collaborations.models import Collaboration, CollaborationParty
from samverkan.core.email import queue_email
from samverkan.core.models import Parameter
from samverkan.orgs.models import Organisation

from .choices import PublicField
from .models import CorrectionRequest, RegisterChange, RegisterEntry, RegisterTerm
from .search import normalise

# Fields compared to decide whether a published entry changed.
COMPARED = [
    "title",
    "summary",
    "kind",
    "status",
    "start_date",
    "end_date",
    "parties_text",
    "companies_text",
    "funding",
]


def _public_values(collaboration: Collaboration) -> dict[str, Any]:
    """The public projection, with the fields this collaboration keeps out left empty."""
    hidden = set(collaboration.hidden_register_fields or [])
    parties = list(
        collaboration.parties.select_related("organisation").order_by("organisation__name")
    )
    gms = [p.organisation for p in parties if p.role != CollaborationParty.Role.COMPANY]
    companies = [p.organisation for p in parties if p.role == CollaborationParty.Role.COMPANY]
    funding = []
    if PublicField.FUNDING not in hidden:
        for application in collaboration.funding_applications.order_by("pk"):
            funding.append(
                {
                    "funder": application.get_funder_display(),
                    "call": application.call,
                    "status": application.status,
                    "currency": application.currency,
                    "applied": str(application.amount_applied),
                    "granted": str(application.amount_granted or Decimal(0)),
                }
            )
    show_period = PublicField.PERIOD not in hidden
    return {
        "title": collaboration.title,
        "summary": collaboration.summary if PublicField.SUMMARY not in hidden else "",
        "kind": collaboration.kind,
        "status": collaboration.status,
        "start_date": collaboration.start_date if show_period else None,
        "end_date": collaboration.end_date if show_period else None,
        "year": collaboration.start_date.year if show_period and collaboration.start_date else None,
        "parties_text": ", ".join(o.name for o in gms) if PublicField.PARTIES not in hidden else "",
        "companies_text": (
            ", ".join(o.name for o in companies) if PublicField.COMPANIES not in hidden else ""
        ),
        "funding": funding,
        "_organisations": (
            ([] if PublicField.PARTIES in hidden else gms)
            + ([] if PublicField.COMPANIES in hidden else companies)
        ),
        "_committees": (
            [] if PublicField.COMMITTEES in hidden else list(collaboration.committees.all())
        ),
        "_centres": [] if PublicField.CENTRES in hidden else list(collaboration.centres.all()),
        "_goals": [] if PublicField.GOALS in hidden else list(collaboration.goals.all()),
    }


def _write(entry: RegisterEntry, values: dict[str, Any]) -> list[str]:
    """Copy the values onto the entry; return the public fields that changed."""
    changed = [name for name in COMPARED if getattr(entry, name) != values[name]]
    for name, value in values.items():
        if not name.startswith("_"):
            setattr(entry, name, value)
    texts = [values["title"], values["summary"], values["parties_text"], values["companies_text"]]
    texts += [f"{c.name_sv} {c.name_en}" for c in values["_committees"]]
    texts += [f"{g.name_sv} {g.name_en} {g.city}" for g in values["_centres"]]
    texts += [f"{f['funder']} {f['call']}" for f in values["funding"]]
    entry.search_document, vocabulary = normalise(texts)
    entry.save()
    entry.organisations.set(values["_organisations"])
    entry.committees.set(values["_committees"])
    entry.centres.set(values["_centres"])
    entry.goals.set(values["_goals"])
    known = set(RegisterTerm.objects.filter(term__in=vocabulary).values_list("term", flat=True))
    RegisterTerm.objects.bulk_create(
        [RegisterTerm(term=w[:100]) for w in sorted(vocabulary - known)], ignore_conflicts=True
    )
    return changed


def refresh_entry(collaboration: Collaboration) -> RegisterEntry | None:
    """Bring the register entry up to date after a change; called by the actions."""
    entry = RegisterEntry.objects.filter(collaboration=collaboration).first()
    if entry is None:
        return None
    changed = _write(entry, _public_values(collaboration))
    if changed and entry.state == RegisterEntry.State.PUBLISHED:
        entry.changed_at = timezone.now()
        entry.save(update_fields=["changed_at"])
        RegisterChange.objects.create(entry=entry, fields=changed)
    return entry


def _party_users(collaboration: Collaboration) -> list[User]:
    org_ids = collaboration.parties.values_list("organisation_id", flat=True)
    return list(
        User.objects.filter(organisation_id__in=org_ids, role=Role.COMPANY, is_active=True).exclude(
            email=""
        )
    )


@transaction.atomic
def do_start_publication(collaboration: Collaboration, actor: User) -> RegisterEntry:
    """Show the entry to the parties for the correction period, then it is published."""
    if not actor.has_role(*STAFF_ROLES):
        raise PermissionDenied
    if RegisterEntry.objects.filter(collaboration=collaboration).exists():
        raise ValidationError(_("The collaboration is already in the register."))
    if not collaboration.summary.strip() and PublicField.SUMMARY not in (
        collaboration.hidden_register_fields or []
    ):
        raise ValidationError(_("Write a public summary before publishing."))
    days = int(Parameter.get("register_correction_days"))
    entry = RegisterEntry(
        collaboration=collaboration,
        state=RegisterEntry.State.PREVIEW,
        preview_until=timezone.localdate() + datetime.timedelta(days=days),
    )
    _write(entry, _public_values(collaboration))
    for user in _party_users(collaboration):
        queue_email(
            user.email,
            "register/email/preview.txt",
            {
                "entry": entry,
                "days": days,
                "site_url": settings.SITE_URL,
            },
            settings.LANGUAGE_CODE,
        )
    return entry


@transaction.atomic
def do_set_hidden_fields(
    collaboration: Collaboration, actor: User, hidden: list[str]
) -> Collaboration:
    if not actor.has_role(*STAFF_ROLES):
        raise PermissionDenied
    unknown = set(hidden) - set(PublicField.values)
    if unknown:
        raise ValidationError(_("Unknown field: %(names)s") % {"names": ", ".join(sorted(unknown))})
    collaboration.hidden_register_fields = sorted(set(hidden))
    collaboration.save(update_fields=["hidden_register_fields", "updated_at"])
    refresh_entry(collaboration)
    return collaboration


@transaction.atomic
def do_request_correction(
    collaboration: Collaboration, actor: User, organisation: Organisation, text: str
) -> CorrectionRequest:
    """A party asks for a correction while the entry is in preview."""
    entry = RegisterEntry.objects.filter(collaboration=collaboration).first()
    if entry is None or entry.state != RegisterEntry.State.PREVIEW:
        raise ValidationError(_("Corrections are asked for during the preview period."))
    is_party = collaboration.parties.filter(organisation=organisation).exists()
    own = actor.role == Role.COMPANY and actor.organisation_id == organisation.pk
    if not is_party or not (own or actor.has_role(*STAFF_ROLES)):
        raise PermissionDenied
    if not text.strip():
        raise ValidationError({"text": [_("Say what should be corrected.")]})
    request = CorrectionRequest.objects.create(
        collaboration=collaboration, organisation=organisation, requested_by=actor, text=text
    )
    responsible = collaboration.responsible
    if responsible and responsible.email:
        queue_email(
            responsible.email,
            "register/email/correction_requested.txt",
            {"request": request},
            settings.LANGUAGE_CODE,
        )
    return request


@transaction.atomic
def do_unpublish(collaboration: Collaboration, actor: User) -> None:
    if not actor.has_role(*STAFF_ROLES):
        raise PermissionDenied
    RegisterEntry.objects.filter(collaboration=collaboration).delete()


def publish_due_entries(today: datetime.date) -> int:
    """End the correction periods that are over: those entries become public."""
    return RegisterEntry.objects.filter(
        state=RegisterEntry.State.PREVIEW, preview_until__lte=today
    ).update(state=RegisterEntry.State.PUBLISHED, published_at=timezone.now())
