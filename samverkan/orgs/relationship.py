"""An organisation's relationship with the infrastructure over time: year by year, what
it asked, started, ran and ended with us, and how often we met.

Each kind of engagement is counted by year in a grouped query, and the five are read as
one UNION ALL, so the organisation page reads one query for it however long the
relationship is.
"""

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import (
    CharField,
    Count,
    DateField,
    Exists,
    Max,
    Min,
    OuterRef,
    QuerySet,
    Value,
)
from django.db.models.functions import Coalesce, ExtractYear, TruncDate
from django.utils import timezone

from .models import Event, EventParticipant, Organisation

if TYPE_CHECKING:
    from samverkan.accounts.models import User


@dataclass
class RelationshipYear:
    year: int
    inquiries: int = 0
    started: int = 0
    active: int = 0
    ended: int = 0
    interactions: int = 0
    events: int = 0


@dataclass
class Relationship:
    years: list[RelationshipYear] = field(default_factory=list)  # newest first
    first: datetime.date | None = None
    latest: datetime.date | None = None

    @property
    def is_empty(self) -> bool:
        return not self.years


def _as_date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def _by_year(kind: str, queryset: QuerySet[Any], year: Any, when: Any) -> QuerySet[Any]:
    """(kind, year, count, earliest day, latest day) for each year the rows fall in."""
    day = when if isinstance(when, str) and when.endswith(("date", "_on")) else TruncDate(when)
    return (
        queryset.order_by()
        .annotate(engagement=Value(kind, output_field=CharField()), year=year)
        .values("engagement", "year")
        .annotate(
            n=Count("pk", distinct=True),
            first=Min(day, output_field=DateField()),
            last=Max(day, output_field=DateField()),
        )
        .filter(year__isnull=False)
        .values_list("engagement", "year", "n", "first", "last")
    )


def relationship_over_time(organisation: Organisation, user: "User") -> Relationship:
    """The organisation's engagement per year, newest first, with its first and latest
    engagement: inquiries it sent, collaborations it is a party to (started, active, ended),
    interactions logged and events attended. Only what the user may see is counted."""
    from samverkan.collaborations.models import Collaboration, CollaborationParty
    from samverkan.inquiries.models import Inquiry

    is_party = Exists(
        CollaborationParty.objects.filter(collaboration=OuterRef("pk"), organisation=organisation)
    )
    collaborations = (
        Collaboration.objects.visible_to(user)
        .filter(is_party, start_date__isnull=False)
        .exclude(status=Collaboration.Status.PLANNED)
    )
    closed = [Collaboration.Status.COMPLETED, Collaboration.Status.ENDED_EARLY]
    ended_on = Coalesce("end_date", TruncDate("updated_at"), output_field=DateField())
    parts = [
        _by_year(
            "inquiries",
            Inquiry.objects.visible_to(user).filter(organisation=organisation),
            ExtractYear("created_at"),
            "created_at",
        ),
        _by_year("started", collaborations, ExtractYear("start_date"), "start_date"),
        _by_year(
            "ended",
            collaborations.filter(status__in=closed).annotate(ended_on=ended_on),
            ExtractYear("ended_on"),
            "ended_on",
        ),
        _by_year("interactions", organisation.interactions.all(), ExtractYear("date"), "date"),
        _by_year(
            "events",
            Event.objects.filter(
                Exists(
                    EventParticipant.objects.filter(event=OuterRef("pk"), organisation=organisation)
                )
            ),
            ExtractYear("date"),
            "date",
        ),
    ]
    counted: dict[str, list[tuple[int, int, Any, Any]]] = {
        kind: [] for kind in ("inquiries", "started", "ended", "interactions", "events")
    }
    for kind, year, n, first, last in parts[0].union(*parts[1:], all=True):
        counted[kind].append((year, n, first, last))
    years: dict[int, RelationshipYear] = {}
    firsts: list[datetime.date] = []
    lasts: list[datetime.date] = []
    for kind, grouped in counted.items():
        for year, n, first, last in grouped:
            setattr(years.setdefault(year, RelationshipYear(year)), kind, n)
            if kind != "ended":  # an ending is not an engagement
                firsts += [d for d in [_as_date(first)] if d is not None]
                lasts += [d for d in [_as_date(last)] if d is not None]
    if not years:
        return Relationship()
    # Every year from the first to the last, gaps included; a collaboration still running
    # carries the relationship into this year.
    started = {y: n for y, n, _f, _l in counted["started"]}
    ended = {y: n for y, n, _f, _l in counted["ended"]}
    last_year = max(years)
    if sum(started.values()) > sum(ended.values()):
        last_year = max(last_year, timezone.localdate().year)
    rows = []
    running = 0
    for year in range(min(years), last_year + 1):
        row = years.get(year) or RelationshipYear(year)
        # Active some day of the year: started by its end and not ended before it began.
        running += started.get(year, 0)
        row.active = running
        running -= ended.get(year, 0)
        rows.append(row)
    rows.reverse()
    return Relationship(rows, min(firsts, default=None), max(lasts, default=None))
