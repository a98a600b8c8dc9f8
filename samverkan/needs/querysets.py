import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from samverkan.accounts.models import Role

if TYPE_CHECKING:
    from samverkan.accounts.models import User
    from samverkan.orgs.models import Centre, Committee

DRAFT = "draft"
PUBLISHED = "published"
MET = "met"
# Needs anyone may read: on the board, or met (the public story of what came of them).
PUBLIC = (PUBLISHED, MET)
# Inquiries that are no activity for a need: turned down or taken back.
NO_ACTIVITY_INQUIRY = ("declined", "withdrawn")
# A collaboration works on a need while it is planned or active.
WORKING_COLLABORATION = ("planned", "active")
MAX_SEARCH_WORDS = 8


def search_key(text: str) -> str:
    """Text as the search compares it: Unicode-normalised and case-folded."""
    return unicodedata.normalize("NFKC", text).casefold()


def _own(user: "User") -> Q:
    """The needs of the committees and regional centres the user is a member of."""
    return Q(committee_id__in=user.committee_ids()) | Q(centre_id__in=user.centre_ids())


def in_progress_q() -> Q:
    """A need with a linked inquiry still in progress or a
    linked collaboration planned or active: the need is being addressed."""
    Inquiry = apps.get_model("inquiries", "Inquiry")
    Link = apps.get_model("collaborations", "CollaborationNeed")
    need = OuterRef("pk")
    inquiries = Inquiry.objects.filter(need=need, status__in=Inquiry.OPEN_STATUSES)
    collaborations = Link.objects.filter(need=need, collaboration__status__in=WORKING_COLLABORATION)
    return Q(Exists(inquiries)) | Q(Exists(collaborations))


def activity_q(before: Any = None) -> Q:
    """A need that has led to an activity: a linked inquiry that was not declined or
    withdrawn, or a linked collaboration of any status; with `before`, one that existed
    (was sent or linked) before that moment."""
    Inquiry = apps.get_model("inquiries", "Inquiry")
    Link = apps.get_model("collaborations", "CollaborationNeed")
    need = OuterRef("pk")
    inquiries = Inquiry.objects.filter(need=need).exclude(status__in=NO_ACTIVITY_INQUIRY)
    collaborations = Link.objects.filter(need=need)
    if before is not None:
        inquiries = inquiries.filter(created_at__lt=before)
        collaborations = collaborations.filter(linked_at__lt=before)
    return Q(Exists(inquiries)) | Q(Exists(collaborations))


class NeedQuerySet(models.QuerySet):
    def published(self) -> "NeedQuerySet":
        return self.filter(status=PUBLISHED)

    def public(self) -> "NeedQuerySet":
        """Needs everyone may read: published ones, and those marked met."""
        return self.filter(status__in=PUBLIC)

    def with_state(self) -> "NeedQuerySet":
        """Annotate `in_progress`, so that `Need.state` needs no query of its own."""
        return self.annotate(
            in_progress=ExpressionWrapper(in_progress_q(), output_field=BooleanField())
        )

    def with_activity_counts(self) -> "NeedQuerySet":
        """Annotate `inquiry_count` and `collaboration_count`: everything linked, whoever
        may see it (the numbers are public, the records are not)."""
        Inquiry = apps.get_model("inquiries", "Inquiry")
        Link = apps.get_model("collaborations", "CollaborationNeed")

        def count(model: Any) -> Coalesce:
            rows = model.objects.filter(need=OuterRef("pk")).order_by().values("need")
            return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")), 0)

        return self.annotate(inquiry_count=count(Inquiry), collaboration_count=count(Link))

    def with_activity(self) -> "NeedQuerySet":
        """The needs that have led to an inquiry or a collaboration."""
        return self.filter(activity_q())

    def in_state(self, state: str) -> "NeedQuerySet":
        """The needs in one of the states of `Need.State`."""
        if state == "open":
            return self.filter(~in_progress_q(), status=PUBLISHED)
        if state == "addressed":
            return self.filter(in_progress_q(), status=PUBLISHED)
        return self.filter(status=state)

    def visible_to(self, user: "User | AnonymousUser") -> "NeedQuerySet":
        """Published and met needs for everyone; drafts and closed ones for those who read
        everything and for the members of the need's committee or centre."""
        if isinstance(user, AnonymousUser) or not user.is_authenticated or not user.is_active:
            return self.public()
        if user.reads_everything:
            return self.all()
        if user.role == Role.COMMITTEE:
            return self.filter(Q(status__in=PUBLIC) | _own(user))
        return self.public()

    def editable_by(self, user: "User") -> "NeedQuerySet":
        """The needs this user may write: their committees' and centres' needs, or all for
        coordinators."""
        if user.is_coordinator:
            return self.all()
        if user.has_role(Role.COMMITTEE):
            return self.filter(_own(user))
        return self.none()

    def search(self, text: str) -> "NeedQuerySet":
        """Needs whose title or description holds every word, whatever its case."""
        queryset = self
        for word in text.split()[:MAX_SEARCH_WORDS]:
            queryset = queryset.filter(search_text__contains=search_key(word))
        return queryset


