"""Every change to a committee's need: atomic, permission-checked, one history entry each."""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samverkan.accounts.models import Role, User
from samverkan.orgs.models import Committee
from samverkan.strategy.models import Goal

from .models import Need

Status = Need.Status


def may_write_for(user: User, committee_id: int) -> bool:
    """Coordinators and admins write for every committee, members for their own."""
    if user.is_coordinator:
        return True
    return user.has_role(Role.COMMITTEE) and committee_id in user.committee_ids()


def _require_writer(actor: User, committee_id: int) -> None:
    if not may_write_for(actor, committee_id):
        raise PermissionDenied


@dataclass
class NeedData:
    committee: Committee
    title: str
    description: str
    kind: str
    desired_partner: str = ""
    contact_committee: Committee | None = None
    status: str = Status.DRAFT
    goals: list[Goal] = field(default_factory=list)
    title_en: str = ""
    description_en: str = ""


def _set_status(need: Need, status: str) -> None:
    if status not in Status.values:
        raise ValidationError({"status": [_("Choose draft, published or closed.")]})
    if status == Status.PUBLISHED and need.status != Status.PUBLISHED:
        need.published_at = timezone.now()
    need.status = status


@transaction.atomic
def do_save_need(
    actor: User,
    data: NeedData,
    *,
    need: Need | None = None,
    expected_version: int | None = None,
) -> Need:
    """Create a need, or edit one; an edit based on an older version is refused."""
    _require_writer(actor, data.committee.pk)
    if need is None:
        need = Need(created_by=actor)
    else:
        need = Need.objects.select_for_update().get(pk=need.pk)
        # Moving a need to another committee needs the right to write for both.
        _require_writer(actor, need.committee_id)
        need.check_version(expected_version)
        need.version += 1
    need.committee = data.committee
    # No contact committee stored means the need's own, which follows it if it moves.
    contact = data.contact_committee
    need.contact_committee = contact if contact and contact.pk != data.committee.pk else None
    need.title = data.title.strip()
    need.description = data.description.strip()
    need.title_en = data.title_en.strip()
    need.description_en = data.description_en.strip()
    need.kind = data.kind
    need.desired_partner = data.desired_partner.strip()
    if not need.title or not need.description:
        raise ValidationError(_("A need has a title and a description."))
    _set_status(need, data.status)
    need.save_and_record(actor, goals=data.goals)
    return need


@transaction.atomic
def do_change_need_status(
    need: Need,
    actor: User,
    status: str,
    *,
    expected_version: int | None = None,
) -> Need:
    """Publish, close, reopen or withdraw a need to draft."""
    need = Need.objects.select_for_update().get(pk=need.pk)
    _require_writer(actor, need.committee_id)
    need.check_version(expected_version)
    if status not in need.allowed_transitions():
        label = Status(status).label if status in Status.values else status
        raise ValidationError(
            _("A need that is “%(current)s” cannot become “%(target)s”.")
            % {"current": need.get_status_display(), "target": label}
        )
    _set_status(need, status)
    need.version += 1
    need.save_and_record(actor, update_fields=["status", "published_at", "version", "updated_at"])
    return need
