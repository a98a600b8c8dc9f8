"""The machinery every indicator shares: the period and filters (Scope), the calendar
buckets of a time series, what an indicator answers with (Figure, Table, Result), the
querysets the filters draw, and the Indicator base class.

Every aggregate runs in the database (`aggregate`, `annotate`, `Count(filter=...)`, `Sum`,
`TruncQuarter`/`TruncYear`, window functions), each indicator with a fixed number of
queries whatever the amount of data, written so SQLite and PostgreSQL give the same
answers. Python only walks the calendar (one bucket per quarter or year of the period) and
the handful of rows the grouped queries return.
"""

import datetime
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncQuarter, TruncYear
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from samverkan.collaborations.models import Collaboration, CollaborationParty
from samverkan.inquiries.models import Inquiry, Routing
from samverkan.orgs.models import Centre, Committee

from ..formatting import COUNT, DAYS, MONEY, PERCENT, format_value

if TYPE_CHECKING:
    from django.db.models.expressions import Combinable

T = TypeVar("T")

# The longest period one request may span, so a page's queries stay bounded.
MAX_PERIOD_YEARS = 10


class Interval(models.TextChoices):
    QUARTER = "quarter", _("By quarter")
    YEAR = "year", _("By year")


# --- Period, scope and calendar buckets ---------------------------------------------------


def local_midnight(day: datetime.date) -> datetime.datetime:
    """The start of a day in the active time zone (Europe/Stockholm unless overridden)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@dataclass(frozen=True)
class Bucket:
    """One quarter or year of the period, clipped to the period's first and last day."""

    key: tuple[int, int]
    start: datetime.date
    end: datetime.date
    label: str


def bucket_key(value: datetime.date | datetime.datetime | None, interval: str) -> Any:
    """The bucket a truncated date or time from the database falls in."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    if interval == Interval.YEAR:
        return (value.year, 0)
    return (value.year, (value.month - 1) // 3 + 1)


@dataclass(frozen=True)
class Scope:
    """What an indicator is computed for: a period (both days included) and filters."""

    start: datetime.date
    end: datetime.date
    committee: Committee | None = None
    centre: Centre | None = None
    kind: str = ""
    # The day "overdue" is measured against: today, unless a test or a report says otherwise.
    today: datetime.date = field(default_factory=timezone.localdate, compare=False)

    @property
    def starts_at(self) -> datetime.datetime:
        return local_midnight(self.start)

    @property
    def ends_before(self) -> datetime.datetime:
        return local_midnight(self.end + datetime.timedelta(days=1))

    @property
    def filters_collaborations(self) -> bool:
        return bool(self.committee or self.centre or self.kind)

    def buckets(self, interval: str) -> list[Bucket]:
        """The quarters or years of the period, in order: a calendar walk, not a data one."""
        buckets = []
        cursor = self.start
        while cursor <= self.end:
            year = cursor.year
            if interval == Interval.YEAR:
                first = datetime.date(year, 1, 1)
                following = datetime.date(year + 1, 1, 1)
                key, label = (year, 0), str(year)
            else:
                quarter = (cursor.month - 1) // 3 + 1
                first = datetime.date(year, 3 * quarter - 2, 1)
                following = (
                    datetime.date(year + 1, 1, 1)
                    if quarter == 4
                    else datetime.date(year, 3 * quarter + 1, 1)
                )
                key = (year, quarter)
                label = gettext("%(year)s Q%(quarter)s") % {"year": year, "quarter": quarter}
            end = following - datetime.timedelta(days=1)
            buckets.append(Bucket(key, max(first, self.start), min(end, self.end), label))
            cursor = following
        return buckets


# What several indicators read alike, read once while compute_all() computes them all.
_shared: ContextVar[dict[Any, Any] | None] = ContextVar("effects_shared", default=None)


@contextmanager
def sharing() -> Iterator[None]:
    """Let the indicators computed inside share what they read (see `shared`)."""
    token = _shared.set({})
    try:
        yield
    finally:
        _shared.reset(token)


def shared(key: tuple[Any, ...], read: Callable[[], T]) -> T:
    """`read()`, once per key while `sharing()`; every time outside it."""
    memo = _shared.get()
    if memo is None:
        return read()
    if key not in memo:
        memo[key] = read()
    return cast(T, memo[key])


def trunc(expression: "str | Combinable", interval: str, **kwargs: Any) -> Any:
    """Truncate a date or time to its quarter or year (times in the active time zone)."""
    function = TruncYear if interval == Interval.YEAR else TruncQuarter
    return function(expression, **kwargs)


# --- What the indicators answer with ------------------------------------------------------


# A share built on fewer cases than this swings with each one: it is shown with its n.
FEW_CASES = 10


@dataclass
class Column:
    label: str
    unit: str = COUNT
    currency: str = ""
    chart: bool = True  # drawn in the chart, not only listed in the table
    # For a share: the columns whose sum is the number of cases it is built on.
    base: tuple[int, ...] = ()


@dataclass
class Row:
    label: str
    values: list[Any]


@dataclass
class Table:
    key: str
    caption: str
    row_header: str
    columns: list[Column]
    rows: list[Row]
    note: str = ""

    @property
    def formatted_rows(self) -> list[tuple[str, list[str]]]:
        """The rows as people read them, in the active language; a share built on few
        cases says on how many."""
        formatted = []
        for row in self.rows:
            cells = []
            for index, (value, column) in enumerate(zip(row.values, self.columns, strict=True)):
                cell = format_value(value, column.unit, column.currency)
                cases = self.cases(row, index)
                if value is not None and cases is not None and cases < FEW_CASES:
                    cell = gettext("%(share)s (n = %(n)s)") % {"share": cell, "n": cases}
                cells.append(cell)
            formatted.append((row.label, cells))
        return formatted

    def cases(self, row: Row, index: int) -> int | None:
        """The number of cases the row's share in that column is built on, if it says."""
        base = self.columns[index].base
        if not base:
            return None
        return sum(int(row.values[i] or 0) for i in base)

    @property
    def few_cases_note(self) -> str:
        if not self.few_cases:
            return ""
        return gettext(
            "n is the number of cases a share is built on, shown when there are fewer than "
            "%(n)s: such a share moves a lot with each case."
        ) % {"n": FEW_CASES}

    @property
    def few_cases(self) -> bool:
        """Whether some share of the table is built on few cases."""
        return any(
            value is not None and (n := self.cases(row, i)) is not None and n < FEW_CASES
            for row in self.rows
            for i, value in enumerate(row.values)
        )


