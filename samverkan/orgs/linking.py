"""Linking a company user to their organisation: the user asks, a coordinator decides.

Every change goes through here: atomic, permission-checked, recorded, and the user is told
by e-mail. The request itself (OrganisationLinkRequest) is a model of accounts.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from samverkan.accounts.actions import require_staff
from samverkan.accounts.models import OrganisationLinkRequest, Role, User
from samverkan.core.email import queue_email
from samverkan.core.models import Infrastructure
from samverkan.lib import orgnr

from .models import Organisation

LinkStatus = OrganisationLinkRequest.Status


@dataclass
class LinkRequestData:
    """What a company user gives to be linked to their organisation."""

    organisation_name: str
    organisation_number: str = ""
    foreign_identifier: str = ""
    country: str = ""
    note: str = ""


def clean_identifier(number: str, foreign: str, country: str) -> tuple[str, str, str]:
    """The organisation number (normalised), foreign identifier and country, or errors.

    A Swedish organisation is known by its organisation number; one abroad by an
    identifier and a two-letter country code.
    """
    number, foreign, country = number.strip(), foreign.strip(), country.strip().upper()
    if number:
        normalised = orgnr.normalise(number)
        if normalised is None:
            raise ValidationError(
                {
                    "organisation_number": [
                        _(
                            "Not a valid Swedish organisation number: use NNNNNN-NNNN with a "
                            "correct check digit."
                        )
                    ]
                }
            )
        return normalised, "", "SE"
    if not foreign:
        raise ValidationError(
            {
                "organisation_number": [
                    _("Give a Swedish organisation number, or a foreign identifier and country.")
                ]
            }
        )
    if not (len(country) == 2 and country.isalpha()):
        raise ValidationError({"country": [_("Use a two-letter country code, such as DK.")]})
    if country == "SE":
        raise ValidationError(
            {"organisation_number": [_("A Swedish organisation needs its organisation number.")]}
        )
    return "", foreign, country


def match_organisation(number: str, foreign: str, country: str) -> Organisation | None:
    """The known organisation with this identifier, if any."""
    if number:
        return Organisation.objects.filter(organisation_number=number).first()
    return Organisation.objects.filter(country=country, foreign_identifier=foreign).first()


def _refuse_infrastructure_party(organisation: Organisation) -> None:
    # A company user may approve communication for their organisation; for an
    # infrastructure party that is the coordinators' or a named approver's job, never a
    # self-registered account.
    if organisation.is_infrastructure_party:
        raise ValidationError(
            _(
                "%(org)s is a party of %(infrastructure)s. People at its parties get their "
                "accounts from the coordinators."
            )
            % {"org": organisation, "infrastructure": Infrastructure.current().short}
        )


@transaction.atomic
def do_request_organisation_link(
    actor: User, data: LinkRequestData, *, language: str
) -> OrganisationLinkRequest:
    """A company user without an organisation asks to be linked to one."""
    if not actor.has_role(Role.COMPANY):
        raise PermissionDenied
    # Lock the user so two quick submissions cannot both pass the checks below.
    user = User.objects.select_for_update().get(pk=actor.pk)
    if user.organisation_id is not None:
        raise ValidationError(
            _("Your account is already linked to an organisation."), code="linked"
        )
    if user.link_requests.filter(status=LinkStatus.PENDING).exists():
        raise ValidationError(
            _("You already have a request waiting for a decision."), code="pending"
        )
    name = data.organisation_name.strip()
    if not name:
        raise ValidationError({"organisation_name": [_("Give the organisation's name.")]})
    number, foreign, country = clean_identifier(
        data.organisation_number, data.foreign_identifier, data.country
    )
    organisation = match_organisation(number, foreign, country)
    if organisation is not None:
        _refuse_infrastructure_party(organisation)
    link_request = OrganisationLinkRequest(
        user=user,
        organisation=organisation,
        organisation_name=name,
        organisation_number=number,
        foreign_identifier=foreign,
        country=country,
        note=data.note.strip(),
        language=language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE,
    )
    link_request._history_user = user  # type: ignore[attr-defined]
    link_request.save()
    return link_request


def _lock_pending(link_request: OrganisationLinkRequest) -> OrganisationLinkRequest:
    locked = OrganisationLinkRequest.objects.select_for_update().get(pk=link_request.pk)
    if not locked.is_pending:
        raise ValidationError(_("This request has already been decided."))
    return locked


def _decide(link_request: OrganisationLinkRequest, actor: User, status: str, comment: str) -> None:
    link_request.status = status
    link_request.decided_by = actor
    link_request.decided_at = timezone.now()
    link_request.comment = comment
    link_request._history_user = actor  # type: ignore[attr-defined]
    link_request.save()


def _tell_user(link_request: OrganisationLinkRequest, template: str) -> None:
    user = link_request.user
    if not user.email:
        return
    queue_email(
        user.email,
        template,
        {
            "link_request": link_request,
            "user": user,
            "url": settings.SITE_URL + reverse("accounts:home"),
        },
        link_request.language,
    )


@transaction.atomic
def do_approve_link_request(
    link_request: OrganisationLinkRequest, actor: User, *, comment: str = ""
) -> OrganisationLinkRequest:
    """Link the user to the organisation, creating it when it is new, and tell them."""
    require_staff(actor)
    link_request = _lock_pending(link_request)
    user = User.objects.select_for_update().get(pk=link_request.user_id)
    if user.role != Role.COMPANY or not user.is_active:
        raise ValidationError(_("Only an active company user can be linked to an organisation."))
    if user.organisation_id is not None:
        raise ValidationError(_("%(user)s is already linked to an organisation.") % {"user": user})
    # Someone may have registered the organisation since the request was made.
    organisation = link_request.organisation or match_organisation(
        link_request.organisation_number, link_request.foreign_identifier, link_request.country
    )
    if organisation is None:
        organisation = Organisation(
            name=link_request.organisation_name,
            kind=Organisation.Kind.COMPANY,
            organisation_number=link_request.organisation_number,
            foreign_identifier=link_request.foreign_identifier,
            country=link_request.country,
        )
        organisation._history_user = actor  # type: ignore[attr-defined]
        organisation.full_clean()
        organisation.save()
    _refuse_infrastructure_party(organisation)
    user.organisation = organisation
    user.save(update_fields=["organisation"])
    link_request.organisation = organisation
    link_request.user = user
    _decide(link_request, actor, LinkStatus.APPROVED, comment.strip())
    _tell_user(link_request, "accounts/email/link_approved.txt")
    return link_request


@transaction.atomic
def do_reject_link_request(
    link_request: OrganisationLinkRequest, actor: User, *, reason: str
) -> OrganisationLinkRequest:
    """Refuse the link, with a reason the user reads; they may ask again."""
    require_staff(actor)
    if not reason.strip():
        raise ValidationError({"comment": [_("Give the reason; it is sent to the user.")]})
    link_request = _lock_pending(link_request)
    _decide(link_request, actor, LinkStatus.REJECTED, reason.strip())
    _tell_user(link_request, "accounts/email/link_rejected.txt")
    return link_request
