"""Organisations and their memberships of associations."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from samverkan.accounts.models import User
from samverkan.lib import orgnr

from ..models import (
    AssociationMembership,
    Organisation,
)
from .common import (
    _lock,
    require_network_writer,
)

# --- Organisations ------------------------------------------------------------------------


@dataclass
class OrganisationData:
    name: str
    kind: str = Organisation.Kind.COMPANY
    organisation_number: str = ""
    foreign_identifier: str = ""
    country: str = "SE"
    website: str = ""


def clean_organisation_number(value: str) -> str:
    """The number as NNNNNN-NNNN, "" for none; a ValidationError for a wrong one."""
    if not value.strip():
        return ""
    number = orgnr.normalise(value)
    if number is None:
        raise ValidationError(
            {"organisation_number": [_("This is not a valid Swedish organisation number.")]}
        )
    return number


def identifier_conflicts(
    number: str, country: str, foreign_identifier: str, exclude_pk: int | None = None
) -> dict[str, list[str]]:
    """Errors for identifiers another organisation already has, by field."""
    others = Organisation.objects.all()
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    errors: dict[str, list[str]] = {}
    if number:
        taken = others.filter(organisation_number=number).first()
        if taken:
            errors["organisation_number"] = [
                _("%(name)s already has this organisation number.") % {"name": taken.name}
            ]
    if foreign_identifier:
        taken = others.filter(country=country, foreign_identifier=foreign_identifier).first()
        if taken:
            errors["foreign_identifier"] = [
                _("%(name)s already has this identifier.") % {"name": taken.name}
            ]
    return errors


@transaction.atomic
def do_save_organisation(
    actor: User,
    data: OrganisationData,
    organisation: Organisation | None = None,
    *,
    expected_version: int | None = None,
) -> Organisation:
    """Create an organisation, or change one that nobody else changed in the meantime."""
    require_network_writer(actor)
    number = clean_organisation_number(data.organisation_number)
    country = (data.country or "SE").strip().upper()
    if number and country != "SE":
        raise ValidationError(
            {"country": [_("A Swedish organisation number belongs to an organisation in SE.")]}
        )
    foreign_identifier = data.foreign_identifier.strip()
    if organisation is None:
        org = Organisation()
    else:
        org = _lock(Organisation, organisation.pk, expected_version)
        org.version += 1
    errors = identifier_conflicts(number, country, foreign_identifier, exclude_pk=org.pk)
    if errors:
        raise ValidationError(errors)
    org.name = data.name.strip()
    org.kind = data.kind
    org.organisation_number = number
    org.foreign_identifier = foreign_identifier
    org.country = country
    org.website = data.website.strip()
    org.full_clean(validate_constraints=False)
    org.save()
    return org


# --- Memberships --------------------------------------------------------------------------


@transaction.atomic
def do_add_membership(
    actor: User,
    organisation: Organisation,
    association: Organisation,
    since: datetime.date | None = None,
) -> AssociationMembership:
    require_network_writer(actor)
    if association.kind != Organisation.Kind.ASSOCIATION:
        raise ValidationError({"association": [_("Choose an industry association.")]})
    if association.pk == organisation.pk:
        raise ValidationError({"association": [_("An association is not its own member.")]})
    if AssociationMembership.objects.filter(
        organisation=organisation, association=association
    ).exists():
        raise ValidationError({"association": [_("It is already a member.")]})
    return AssociationMembership.objects.create(
        organisation=organisation, association=association, since=since
    )


@transaction.atomic
def do_remove_membership(actor: User, membership: AssociationMembership) -> None:
    require_network_writer(actor)
    membership.delete()
