import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import BooleanField, Case, Count, Exists, OuterRef, Q, Value, When

from samverkan.accounts.models import Role

if TYPE_CHECKING:
    from samverkan.accounts.models import User
    from samverkan.orgs.models import Committee

DRAFT = "draft"
PUBLISHED = "published"
MAX_SEARCH_WORDS = 8


def search_key(text: str) -> str:
    """Text as the search compares it: Unicode-normalised and case-folded."""
    return unicodedata.normalize("NFKC", text).casefold()


class NeedQuerySet(models.QuerySet):
    def published(self) -> "NeedQuerySet":
        return self.filter(status=PUBLISHED)

    def visible_to(self, user: "User | AnonymousUser") -> "NeedQuerySet":
        """Published needs for everyone; drafts and closed ones for those who read
        everything and for the members of the need's committee."""
        if isinstance(user, AnonymousUser) or not user.is_authenticated or not user.is_active:
            return self.published()
        if user.reads_everything:
            return self.all()
        if user.role == Role.COMMITTEE:
            return self.filter(Q(status=PUBLISHED) | Q(committee_id__in=user.committee_ids()))
        return self.published()

    def editable_by(self, user: "User") -> "NeedQuerySet":
        """The needs this user may write: their committees' needs, or all for coordinators."""
        if user.is_coordinator:
            return self.all()
        if user.has_role(Role.COMMITTEE):
            return self.filter(committee_id__in=user.committee_ids())
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


@dataclass
class Coverage:
    """How many committees describe at least one published need."""

    committees: list[Any]  # Committee rows with published_needs, draft_needs and covered
    covered: int
    total: int

    @property
    def percent(self) -> Decimal | None:
        """The covered share in whole percent, or None when there are no committees."""
        if not self.total:
            return None
        share = Decimal(self.covered) * 100 / Decimal(self.total)
        return share.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def needs_coverage(committees: "models.QuerySet[Committee] | None" = None) -> Coverage:
    """Each committee with its number of published needs, and the covered share.

    Two queries whatever the number of committees and needs: one for the rows, one for
    the totals. Pass a queryset of committees to measure a subset.
    """
    from samverkan.orgs.models import Committee

    Need = apps.get_model("needs", "Need")

    base = committees if committees is not None else Committee.objects.all()
    rows = list(
        base.annotate(
            published_needs=Count("needs", filter=Q(needs__status=PUBLISHED)),
            draft_needs=Count("needs", filter=Q(needs__status=DRAFT)),
            covered=Case(
                When(published_needs__gt=0, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
    )
    has_published = Exists(Need.objects.filter(committee=OuterRef("pk"), status=PUBLISHED))
    totals = base.aggregate(total=Count("pk"), covered=Count("pk", filter=has_published))
    return Coverage(committees=rows, covered=totals["covered"], total=totals["total"])