@dataclass
class Figure:
    label: str
    value: int | Decimal | None
    unit: str = COUNT
    currency: str = ""
    detail: str = ""

    @property
    def formatted(self) -> str:
        return format_value(self.value, self.unit, self.currency)


@dataclass
class Result:
    indicator: "Indicator"
    scope: Scope
    interval: str
    figures: list[Figure] = field(default_factory=list)
    series: Table | None = None
    breakdowns: list[Table] = field(default_factory=list)
    no_data: bool = False

    @property
    def tables(self) -> list[Table]:
        return [t for t in [self.series, *self.breakdowns] if t is not None]

    @property
    def ignored_filters(self) -> list[str]:
        """The filters set on the page that this indicator cannot apply."""
        labels = {"committee": _("committee"), "centre": _("regional centre"), "kind": _("kind")}
        given = {
            "committee": self.scope.committee,
            "centre": self.scope.centre,
            "kind": self.scope.kind,
        }
        return [
            str(labels[name])
            for name, value in given.items()
            if value and name not in self.indicator.applies
        ]

    @property
    def chart(self) -> dict[str, Any] | None:
        """The series as charts.js draws it: plain numbers, labels in the active language."""
        if self.no_data or self.series is None:
            return None
        columns = [i for i, c in enumerate(self.series.columns) if c.chart]
        if not columns:
            return None
        unit = self.series.columns[columns[0]].unit
        language = (get_language() or settings.LANGUAGE_CODE)[:2]
        return {
            "type": self.indicator.chart_type,
            "stacked": self.indicator.chart_stacked,
            "unit": unit,
            "yTitle": str(UNIT_TITLES.get(unit, "")),
            "separators": ", " if language == "sv" else ".,",
            "x": [row.label for row in self.series.rows],
            "series": [
                {
                    "name": str(self.series.columns[i].label),
                    "values": [_plain(row.values[i]) for row in self.series.rows],
                    # Shown beside the points built on few cases: "n = 2".
                    "notes": [_few(self.series, row, i) for row in self.series.rows],
                }
                for i in columns
            ],
        }


def _few(table: Table, row: Row, index: int) -> str:
    cases = table.cases(row, index)
    if row.values[index] is None or cases is None or cases >= FEW_CASES:
        return ""
    return gettext("n = %(n)s") % {"n": cases}


UNIT_TITLES = {COUNT: _("Number"), PERCENT: _("Per cent"), DAYS: _("Days"), MONEY: _("Amount")}


def _plain(value: Any) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    return int(value)


