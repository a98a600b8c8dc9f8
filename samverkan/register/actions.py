"""Publishing collaborations in the transparency register.

Transparency by default: a collaboration enters the register by itself when it starts.
Publication starts with a preview the parties see for a correction period (reference data);
the periodic sweep then publishes. There is no unpublishing: every later change to a
published entry's public fields is recorded and shown with its date, and only a
collaboration that never really started can be withdrawn, leaving a public stub with the
reason. Organisations that are parties are always public, persons never; only the fields
the reference data marks withholdable can be withheld, each with a public reason.
"""

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from samverkan.accounts.models import STAFF_ROLES, Role, User
from samverkan.collaborations.links import mark_answered, request_from_parties
from samverkan.collaborations.models import (
    Collaboration,
    CollaborationParty,
    PartyRequestPurpose,
)
from samverkan.core.email import queue_email
from samverkan.core.models import Parameter
from samverkan.orgs.models import Contact, Organisation

from . import cache
from .choices import PublicField
from .models import (
    CorrectionRequest,
    RegisterChange,
    RegisterConfirmation,
    RegisterEntry,
    RegisterTerm,
)
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
    "withheld",
]


def withholdable_fields() -> list[str]:
    """The public fields the reference data allows to be withheld. Organisations that are
    parties are always public, whatever the data says."""
    allowed = set(Parameter.get("register_withholdable_fields") or [])
    always = {PublicField.PARTIES, PublicField.COMPANIES}
    return [f for f in PublicField.values if f in allowed and f not in always]


def withholding_reasons() -> dict[str, dict[str, str]]:
    """Reason categories by slug, each with its Swedish and English label."""
    return {r["slug"]: r for r in Parameter.get("register_withholding_reasons") or []}


def reason_label(slug: str, reasons: dict[str, dict[str, str]] | None = None) -> str:
    reason = (reasons if reasons is not None else withholding_reasons()).get(slug)
    if reason is None:
        return slug
    language = (get_language() or settings.LANGUAGE_CODE)[:2]
    return str(reason.get(language) or reason.get("sv") or slug)


def _public_values(collaboration: Collaboration) -> dict[str, Any]:
    """The public projection, with the withheld fields left empty and their reasons kept."""
    allowed = set(withholdable_fields())
    withheld = {
        name: reason
        for name, reason in (collaboration.withheld_register_fields or {}).items()
        if name in allowed
    }
    parties = list(
        collaboration.parties.select_related("organisation").order_by("organisation__name")
    )
    gms = [p.organisation for p in parties if p.role != CollaborationParty.Role.COMPANY]
    companies = [p.organisation for p in parties if p.role == CollaborationParty.Role.COMPANY]
    funding = []
    if PublicField.FUNDING not in withheld:
        for application in collaboration.funding_applications.select_related("funder").order_by(
            "pk"
        ):
            funding.append(
                {
                    "funder": application.funder_label,
                    "call": application.call,
                    "status": application.status,
                    "currency": application.currency,
                    "applied": str(application.amount_applied),
                    "granted": str(application.amount_granted or Decimal(0)),
                }
            )
    show_period = PublicField.PERIOD not in withheld
    return {
        "title": collaboration.title,
        "summary": collaboration.summary if PublicField.SUMMARY not in withheld else "",
        "kind": collaboration.kind,
        "status": collaboration.status,
        "start_date": collaboration.start_date if show_period else None,
        "end_date": collaboration.end_date if show_period else None,
        "year": collaboration.start_date.year if show_period and collaboration.start_date else None,
        "parties_text": ", ".join(o.name for o in gms),
        "companies_text": ", ".join(o.name for o in companies),
        "funding": funding,
        "withheld": withheld,
        "_organisations": gms + companies,
        "_committees": (
            [] if PublicField.COMMITTEES in withheld else list(collaboration.committees.all())
        ),
        "_centres": [] if PublicField.CENTRES in withheld else list(collaboration.centres.all()),
        "_goals": [] if PublicField.GOALS in withheld else list(collaboration.goals.all()),
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
    if entry is None or entry.state == RegisterEntry.State.WITHDRAWN:
        return entry  # a withdrawn entry stays a stub
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


def enter_register(collaboration: Collaboration) -> RegisterEntry:
    """Transparency by default: a collaboration that starts enters the register by
    itself, first as a preview the parties see for the correction period (reference data),
    then public. Called by the action that starts the collaboration."""
    entry = RegisterEntry.objects.filter(collaboration=collaboration).first()
    if entry is not None:
        return entry
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
            {"entry": entry, "days": days, "site_url": settings.SITE_URL},
            settings.LANGUAGE_CODE,
        )
    # The party users above check the preview signed in; the contact persons without an
    # account get their personal link.
    request_from_parties(collaboration, PartyRequestPurpose.CONFIRM_REGISTER, without_account=True)
    return entry


def _label(name: str) -> str:
    return str(PublicField(name).label) if name in PublicField.values else name