def writable_committees(user: "User | AnonymousUser | None") -> "models.QuerySet[Committee]":
    """The committees a user may write needs for: every one for coordinators, else their own."""
    from samverkan.orgs.models import Committee

    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return Committee.objects.none()
    if user.is_coordinator:
        return Committee.objects.all()
    if user.has_role(Role.COMMITTEE):
        return Committee.objects.filter(pk__in=user.committee_ids())
    return Committee.objects.none()


def writable_centres(user: "User | AnonymousUser | None") -> "models.QuerySet[Centre]":
    """The regional centres a user may write needs for: every one for coordinators, else
    those they are a member of."""
    from samverkan.orgs.models import Centre

    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return Centre.objects.none()
    if user.is_coordinator:
        return Centre.objects.all()
    if user.has_role(Role.COMMITTEE):
        return Centre.objects.filter(pk__in=user.centre_ids())
    return Centre.objects.none()


@dataclass
class Coverage:
    """How many committees describe at least one need (published or met), and how many of
    their needs have led to an activity."""

    # Committee rows with published_needs (on the board or met), draft_needs, active_needs
    # (with an inquiry or a collaboration), addressed_needs, met_needs and covered.
    committees: list[Any]
    covered: int
    total: int
    centres: list[Any]  # Centre rows with the same counts
    described_needs: int  # published or met, all committees and centres
    active_needs: int  # of those, with an activity

    @property
    def percent(self) -> Decimal | None:
        """The covered share in whole percent, or None when there are no committees."""
        if not self.total:
            return None
        share = Decimal(self.covered) * 100 / Decimal(self.total)
        return share.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def _counted(owners: "models.QuerySet[Any]") -> list[Any]:
    """Committees or centres with the numbers of their needs in each state."""
    Need = apps.get_model("needs", "Need")
    described = Q(needs__status__in=PUBLIC)
    owner = "committee" if owners.model._meta.model_name == "committee" else "centre"
    active = Need.objects.filter(activity_q(), status__in=PUBLIC).values(owner)
    addressed = Need.objects.filter(in_progress_q(), status=PUBLISHED).values(owner)
    return list(
        owners.annotate(
            published_needs=Count("needs", filter=described),
            draft_needs=Count("needs", filter=Q(needs__status=DRAFT)),
            met_needs=Count("needs", filter=Q(needs__status=MET)),
            active_needs=Count("needs", filter=described & Q(needs__in=active.values("pk"))),
            addressed_needs=Count("needs", filter=Q(needs__in=addressed.values("pk"))),
            covered=Case(
                When(published_needs__gt=0, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
    )


def needs_coverage(committees: "models.QuerySet[Committee] | None" = None) -> Coverage:
    """Each committee (and regional centre) with its needs in each state, the covered
    share of committees, and how many described needs have led to an activity.

    Four queries whatever the number of committees and needs: the committees' rows, the
    centres' rows, the committee totals and the need totals. Pass a queryset of committees
    to measure a subset.
    """
    from samverkan.orgs.models import Centre, Committee

    Need = apps.get_model("needs", "Need")

    base = committees if committees is not None else Committee.objects.all()
    rows = _counted(base)
    centres = _counted(Centre.objects.all()) if committees is None else []
    has_described = Exists(Need.objects.filter(committee=OuterRef("pk"), status__in=PUBLIC))
    totals = base.aggregate(total=Count("pk"), covered=Count("pk", filter=has_described))
    needs = Need.objects.public()
    if committees is not None:
        needs = needs.filter(committee__in=base)
    need_totals = needs.aggregate(described=Count("pk"), active=Count("pk", filter=activity_q()))
    return Coverage(
        committees=rows,
        covered=totals["covered"],
        total=totals["total"],
        centres=centres,
        described_needs=need_totals["described"],
        active_needs=need_totals["active"],
    )