def percent(part: int, whole: int) -> Decimal | None:
    """A share in per cent with one decimal, or None when there is nothing to share."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def money(amount: Decimal | None) -> Decimal:
    """A sum of money with two decimals (SQLite's sums come back without them)."""
    return Decimal(amount or 0).quantize(Decimal("0.01"))


def days(delta: datetime.timedelta) -> Decimal:
    return (Decimal(delta.total_seconds()) / Decimal(86400)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def name_order() -> str:
    """Committees and regional centres in the order of their names in the active language."""
    return "name_en" if (get_language() or "")[:2] == "en" else "name_sv"


def count_of(queryset: QuerySet[Any]) -> Coalesce:
    """The number of rows of a correlated subquery, as an expression (0 when none)."""
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


# --- The scopes the filters draw ----------------------------------------------------------


def inquiries_in(scope: Scope) -> QuerySet[Inquiry]:
    """Inquiries routed to the committee or naming it, and naming the kind.

    Inquiries name no regional centre, so that filter does not apply to them.
    """
    queryset = Inquiry.objects.order_by()
    if scope.committee is not None:
        routed = Routing.objects.filter(inquiry=OuterRef("pk"), committee=scope.committee)
        named = Inquiry.requested_committees.through.objects.filter(
            inquiry=OuterRef("pk"), committee=scope.committee
        )
        queryset = queryset.filter(Exists(routed) | Exists(named))
    if scope.kind:
        # The kinds are a JSON list of slugs; the quoted slug matches one whole element,
        # on SQLite's JSON text and on PostgreSQL's jsonb cast to text alike.
        queryset = queryset.filter(kinds__icontains=json.dumps(scope.kind))
    return queryset


def involves_centre(centre: Any) -> Q:
    """A collaboration linked to the centre, or with one of the centre's partners as a party."""
    linked = Collaboration.centres.through.objects.filter(
        collaboration=OuterRef("pk"), centre=centre
    )
    partner = CollaborationParty.objects.filter(
        collaboration=OuterRef("pk"), organisation__centres=centre
    )
    return Q(Exists(linked)) | Q(Exists(partner))


def involves_region(region: Any) -> Q:
    """A collaboration with the region as a party, or linked to a regional centre the region
    is in."""
    party = CollaborationParty.objects.filter(collaboration=OuterRef("pk"), organisation=region)
    via_centre = Collaboration.centres.through.objects.filter(
        collaboration=OuterRef("pk"), centre__partners=region
    )
    return Q(Exists(party)) | Q(Exists(via_centre))


def collaborations_in(scope: Scope) -> QuerySet[Collaboration]:
    queryset = Collaboration.objects.order_by()
    if scope.committee is not None:
        linked = Collaboration.committees.through.objects.filter(
            collaboration=OuterRef("pk"), committee=scope.committee
        )
        queryset = queryset.filter(Exists(linked))
    if scope.centre is not None:
        queryset = queryset.filter(involves_centre(scope.centre.pk))
    if scope.kind:
        queryset = queryset.filter(kind=scope.kind)
    return queryset


def started_between(start: datetime.date, end: datetime.date) -> Q:
    """Started in the span: its start date falls in it and it is no longer only planned."""
    return ~Q(status=Collaboration.Status.PLANNED) & Q(start_date__gte=start, start_date__lte=end)


def prefixed(condition: Q, prefix: str) -> Q:
    """The same condition on a related collaboration: `prefixed(q, "collaboration__")`."""
    result = Q(_connector=condition.connector, _negated=condition.negated)
    for child in condition.children:
        if isinstance(child, Q):
            result.children.append(prefixed(child, prefix))
        else:
            lookup, value = cast(tuple[str, Any], child)
            result.children.append((prefix + lookup, value))
    return result


def active_between(start: datetime.date, end: datetime.date) -> Q:
    """Ran some day of the span: started by its end, not ended (planned end) before it."""
    return (
        ~Q(status=Collaboration.Status.PLANNED)
        & Q(start_date__lte=end)
        & (Q(end_date__isnull=True) | Q(end_date__gte=start))
    )


# --- The indicators -----------------------------------------------------------------------


class Indicator:
    id: ClassVar[str]
    name: ClassVar[Promise]
    short_name: ClassVar[Promise]  # at most 31 characters: an Excel sheet's title
    definition: ClassVar[Promise]
    applies: ClassVar[frozenset[str]] = frozenset({"committee", "centre", "kind"})
    chart_type: ClassVar[str] = "bar"
    chart_stacked: ClassVar[bool] = False

    def compute(self, scope: Scope, interval: str = Interval.QUARTER) -> Result:
        raise NotImplementedError

    def value(self, scope: Scope) -> list[Figure]:
        """The headline figures for the period and filters."""
        return self.compute(scope, Interval.YEAR).figures

    def series(self, scope: Scope, interval: str = Interval.QUARTER) -> Table | None:
        """The figures quarter by quarter or year by year."""
        return self.compute(scope, interval).series

    def _series(self, scope: Scope, interval: str, columns: list[Column], rows: list[Row]) -> Table:
        period = gettext("Quarter") if interval == Interval.QUARTER else gettext("Year")
        return Table(
            key="series",
            caption=gettext("%(name)s, %(interval)s")
            % {"name": self.name, "interval": str(Interval(interval).label).lower()},
            row_header=period,
            columns=columns,
            rows=rows,
        )
