"""Contacts: the people of an organisation the infrastructure talks to."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from samverkan.accounts.models import User

from ..models import (
    Contact,
    Organisation,
)
from .common import (
    _lock,
    require_network_writer,
)

# --- Contacts -----------------------------------------------------------------------------


@dataclass
class ContactData:
    name: str
    email: str
    phone: str = ""
    title: str = ""
    legal_basis: str = Contact.LegalBasis.LEGITIMATE_INTEREST
    consent_given_at: datetime.datetime | None = None
    consent_withdrawn_at: datetime.datetime | None = None


@transaction.atomic
def do_save_contact(
    actor: User,
    organisation: Organisation,
    data: ContactData,
    contact: Contact | None = None,
    *,
    expected_version: int | None = None,
) -> Contact:
    """Add a person to an organisation, or change one; the e-mail is unique within it."""
    require_network_writer(actor)
    if contact is None:
        obj = Contact(organisation=organisation)
    else:
        obj = _lock(Contact, contact.pk, expected_version)
        if obj.organisation_id != organisation.pk:
            raise PermissionDenied
        if obj.is_erased:
            raise ValidationError(_("The contact's personal data was erased; it is not edited."))
        obj.version += 1
    email = data.email.strip().lower()
    if (
        Contact.objects.filter(organisation=organisation, email__iexact=email)
        .exclude(pk=obj.pk)
        .exists()
    ):
        raise ValidationError({"email": [_("The organisation already has a contact with it.")]})
    given, withdrawn = data.consent_given_at, data.consent_withdrawn_at
    if withdrawn and not given:
        raise ValidationError(
            {"consent_withdrawn_at": [_("Consent that was never given cannot be withdrawn.")]}
        )
    if withdrawn and given and withdrawn < given:
        raise ValidationError(
            {"consent_withdrawn_at": [_("Consent is withdrawn before it was given.")]}
        )
    obj.name = data.name.strip()
    obj.email = email
    obj.phone = data.phone.strip()
    obj.title = data.title.strip()
    obj.legal_basis = data.legal_basis
    obj.consent_given_at = given
    obj.consent_withdrawn_at = withdrawn
    obj.full_clean(validate_constraints=False)
    obj.save()
    return obj