@transaction.atomic
def do_withhold_fields(
    collaboration: Collaboration, actor: User, withheld: dict[str, str]
) -> Collaboration:
    """Withhold the fields the reference data allows, each for a reason category that the
    register shows publicly. Anything else is always published."""
    if not actor.has_role(*STAFF_ROLES):
        raise PermissionDenied
    allowed = set(withholdable_fields())
    reasons = withholding_reasons()
    refused = sorted(set(withheld) - allowed)
    if refused:
        raise ValidationError(
            _("These fields are always public: %(names)s")
            % {
                "names": ", ".join(
                    str(PublicField(n).label) if n in PublicField.values else n for n in refused
                )
            }
        )
    without_reason = sorted(name for name, reason in withheld.items() if reason not in reasons)
    if without_reason:
        raise ValidationError(_("Choose the reason each withheld field is withheld for."))
    collaboration = Collaboration.objects.select_for_update().get(pk=collaboration.pk)
    collaboration.withheld_register_fields = dict(sorted(withheld.items()))
    collaboration.save(update_fields=["withheld_register_fields", "updated_at"])
    refresh_entry(collaboration)
    return collaboration


@transaction.atomic
def do_request_correction(
    collaboration: Collaboration,
    actor: User | None,
    organisation: Organisation,
    text: str,
    *,
    contact: Contact | None = None,
) -> CorrectionRequest:
    """A party asks for a correction while the entry is in preview: signed in, or through
    the personal link sent to its contact."""
    entry = RegisterEntry.objects.filter(collaboration=collaboration).first()
    if entry is None or entry.state != RegisterEntry.State.PREVIEW:
        raise ValidationError(_("Corrections are asked for during the preview period."))
    _check_party(collaboration, organisation, actor, contact)
    if not text.strip():
        raise ValidationError({"text": [_("Say what should be corrected.")]})
    request = CorrectionRequest.objects.create(
        collaboration=collaboration,
        organisation=organisation,
        requested_by=actor,
        requested_by_contact=contact,
        text=text,
    )
    mark_answered(collaboration, organisation, PartyRequestPurpose.CONFIRM_REGISTER, None)
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
def do_withdraw_from_register(
    collaboration: Collaboration, actor: User, reason: str
) -> RegisterEntry:
    """Withdraw the entry of a collaboration that never really started. The register
    keeps a public stub saying so and why; nothing is ever removed silently."""
    if not actor.has_role(*STAFF_ROLES):
        raise PermissionDenied
    collaboration = Collaboration.objects.get(pk=collaboration.pk)
    entry = RegisterEntry.objects.select_for_update().filter(collaboration=collaboration).first()
    if entry is None:
        raise ValidationError(_("The collaboration is not in the register."))
    if entry.state == RegisterEntry.State.WITHDRAWN:
        raise ValidationError(_("The entry is already withdrawn."))
    if not collaboration.never_really_started():
        raise ValidationError(
            _(
                "Only a collaboration that ended early before anything was signed or held can "
                "be withdrawn; correct the entry instead."
            )
        )
    if not reason.strip():
        raise ValidationError({"reason": [_("Give the reason, which the register shows.")]})
    entry.state = RegisterEntry.State.WITHDRAWN
    entry.withdrawn_at = timezone.now()
    entry.withdrawal_reason = reason.strip()
    entry.published_at = entry.published_at or entry.withdrawn_at
    make_stub(entry)
    return entry


def make_stub(entry: RegisterEntry) -> None:
    """Keep of a withdrawn entry only the stub every public channel shows: its title, that
    it was withdrawn, when and why; the withdrawn content is no longer public."""
    for name in ["summary", "parties_text", "companies_text"]:
        setattr(entry, name, "")
    entry.start_date = entry.end_date = entry.year = None
    entry.funding = []
    entry.withheld = {}
    entry.search_document, _vocabulary = normalise([entry.title])
    entry.save()
    for related in (entry.organisations, entry.committees, entry.centres, entry.goals):
        related.clear()


@transaction.atomic
def do_confirm_register_entry(
    collaboration: Collaboration,
    organisation: Organisation,
    *,
    actor: User | None = None,
    contact: Contact | None = None,
) -> RegisterConfirmation:
    """A party confirms the preview: signed in for its organisation, or through the
    personal link sent to its contact."""
    entry = RegisterEntry.objects.filter(collaboration=collaboration).first()
    if entry is None or entry.state != RegisterEntry.State.PREVIEW:
        raise ValidationError(_("The entry is confirmed during the preview period."))
    _check_party(collaboration, organisation, actor, contact)
    confirmation, _created = RegisterConfirmation.objects.update_or_create(
        collaboration=collaboration,
        organisation=organisation,
        defaults={"confirmed_by": actor, "confirmed_by_contact": contact},
    )
    mark_answered(collaboration, organisation, PartyRequestPurpose.CONFIRM_REGISTER, None)
    return confirmation


def _check_party(
    collaboration: Collaboration,
    organisation: Organisation,
    actor: User | None,
    contact: Contact | None,
) -> None:
    is_party = collaboration.parties.filter(organisation=organisation).exists()
    if contact is not None:
        own = contact.organisation_id == organisation.pk
    elif actor is not None:
        own = (
            actor.role == Role.COMPANY and actor.organisation_id == organisation.pk
        ) or actor.has_role(*STAFF_ROLES)
    else:
        own = False
    if not is_party or not own:
        raise PermissionDenied


def publish_due_entries(today: datetime.date) -> int:
    """End the correction periods that are over: those entries become public."""
    published = RegisterEntry.objects.filter(
        state=RegisterEntry.State.PREVIEW, preview_until__lte=today
    ).update(state=RegisterEntry.State.PUBLISHED, published_at=timezone.now())
    if published:
        cache.changed()  # an update() sends no signal
    return published
