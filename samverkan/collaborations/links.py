"""Personal links for the parties' contact persons: no account needed to take part.

Each link is signed, names one request (one party, one purpose, one object) and one
contact, and expires after the days the reference data gives (``party_link_days``).
Resending or choosing another contact makes a new link, and the old one stops working;
an answered request's link only says thank you.
"""

import secrets
from collections.abc import Collection
from typing import Any

from django.conf import settings
from django.core import signing
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from samverkan.accounts.models import User
from samverkan.core.email import queue_email
from samverkan.core.models import Parameter
from samverkan.orgs.models import Contact, Organisation

from .models import Collaboration, CollaborationParty, PartyRequest

SALT = "samverkan.party-link"


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def token_for(request: PartyRequest) -> str:
    return _signer().sign_object({"r": request.pk, "n": request.nonce})


def link_for(request: PartyRequest) -> str:
    return settings.SITE_URL + reverse("collaborations:party_link", args=[token_for(request)])


def request_for_token(token: str) -> PartyRequest | None:
    """The request a link names, if the link is genuine, unexpired and still current."""
    max_age = int(Parameter.get("party_link_days")) * 24 * 3600
    try:
        data: Any = _signer().unsign_object(token, max_age=max_age)
    except signing.BadSignature:  # also SignatureExpired
        return None
    request = (
        PartyRequest.objects.select_related("collaboration", "organisation", "contact")
        .filter(pk=data.get("r"))
        .first()
    )
    if request is None or not secrets.compare_digest(request.nonce, str(data.get("n"))):
        return None
    return request


def _send(request: PartyRequest) -> None:
    contact = request.contact
    queue_email(
        contact.email,
        "collaborations/email/party_request.txt",
        {
            "request": request,
            "contact": contact,
            "collaboration": request.collaboration,
            "link": link_for(request),
            "days": int(Parameter.get("party_link_days")),
        },
        settings.LANGUAGE_CODE,
    )


def _usable(contact: Contact | None) -> bool:
    return contact is not None and bool(contact.email) and contact.erased_at is None


def has_account(contact: Contact) -> bool:
    """Whether the contact person signs in: an active user of the same organisation with
    the same e-mail address. They answer on the pages, not through a link."""
    return User.objects.filter(
        is_active=True, organisation_id=contact.organisation_id, email__iexact=contact.email
    ).exists()


def _parties_to_ask(
    collaboration: Collaboration,
    organisations: list[Organisation] | None,
    without_account: bool,
) -> list[CollaborationParty]:
    parties = collaboration.parties.select_related("organisation", "contact").filter(
        organisation__is_infrastructure_party=False
    )
    if organisations is not None:
        parties = parties.filter(organisation__in=organisations)
    return [
        party
        for party in parties
        if _usable(party.contact)
        and not (without_account and party.contact and has_account(party.contact))
    ]


def request_from_parties(
    collaboration: Collaboration,
    purpose: str,
    object_id: int = 0,
    *,
    organisations: list[Organisation] | None = None,
    without_account: bool = False,
) -> list[PartyRequest]:
    """Ask the parties outside the infrastructure, through their contact persons, to do
    one thing; a request already answered is asked again (the thing changed). With
    `without_account`, only contact persons who cannot sign in are asked."""
    return [
        _open(party, purpose, object_id)
        for party in _parties_to_ask(collaboration, organisations, without_account)
    ]


def remind_parties(
    collaboration: Collaboration,
    purpose: str,
    object_id: int,
    *,
    answered: Collection[int] = (),
) -> list[PartyRequest]:
    """Send the contact persons without an account their link when the thing falls due,
    and again with each reminder until they answer. An open request keeps its link (a
    reminder does not end the one sent before); a party that has answered (`answered`:
    organisation ids, or its request is answered) is not asked again."""
    done = set(answered) | set(
        collaboration.party_requests.filter(
            purpose=purpose, object_id=object_id, answered_at__isnull=False
        ).values_list("organisation_id", flat=True)
    )
    open_requests = {
        r.organisation_id: r
        for r in collaboration.party_requests.filter(
            purpose=purpose, object_id=object_id, answered_at__isnull=True
        ).select_related("contact", "collaboration")
    }
    sent = []
    for party in _parties_to_ask(collaboration, None, without_account=True):
        if party.organisation_id in done:
            continue
        request = open_requests.get(party.organisation_id)
        if request is None:
            sent.append(_open(party, purpose, object_id))
            continue
        request.sent_at = timezone.now()
        request.times_sent += 1
        request.save(update_fields=["sent_at", "times_sent"])
        _send(request)
        sent.append(request)
    return sent


def _open(party: CollaborationParty, purpose: str, object_id: int) -> PartyRequest:
    contact = party.contact
    if contact is None:  # the callers pass only parties with a usable contact
        raise ValueError(party)
    request, created = PartyRequest.objects.get_or_create(
        collaboration_id=party.collaboration_id,
        organisation=party.organisation,
        purpose=purpose,
        object_id=object_id,
        defaults={
            "contact": contact,
            "nonce": secrets.token_hex(16),
            "sent_at": timezone.now(),
        },
    )
    if not created:
        request.contact = contact
        request.nonce = secrets.token_hex(16)
        request.sent_at = timezone.now()
        request.times_sent += 1
        request.answered_at = None
        request.save()
    _send(request)
    return request


def resend(request: PartyRequest, contact: Contact | None = None) -> PartyRequest:
    """Send a new link, to the same or another contact of the party; the old link ends."""
    if contact is not None:
        request.contact = contact
    request.nonce = secrets.token_hex(16)
    request.sent_at = timezone.now()
    request.times_sent += 1
    request.save()
    _send(request)
    return request


def mark_answered(
    collaboration: Collaboration, organisation: Organisation, purpose: str, object_id: int | None
) -> None:
    PartyRequest.objects.filter(
        collaboration=collaboration,
        organisation=organisation,
        purpose=purpose,
        object_id=object_id or 0,
        answered_at__isnull=True,
    ).update(answered_at=timezone.now())


def waiting(
    collaboration: Collaboration, purpose: str | None = None, object_id: int | None = None
) -> list[PartyRequest]:
    """Who the collaboration still waits for, oldest first: for everything, or for one
    purpose and object (one follow-up)."""
    requests = collaboration.party_requests.filter(answered_at__isnull=True)
    if purpose is not None:
        requests = requests.filter(purpose=purpose)
    if object_id is not None:
        requests = requests.filter(object_id=object_id)
    return list(requests.select_related("organisation", "contact").order_by("sent_at", "pk"))


def reassign_open_requests(party: CollaborationParty) -> int:
    """The coordinator chose another contact: the open requests go to them instead."""
    if not _usable(party.contact):
        return 0
    requests = PartyRequest.objects.filter(
        Q(collaboration_id=party.collaboration_id, organisation_id=party.organisation_id),
        answered_at__isnull=True,
    ).exclude(contact=party.contact)
    count = 0
    for request in requests:
        resend(request, party.contact)
        count += 1
    return count
