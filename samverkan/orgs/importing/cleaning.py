"""Checking each row of an import on its own, before anything is looked up."""

import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils import translation
from django.utils.translation import gettext as _

from samverkan.lib import orgnr

from .reading import CONTACT_COLUMNS, MAX_CELL

_COUNTRY = re.compile(r"^[A-Z]{2}$")


def _choices_by_text(choices: Iterable[tuple[str, Any]]) -> dict[str, str]:
    """A choice by its value or its label in either language, case-insensitively."""
    found: dict[str, str] = {}
    pairs = list(choices)
    for language in ("en", "sv"):
        with translation.override(language):
            for value, label in pairs:
                found[str(label).casefold()] = value
    for value, _label in pairs:
        found[value.casefold()] = value
    return found


@dataclass(slots=True)
class Cleaned:
    name: str = ""
    number: str = ""
    foreign_identifier: str = ""
    country: str = "SE"
    country_given: bool = False
    kind: str = ""
    website: str = ""
    contact_name: str = ""
    email: str = ""
    phone: str = ""
    title: str = ""
    legal_basis: str = ""
    has_contact: bool = False
    errors: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, ...]:
        """How the organisation is recognised: number, foreign identifier, else name."""
        if self.number:
            return ("number", self.number)
        if self.foreign_identifier:
            return ("foreign", self.country, self.foreign_identifier)
        return ("name", self.name.lower())

    def organisation_values(self) -> dict[str, str]:
        return {
            "name": self.name,
            "organisation_number": self.number,
            "foreign_identifier": self.foreign_identifier,
            "country": self.country if self.country_given else "",
            "kind": self.kind,
            "website": self.website,
        }


def _too_long(errors: list[str], label: Callable[[], str], value: str, limit: int) -> None:
    # The label is translated only for a refusal: a long file has many rows and few refused.
    if len(value) > limit:
        errors.append(
            _("%(field)s is longer than %(limit)s characters.") % {"field": label(), "limit": limit}
        )


def clean_row(
    values: dict[str, str],
    kinds: dict[str, str],
    bases: dict[str, str],
    overlong: Sequence[str] = (),
) -> Cleaned:
    row = Cleaned()
    errors = row.errors
    for column in overlong:
        errors.append(
            _("The column %(column)s holds more than %(limit)s characters.")
            % {"column": column, "limit": MAX_CELL}
        )
    row.name = values["organisation_name"]
    _too_long(errors, lambda: _("The organisation name"), row.name, 200)

    raw_number = values["organisation_number"]
    if raw_number:
        row.number = orgnr.normalise(raw_number) or ""
        if not row.number:
            errors.append(
                _("The organisation number %(value)s is not valid.") % {"value": raw_number}
            )
    row.foreign_identifier = values["foreign_identifier"]
    _too_long(errors, lambda: _("The foreign identifier"), row.foreign_identifier, 64)
    if values["country"]:
        # Interned: a long file repeats a handful of countries thousands of times.
        row.country, row.country_given = sys.intern(values["country"].upper()), True
        if not _COUNTRY.match(row.country):
            errors.append(_("The country must be a two-letter code such as SE or DK."))
    if row.foreign_identifier and not raw_number and not row.country_given:
        errors.append(_("Give the country the foreign identifier belongs to."))
    if raw_number and row.country != "SE":
        errors.append(_("A Swedish organisation number belongs to an organisation in SE."))
    if not (row.name or raw_number or row.foreign_identifier):
        errors.append(_("The row names no organisation."))

    if values["kind"]:
        row.kind = kinds.get(values["kind"].casefold(), "")
        if not row.kind:
            errors.append(_("The kind %(value)s is unknown.") % {"value": values["kind"]})
    website = values["website"]
    if website:
        if "://" not in website:
            website = "https://" + website
        try:
            URLValidator(schemes=["http", "https"])(website)
        except ValidationError:
            errors.append(_("The website %(value)s is not a web address.") % {"value": website})
        _too_long(errors, lambda: _("The website"), website, 200)
        row.website = website

    row.contact_name = values["contact_name"]
    row.email = values["contact_email"].lower()
    row.phone = values["contact_phone"]
    row.title = values["contact_title"]
    row.has_contact = any(values[c] for c in CONTACT_COLUMNS)
    if row.has_contact:
        if not row.email:
            errors.append(_("The contact has no e-mail address."))
        else:
            try:
                EmailValidator()(row.email)
            except ValidationError:
                errors.append(
                    _("The e-mail address %(value)s is not valid.") % {"value": row.email}
                )
        if not row.contact_name:
            errors.append(_("The contact has no name."))
        _too_long(errors, lambda: _("The contact's name"), row.contact_name, 200)
        _too_long(errors, lambda: _("The e-mail address"), row.email, 254)
        _too_long(errors, lambda: _("The phone number"), row.phone, 40)
        _too_long(errors, lambda: _("The title"), row.title, 200)
    if values["legal_basis"]:
        row.legal_basis = bases.get(values["legal_basis"].casefold(), "")
        if not row.legal_basis:
            errors.append(
                _("The legal basis %(value)s is unknown.") % {"value": values["legal_basis"]}
            )
    return row
