"""Every change to a need: atomic, permission-checked, one history entry each.

A need belongs to a committee or to a regional centre; their members write it. Its state
(open, being addressed, met, closed) follows from its status, which people decide, and
from the inquiries and collaborations linked to it, which the rules here keep."""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samverkan.accounts.models import Role, User
from samverkan.orgs.models import Centre, Committee
from samverkan.strategy.models import Goal

from .models import Need

if TYPE_CHECKING:
    from samverkan.collaborations.models import Collaboration

Status = Need.Status
# A collaboration may answer a need that is on the board or already met.
LINKABLE = (Status.PUBLISHED, Status.MET)


def may_write_for(user: User, committee_id: int | None, centre_id: int | None = None) -> bool:
    """Coordinators and admins write for every committee and centre, members for their own."""
    if user.is_coordinator:
        return True
    if not user.has_role(Role.COMMITTEE):
        return False
    if committee_id is not None:
        return committee_id in user.committee_ids()
    return centre_id is not None and centre_id in user.centre_ids()


def may_write(user: User, need: Need) -> bool:
    """Whether the user writes this need: a coordinator, or a member of its owner."""
    return may_write_for(user, need.committee_id, need.centre_id)


def _require_writer(actor: User, committee_id: int | None, centre_id: int | None = None) -> None:
    if not may_write_for(actor, committee_id, centre_id):
        raise PermissionDenied


@dataclass
class NeedData:
    """A need's fields as a person writes them: the committee, or else the centre, owns it."""

    committee: Committee | None
    title: str
    description: str
    kind: str
    desired_partner: str = ""
    contact_committee: Committee | None = None
    status: str = Status.DRAFT
    goals: list[Goal] = field(default_factory=list)
    centre: Centre | None = None


def _set_status(need: Need, status: str, actor: User) -> None:
    if status not in Status.values:
        raise ValidationError({"status": [_("Choose draft, published, met or closed.")]})
    if status == need.status:
        return
    if status == Status.MET and need.status != Status.PUBLISHED:
        raise ValidationError({"status": [_("Only a published need can be marked met.")]})
    if status == Status.PUBLISHED and need.published_at is None:
        need.published_at = timezone.now()
    if status == Status.MET:
        need.met_at, need.met_by = timezone.now(), actor
    elif need.status == Status.MET:
        need.met_at, need.met_by = None, None
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
    if (data.committee is None) == (data.centre is None):
        raise ValidationError(
            {"committee": [_("A need belongs to one committee or to one regional centre.")]}
        )
    committee_id = data.committee.pk if data.committee else None
    centre_id = data.centre.pk if data.centre else None
    _require_writer(actor, committee_id, centre_id)
    if need is None:
        need = Need(created_by=actor)
    else:
        need = Need.objects.select_for_update().get(pk=need.pk)
        # Moving a need to another committee or centre needs the right to write for both.
        _require_writer(actor, need.committee_id, need.centre_id)
        need.check_version(expected_version)
        need.version += 1
    need.committee = data.committee
    need.centre = data.centre
    # No contact committee stored means the need's own, which follows it if it moves.
    contact = data.contact_committee
    need.contact_committee = contact if contact and contact.pk != committee_id else None
    need.title = data.title.strip()
    need.description = data.description.strip()
    need.kind = data.kind
    need.desired_partner = data.desired_partner.strip()
    if not need.title or not need.description:
        raise ValidationError(_("A need has a title and a description."))
    _set_status(need, data.status, actor)
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
    """Publish, mark met, close, reopen or withdraw a need to draft; marking it met
    records by whom and when."""
    need = Need.objects.select_for_update().get(pk=need.pk)
    _require_writer(actor, need.committee_id, need.centre_id)
    need.check_version(expected_version)
    if status not in need.allowed_transitions():
        label = Status(status).label if status in Status.values else status
        raise ValidationError(
            _("A need that is “%(current)s” cannot become “%(target)s”.")
            % {"current": need.get_status_display(), "target": label}
        )
    _set_status(need, status, actor)
    need.version += 1
    need.save_and_record(
        actor,
        update_fields=["status", "published_at", "met_at", "met_by", "version", "updated_at"],
    )
    return need


def _require_linker(actor: User, need: Need, collaboration: "Collaboration") -> None:
    """Coordinators link any collaboration; the need's committee or centre members link
    those they can see."""
    from samverkan.collaborations.models import Collaboration

    if not may_write(actor, need):
        raise PermissionDenied
    if not Collaboration.objects.visible_to(actor).filter(pk=collaboration.pk).exists():
        raise PermissionDenied


def _link(collaboration: "Collaboration", need: Need, actor: User) -> bool:
    """The link, and the need's regional centre as taking part in the collaboration: a
    centre whose need a collaboration answers is one of its parties."""
    from samverkan.collaborations.models import CollaborationNeed
    from samverkan.register.actions import refresh_entry

    _row, created = CollaborationNeed.objects.get_or_create(
        collaboration=collaboration,
        need=need,
        defaults={"linked_by": actor, "linked_at": timezone.now()},
    )
    if need.centre_id is not None and not collaboration.centres.filter(pk=need.centre_id).exists():
        collaboration.centres.add(need.centre_id)
        refresh_entry(collaboration)
    return created


@transaction.atomic
def do_link_collaboration(need: Need, actor: User, collaboration: "Collaboration") -> bool:
    """Record that the collaboration answers the need; False when it already did. A
    centre's need brings the centre into the collaboration as a party."""
    need = Need.objects.select_for_update().get(pk=need.pk)
    _require_linker(actor, need, collaboration)
    if need.status not in LINKABLE:
        raise ValidationError(_("Only a published or met need can be answered by a collaboration."))
    return _link(collaboration, need, actor)


@transaction.atomic
def do_unlink_collaboration(need: Need, actor: User, collaboration: "Collaboration") -> bool:
    """Remove a link made by mistake; False when there was none."""
    from samverkan.collaborations.models import CollaborationNeed

    need = Need.objects.select_for_update().get(pk=need.pk)
    _require_linker(actor, need, collaboration)
    deleted, _rows = CollaborationNeed.objects.filter(
        collaboration=collaboration, need=need
    ).delete()
    return bool(deleted)


def link_from_inquiry(collaboration: "Collaboration", actor: User) -> None:
    """What a collaboration made from an accepted inquiry inherits: the need the inquiry
    answered, and that need's regional centre as taking part. Called inside the
    decision's transaction, on the decider's authority."""
    inquiry = collaboration.inquiry
    if inquiry is None or inquiry.need_id is None:
        return
    _link(collaboration, Need.objects.get(pk=inquiry.need_id), actor)
