"""The expected effects of the industry strategy, measured as indicators.

The industry strategy ("Förväntade effekter") expects its effects; each becomes one or
more indicators below. An indicator has an id, a name, a written definition shown beside
its figures, and `compute(scope, interval)`, which answers for a period and filters
(committee, regional centre, kind) with the headline figures, the time series by quarter or by year,
and breakdown tables.

Every aggregate runs in the database (`aggregate`, `annotate`, `Count(filter=...)`, `Sum`,
`TruncQuarter`/`TruncYear`, window functions), each indicator with a fixed number of
queries whatever the amount of data, written so SQLite and PostgreSQL give the same
answers. Python only walks the calendar (one bucket per quarter or year of the period) and
the handful of rows the grouped queries return.
"""

import datetime
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import (
    Case,
    Count,
    DateField,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import (
    Coalesce,
    ExtractIsoWeekDay,
    Least,
    RowNumber,
    TruncDate,
    TruncQuarter,
    TruncYear,
)
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import get_language, gettext, pgettext
from django.utils.translation import gettext_lazy as _

from samverkan.collaborations.models import (
    Collaboration,
    CollaborationParty,
    FollowUp,
    FundingApplication,
)
from samverkan.core.choices import CollaborationKind
from samverkan.inquiries.models import Inquiry, Routing
from samverkan.needs.models import Need
from samverkan.orgs.models import Centre, Committee, Organisation

from .formatting import COUNT, DAYS, MONEY, PERCENT, format_value

if TYPE_CHECKING:
    from django.db.models.expressions import Combinable

# Answered "within 10 working days" means by the end of the 10th weekday after the day of
# arrival. From a Monday to a Friday that is the same weekday two weeks later; from a
# Saturday the Friday 13 days later; from a Sunday the Friday 12 days later. ISO weekdays.
CALENDAR_DAYS_ALLOWED = {6: 13, 7: 12}
CALENDAR_DAYS_ALLOWED_DEFAULT = 14

# The longest period one request may span, so a page's queries stay bounded.
MAX_PERIOD_YEARS = 10


class Effect(models.TextChoices):
    """The six expected effects, in the strategy's order."""

    PROCESS = (
        "process",
        _("A structured collaboration process, implemented, communicated and evaluated"),
    )
    INTEREST = "interest", _("Clearer incentives and more interest in industry collaboration")
    FUNDING = (
        "funding",
        _("More joint applications to research funders and more research funding"),
    )
    PROJECTS = "projects", _("More joint pilot, development and research projects")
    LEARNING = (
        "learning",
        _("More joint learning and active knowledge exchange with industry"),
    )
    AGENDA = "agenda", _("A joint agenda")


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


def trunc(expression: "str | Combinable", interval: str, **kwargs: Any) -> Any:
    """Truncate a date or time to its quarter or year (times in the active time zone)."""
    function = TruncYear if interval == Interval.YEAR else TruncQuarter
    return function(expression, **kwargs)


# --- What the indicators answer with ------------------------------------------------------


@dataclass
class Column:
    label: str
    unit: str = COUNT
    currency: str = ""
    chart: bool = True  # drawn in the chart, not only listed in the table


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
        """The rows as people read them, in the active language."""
        return [
            (
                row.label,
                [
                    format_value(value, column.unit, column.currency)
                    for value, column in zip(row.values, self.columns, strict=True)
                ],
            )
            for row in self.rows
        ]


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
                }
                for i in columns
            ],
        }


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
    effect: ClassVar[Effect]
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


class InquiriesReceived(Indicator):
    id = "inquiries_received"
    name = _("Inquiries received")
    short_name = _("Inquiries received")
    effect = Effect.INTEREST
    definition = _(
        "The number of collaboration inquiries that arrived through the central entry "
        "point in the period, counted by the day they arrived (Swedish time). With a "
        "committee chosen: inquiries routed to it or naming it; with a kind: inquiries "
        "naming that kind. An inquiry can name several kinds, so the kinds add up to more "
        "than the total."
    )
    applies = frozenset({"committee", "kind"})

    def compute(self, scope: Scope, interval: str = Interval.QUARTER) -> Result:
        received = inquiries_in(scope).filter(
            created_at__gte=scope.starts_at, created_at__lt=scope.ends_before
        )
        grouped = (
            received.annotate(bucket=trunc("created_at", interval))
            .values("bucket")
            .annotate(n=Count("pk"))
        )
        counts = {bucket_key(row["bucket"], interval): row["n"] for row in grouped}
        buckets = scope.buckets(interval)
        rows = [Row(b.label, [counts.get(b.key, 0)]) for b in buckets]
        total = sum(counts.values())
        by_kind = received.aggregate(
            **{
                kind: Count("pk", filter=Q(kinds__icontains=json.dumps(kind)))
                for kind in CollaborationKind.values
            }
        )
        return Result(
            self,
            scope,
            interval,
            figures=[Figure(gettext("Inquiries received"), total)],
            series=self._series(scope, interval, [Column(gettext("Inquiries"))], rows),
            breakdowns=[
                Table(
                    key="by_kind",
                    caption=gettext("Inquiries by the kind of collaboration they name"),
                    row_header=gettext("Kind"),
                    columns=[Column(gettext("Inquiries"))],
                    rows=[
                        Row(str(label), [by_kind[kind]])
                        for kind, label in CollaborationKind.choices
                    ],
                    note=gettext("An inquiry can name several kinds."),
                )
            ],
        )


def answer_timing(queryset: QuerySet[Inquiry], today: datetime.date) -> QuerySet[Inquiry]:
    """Annotate each inquiry with the calendar days its 10 working days allow, the days it
    took to be answered and the days it has waited so far (all between local dates)."""
    return queryset.annotate(
        weekday=ExtractIsoWeekDay("created_at"),
        allowed=Case(
            *[
                When(weekday=weekday, then=Value(datetime.timedelta(days=n)))
                for weekday, n in CALENDAR_DAYS_ALLOWED.items()
            ],
            default=Value(datetime.timedelta(days=CALENDAR_DAYS_ALLOWED_DEFAULT)),
            output_field=DurationField(),
        ),
        answer_gap=ExpressionWrapper(
            TruncDate("first_response_at") - TruncDate("created_at"),
            output_field=DurationField(),
        ),
        waited=ExpressionWrapper(
            Value(today, output_field=DateField()) - TruncDate("created_at"),
            output_field=DurationField(),
        ),
    )


class AnsweredInTime(Indicator):
    id = "answered_in_time"
    name = _("Share answered within 10 working days")
    short_name = _("Answered in 10 working days")
    effect = Effect.PROCESS
    definition = _(
        "Of the inquiries that arrived in the period, the share that had their first answer "
        "(a question back, a routing to a committee or a decision) by the end of the 10th "
        "working day after the day they arrived. Working days are Monday to Friday; Swedish "
        "public holidays are not taken out, so a holiday counts as a working day. How it "
        "is counted: the 10th weekday after a Monday to Friday is the same weekday two "
        "weeks later, after a Saturday 13 days later and after a Sunday 12 days later; the "
        "database compares the local dates of arrival and answer with that number of "
        "days. Inquiries still unanswered count as late once that day has passed, and are "
        "left out while it has not."
    )
    applies = frozenset({"committee", "kind"})
    chart_type = "line"

    def compute(self, scope: Scope, interval: str = Interval.QUARTER) -> Result:
        received = inquiries_in(scope).filter(
            created_at__gte=scope.starts_at, created_at__lt=scope.ends_before
        )
        answered = Q(first_response_at__isnull=False)
        grouped = (
            answer_timing(received, scope.today)
            .annotate(bucket=trunc("created_at", interval))
            .values("bucket")
            .annotate(
                in_time=Count("pk", filter=answered & Q(answer_gap__lte=F("allowed"))),
                late=Count("pk", filter=answered & Q(answer_gap__gt=F("allowed"))),
                overdue=Count("pk", filter=~answered & Q(waited__gt=F("allowed"))),
                waiting=Count("pk", filter=~answered & Q(waited__lte=F("allowed"))),
            )
        )
        found = {bucket_key(row["bucket"], interval): row for row in grouped}
        empty = {"in_time": 0, "late": 0, "overdue": 0, "waiting": 0}
        rows = []
        totals = dict(empty)
        for bucket in scope.buckets(interval):
            row = found.get(bucket.key, empty)
            due = row["in_time"] + row["late"] + row["overdue"]
            rows.append(
                Row(
                    bucket.label,
                    [percent(row["in_time"], due), row["in_time"], due, row["waiting"]],
                )
            )
            for name in totals:
                totals[name] += row[name]
        due = totals["in_time"] + totals["late"] + totals["overdue"]
        columns = [
            Column(gettext("Share in time"), PERCENT),
            Column(gettext("In time"), chart=False),
            Column(gettext("Due"), chart=False),
            Column(gettext("Not yet due"), chart=False),
        ]
        return Result(
            self,
            scope,
            interval,
            figures=[
                Figure(
                    gettext("Answered within 10 working days"),
                    percent(totals["in_time"], due),
                    PERCENT,
                    detail=gettext("%(part)s of %(whole)s inquiries")
                    % {"part": totals["in_time"], "whole": due},
                ),
                Figure(gettext("Unanswered past 10 working days"), totals["overdue"]),
            ],
            series=self._series(scope, interval, columns, rows),
        )


def medians(queryset: QuerySet[Any], value: str, partition: Any = None) -> dict[Any, Any]:
    """The median of `value` per partition, in one query on SQLite and PostgreSQL alike.

    Each row is numbered in order of the value within its partition and the partition's
    size counted with window functions; only the middle row (odd size) or the two middle
    rows (even size) come back: row numbers from (n + 1) / 2 to (n + 2) / 2 in integer
    division. Answers {partition: (median, n)}.
    """
    partition_by = [partition] if partition is not None else []
    ranked = (
        queryset.annotate(
            part=partition if partition is not None else Value(0),
            rank=Window(RowNumber(), partition_by=partition_by, order_by=[F(value), F("pk")]),
            size=Window(Count("pk"), partition_by=partition_by),
        )
        .filter(rank__gte=(F("size") + 1) / 2, rank__lte=(F("size") + 2) / 2)
        .values_list("part", value, "size")
    )
    middles: dict[Any, list[Any]] = {}
    sizes: dict[Any, int] = {}
    for part, middle, size in ranked:
        middles.setdefault(part, []).append(middle)
        sizes[part] = size
    return {
        part: (sum(values, start=type(values[0])()) / len(values), sizes[part])
        for part, values in middles.items()
    }


class MedianDaysToFirstAnswer(Indicator):
    id = "median_days_to_answer"
    name = _("Median days to first answer")
    short_name = _("Median days to first answer")
    effect = Effect.PROCESS
    definition = _(
        "The median time from an inquiry's arrival to its first answer (a question back, a "
        "routing to a committee or a decision), in calendar days with one decimal, over "
        "the inquiries that arrived in the period and have been answered. Half of them "
        "were answered faster, half slower. With an even number of inquiries, the mean of "
        "the two middle ones. Computed in the database with window functions."
    )
    applies = frozenset({"committee", "kind"})
    chart_type = "line"

    def compute(self, scope: Scope, interval: str = Interval.QUARTER) -> Result:
        answered = (
            inquiries_in(scope)
            .filter(
                created_at__gte=scope.starts_at,
                created_at__lt=scope.ends_before,
                first_response_at__isnull=False,
            )
            .annotate(
                gap=ExpressionWrapper(
                    F("first_response_at") - F("created_at"), output_field=DurationField()
                )
            )
        )
        per_bucket = {
            bucket_key(part, interval): found
            for part, found in medians(answered, "gap", trunc("created_at", interval)).items()
        }
        overall = medians(answered, "gap").get(0)
        rows = []
        for bucket in scope.buckets(interval):
            found = per_bucket.get(bucket.key)
            rows.append(
                Row(bucket.label, [days(found[0]) if found else None, found[1] if found else 0])
            )
        columns = [
            Column(gettext("Median days"), DAYS),
            Column(gettext("Answered"), chart=False),
        ]
        return Result(
            self,
            scope,
            interval,
            figures=[
                Figure(
                    gettext("Median days to first answer"),
                    days(overall[0]) if overall else None,
                    DAYS,
                    detail=gettext("over %(n)s answered inquiries")
                    % {"n": overall[1] if overall else 0},
                )
            ],
            series=self._series(scope, interval, columns, rows),
        )


class InquiryOutcomes(Indicator):
    id = "inquiry_outcomes"
    name = _("Outcome of inquiries")
    short_name = _("Outcome of inquiries")
    effect = Effect.PROCESS
    definition = _(
        "Of the inquiries that arrived in the period and have a decision today, the share "
        "accepted (became a collaboration), declined, withdrawn and parked, counted by "
        "each inquiry's status now and by the day it arrived. Inquiries still open are not "
        "counted."
    )
    applies = frozenset({"committee", "kind"})
    chart_stacked = True
    OUTCOMES = (
        Inquiry.Status.ACCEPTED,
        Inquiry.Status.DECLINED,
        Inquiry.Status.WITHDRAWN,
        Inquiry.Status.PARKED,
    )

    def compute(self, scope: Scope, interval: str = Interval.QUARTER) -> Result:
        decided = inquiries_in(scope).filter(
            created_at__gte=scope.starts_at,
            created_at__lt=scope.ends_before,
            status__in=self.OUTCOMES,
        )
        grouped = (
            decided.annotate(bucket=trunc("created_at", interval))
            .values("bucket")
            .annotate(
                **{str(status): Count("pk", filter=Q(status=status)) for status in self.OUTCOMES}
            )
        )
        found = {bucket_key(row["bucket"], interval): row for row in grouped}
        totals = dict.fromkeys(self.OUTCOMES, 0)
        rows = []
        for bucket in scope.buckets(interval):
            row = found.get(bucket.key, {})
            values = [row.get(str(status), 0) for status in self.OUTCOMES]
            rows.append(Row(bucket.label, values))
            for status, n in zip(self.OUTCOMES, values, strict=True):
                totals[status] += n
        decided_total = sum(totals.values())
        labels = {status: str(Inquiry.Status(status).label) for status in self.OUTCOMES}
        return Result(
            self,
            scope,
            interval,
            figures=[
                Figure(
                    labels[status],
                    percent(totals[status], decided_total),
                    PERCENT,
                    detail=gettext("%(part)s of %(whole)s decided")
                    % {"part": totals[status], "whole": decided_total},
                )
                for status in self.OUTCOMES
            ],
            series=self._series(scope, interval, [Column(labels[s]) for s in self.OUTCOMES], rows),
            breakdowns=[
                Table(
                    key="shares",
                    caption=gettext("Outcome of the decided inquiries"),
                    row_header=gettext("Outcome"),
                    columns=[Column(gettext("Inquiries")), Column(gettext("Share"), PERCENT)],
                    rows=[
                        Row(labels[s], [totals[s], percent(totals[s], decided_total)])
                        for s in self.OUTCOMES
                    ],
                )
            ],
        )


class Collaborations(Indicator):
    id = "collaborations"
    name = _("Collaborations started and active")
    short_name = _("Collaborations")
    effect = Effect.PROJECTS
    definition = _(
        "Started: collaborations whose start date falls in the period and that have left "
        "the planned status. Active: collaborations that ran on some day of the period, "
        "that is started on or before its last day and not ended (by their end date) "
        "before its first day. A collaboration counts for a regional centre when it is "
        "linked to the centre or one of the centre's partners is a party, and for a region "
        "when the region is a party or a partner of a linked centre; one collaboration can "
        "count for several committees, centres and regions."
    )

    def compute(self, scope: Scope, interval: str = Interval.QUARTER) -> Result:
        base = collaborations_in(scope)
        buckets = scope.buckets(interval)
        aggregates: dict[str, Any] = {
            "started": Count("pk", filter=started_between(scope.start, scope.end)),
            "active": Count("pk", filter=active_between(scope.start, scope.end)),
        }
        for i, bucket in enumerate(buckets):
            aggregates[f"started_{i}"] = Count(
                "pk", filter=started_between(bucket.start, bucket.end)
            )
            aggregates[f"active_{i}"] = Count("pk", filter=active_between(bucket.start, bucket.end))
        totals = base.aggregate(**aggregates)
        rows = [
            Row(b.label, [totals[f"started_{i}"], totals[f"active_{i}"]])
            for i, b in enumerate(buckets)
        ]
        started = base.filter(started_between(scope.start, scope.end))
        active = base.filter(active_between(scope.start, scope.end))
        columns = [Column(gettext("Started")), Column(gettext("Active"))]

        by_kind = {
            row["kind"]: row
            for row in base.values("kind").annotate(
                started=Count("pk", filter=started_between(scope.start, scope.end)),
                active=Count("pk", filter=active_between(scope.start, scope.end)),
            )
        }
        committee_link = Collaboration.committees.through.objects.filter(
            collaboration=OuterRef("pk"), committee=OuterRef(OuterRef("pk"))
        )
        committees = Committee.objects.annotate(
            started=count_of(started.filter(Exists(committee_link))),
            active=count_of(active.filter(Exists(committee_link))),
        ).order_by(name_order())
        centres = Centre.objects.annotate(
            started=count_of(started.filter(involves_centre(OuterRef(OuterRef("pk"))))),
            active=count_of(active.filter(involves_centre(OuterRef(OuterRef("pk"))))),
        ).order_by(name_order())
        regions = (
            Organisation.objects.filter(kind=Organisation.Kind.REGION)
            .annotate(
                started=count_of(started.filter(involves_region(OuterRef(OuterRef("pk"))))),
                active=count_of(active.filter(involves_region(OuterRef(OuterRef("pk"))))),
            )
            .order_by("name")
        )

        def table(key: str, caption: str, header: str, rows: Iterable[Row]) -> Table:
            return Table(key, caption, header, columns, list(rows))

        return Result(
            self,
            scope,
            interval,
            figures=[
                Figure(gettext("Collaborations started"), totals["started"]),
                Figure(gettext("Collaborations active"), totals["active"]),
            ],
            series=self._series(scope, interval, columns, rows),
            breakdowns=[
                table(
                    "by_kind",
                    gettext("Collaborations by kind"),
                    gettext("Kind"),
                    (
                        Row(
                            str(label),
                            [
                                by_kind.get(k, {}).get("started", 0),
                                by_kind.get(k, {}).get("active", 0),
                            ],
                        )
                        for k, label in CollaborationKind.choices
                    ),
                ),
                table(
                    "by_committee",
                    gettext("Collaborations by committee"),
                    gettext("Committee"),
                    (Row(c.name, [c.started, c.active]) for c in committees),
                ),
                table(
                    "by_centre",
                    gettext("Collaborations by regional centre"),
                    gettext("Regional centre"),
                    (Row(g.name, [g.started, g.active]) for g in centres),
                ),
                table(
                    "by_region",
                    gettext("Collaborations by region"),
                    gettext("Region"),
                    (Row(r.name, [r.started, r.active]) for r in regions),
                ),
            ],
        )


def company_count() -> Coalesce:
    return count_of(
        CollaborationParty.objects.filter(
            collaboration=OuterRef("pk"), role=CollaborationParty.Role.COMPANY
        )
    )


class SeveralCompanies(Indicator):
    id = "several_companies"
    name = _("Share of collaborations with several companies")
    short_name = _("Several companies")
    effect = Effect.AGENDA
    definition = _(
        "Of the collaborations active in the period (see “Collaborations started and "
        "active”), the share with two or more companies as parties: collaborations that "
        "gather several companies around a question the infrastructure and industry share, "
        "which the strategy gives priority to."
    )
    chart_type = "line"

    def compute(self, scope: Scope, interval: str = Interval.QUARTER) -> Result:
        base = collaborations_in(scope).annotate(companies=company_count())
        buckets = scope.buckets(interval)
        several = Q(companies__gte=2)
        whole = active_between(scope.start, scope.end)
        aggregates: dict[str, Any] = {
            "active": Count("pk", filter=whole),
            "several": Count("pk", filter=whole & several),
            "none": Count("pk", filter=whole & Q(companies=0)),
            "one": Count("pk", filter=whole & Q(companies=1)),
            "two": Count("pk", filter=whole & Q(companies=2)),
            "more": Count("pk", filter=whole & Q(companies__gte=3)),
        }
        for i, bucket in enumerate(buckets):
            active = active_between(bucket.start, bucket.end)
            aggregates[f"active_{i}"] = Count("pk", filter=active)
            aggregates[f"several_{i}"] = Count("pk", filter=active & several)
        totals = base.aggregate(**aggregates)
        rows = [
            Row(
                b.label,
                [
                    percent(totals[f"several_{i}"], totals[f"active_{i}"]),
                    totals[f"several_{i}"],
                    totals[f"active_{i}"],
                ],
            )
            for i, b in enumerate(buckets)
        ]
        columns = [
            Column(gettext("Share"), PERCENT),
            Column(gettext("Several companies"), chart=False),
            Column(gettext("Active"), chart=False),
        ]
        return Result(
            self,
            scope,
            interval,
            figures=[
                Figure(
                    gettext("With several companies"),
                    percent(totals["several"], totals["active"]),
                    PERCENT,
                    detail=gettext("%(part)s of %(whole)s active collaborations")
                    % {"part": totals["several"], "whole": totals["active"]},
                )
            ],
            series=self._series(scope, interval, columns, rows),
            breakdowns=[
                Table(
                    "by_companies",
                    gettext("Active collaborations by their number of companies"),
                    gettext("Companies"),
                    [Column(gettext("Collaborations"))],
                    [
                        Row(gettext("No company yet"), [totals["none"]]),
                        Row(gettext("One company"), [totals["one"]]),
                        Row(gettext("Two companies"), [totals["two"]]),
                        Row(gettext("Three or more"), [totals["more"]]),
                    ],
                )
            ],
        )


class FundingApplications(Indicator):
    id = "funding"
    name = _("Joint funding applications and money granted")
    short_name = _("Joint funding applications")
    effect = Effect.FUNDING
    definition = _(
        "Joint applications to research funders made within a collaboration. Submitted: "
        "applications with a submission date in the period (planned ones left out). "
        "Granted and rejected: applications with that outcome decided in the period (by "
        "their decision date, or their submission date when no decision date is "
        "recorded). Money granted: the sum granted to those, per currency, never converted."
    )

    def compute(self, scope: Scope, interval: str = Interval.QUARTER) -> Result:
        applications = FundingApplication.objects.order_by()
        if scope.filters_collaborations:
            applications = applications.filter(collaboration__in=collaborations_in(scope))
        applications = applications.annotate(decided=Coalesce("decided_on", "submitted_on"))
        Status = FundingApplication.Status

        def submitted(start: datetime.date, end: datetime.date) -> Q:
            return ~Q(status=Status.PLANNED) & Q(submitted_on__gte=start, submitted_on__lte=end)

        def outcome(status: str, start: datetime.date, end: datetime.date) -> Q:
            return Q(status=status, decided__gte=start, decided__lte=end)

        buckets = scope.buckets(interval)
        aggregates: dict[str, Any] = {
            "submitted": Count("pk", filter=submitted(scope.start, scope.end)),
            "granted": Count("pk", filter=outcome(Status.GRANTED, scope.start, scope.end)),
            "rejected": Count("pk", filter=outcome(Status.REJECTED, scope.start, scope.end)),
        }
        for i, b in enumerate(buckets):
            aggregates[f"submitted_{i}"] = Count("pk", filter=submitted(b.start, b.end))
            aggregates[f"granted_{i}"] = Count("pk", filter=outcome(Status.GRANTED, b.start, b.end))
            aggregates[f"rejected_{i}"] = Count(
                "pk", filter=outcome(Status.REJECTED, b.start, b.end)
            )
        totals = applications.aggregate(**aggregates)

        money_sums: dict[str, Any] = {
            "applied": Sum("amount_applied", filter=submitted(scope.start, scope.end)),
            "money": Sum("amount_granted", filter=outcome(Status.GRANTED, scope.start, scope.end)),
        }
        for i, b in enumerate(buckets):
            money_sums[f"money_{i}"] = Sum(
                "amount_granted", filter=outcome(Status.GRANTED, b.start, b.end)
            )
        sums = [
            row
            for row in applications.values("currency").annotate(**money_sums).order_by("currency")
            if row["applied"] is not None or row["money"] is not None
        ]

        columns = [
            Column(gettext("Submitted")),
            Column(gettext("Granted")),
            Column(gettext("Rejected")),
        ] + [
            Column(
                gettext("Granted (%(currency)s)") % {"currency": row["currency"]},
                MONEY,
                currency=row["currency"],
                chart=False,
            )
            for row in sums
        ]
        rows = [
            Row(
                b.label,
                [totals[f"submitted_{i}"], totals[f"granted_{i}"], totals[f"rejected_{i}"]]
                + [money(row[f"money_{i}"]) for row in sums],
            )
            for i, b in enumerate(buckets)
        ]
        by_funder = {
            row["funder"]: row
            for row in applications.values("funder").annotate(
                submitted=Count("pk", filter=submitted(scope.start, scope.end)),
                granted=Count("pk", filter=outcome(Status.GRANTED, scope.start, scope.end)),
            )
        }
        return Result(
            self,
            scope,
            interval,
            figures=[
                Figure(gettext("Applications submitted"), totals["submitted"]),
                Figure(gettext("Applications granted"), totals["granted"]),
            ]
            + [
                Figure(
                    gettext("Money granted (%(currency)s)") % {"currency": row["currency"]},
                    money(row["money"]),
                    MONEY,
                    currency=row["currency"],
                )
                for row in sums
            ],
            series=self._series(scope, interval, columns, rows),
            breakdowns=[
                Table(
                    "by_currency",
                    gettext("Money applied for and granted, per currency"),
                    gettext("Currency"),
                    [
                        Column(gettext("Applied for (submitted in the period)"), MONEY),
                        Column(gettext("Granted (decided in the period)"), MONEY),
                    ],
                    [
                        Row(
                            row["currency"],
                            [money(row["applied"]), money(row["money"])],
                        )
                        for row in sums
                    ],
                    note=gettext("Amounts in their own currency, never converted."),
                ),
                Table(
                    "by_funder",
                    gettext("Applications by funder"),
                    gettext("Funder"),
                    [Column(gettext("Submitted")), Column(gettext("Granted"))],
                    [
                        Row(
                            str(label),
                            [
                                by_funder.get(funder, {}).get("submitted", 0),
                                by_funder.get(funder, {}).get("granted", 0),
                            ],
                        )
                        for funder, label in FundingApplication.Funder.choices
                    ],
                ),
            ],
        )


class FollowUpsOnTime(Indicator):
    id = "follow_ups_on_time"
    name = _("Follow-ups done on time")
    short_name = _("Follow-ups on time")
    effect = Effect.PROCESS
    definition = _(
        "Of the follow-up conversations due in the period, the share held on or before "
        "their due date. Counted are those already held and those whose due date has "
        "passed without one; those due later are left out until their day comes."
    )
    chart_type = "line"

    def compute(self, scope: Scope, interval: str = Interval.QUARTER) -> Result:
        follow_ups = FollowUp.objects.order_by()
        if scope.filters_collaborations:
            follow_ups = follow_ups.filter(collaboration__in=collaborations_in(scope))
        due = follow_ups.filter(due_date__gte=scope.start, due_date__lte=scope.end).filter(
            Q(held_on__isnull=False) | Q(due_date__lt=scope.today)
        )
        grouped = (
            due.annotate(bucket=trunc("due_date", interval))
            .values("bucket")
            .annotate(
                on_time=Count("pk", filter=Q(held_on__lte=F("due_date"))),
                late=Count("pk", filter=Q(held_on__gt=F("due_date"))),
                missing=Count("pk", filter=Q(held_on__isnull=True)),
            )
        )
        found = {bucket_key(row["bucket"], interval): row for row in grouped}
        empty = {"on_time": 0, "late": 0, "missing": 0}
        totals = dict(empty)
        rows = []
        for bucket in scope.buckets(interval):
            row = found.get(bucket.key, empty)
            whole = row["on_time"] + row["late"] + row["missing"]
            rows.append(
                Row(
                    bucket.label,
                    [percent(row["on_time"], whole), row["on_time"], row["late"], row["missing"]],
                )
            )
            for name in totals:
                totals[name] += row[name]
        whole = sum(totals.values())
        columns = [
            Column(gettext("Share on time"), PERCENT),
            Column(gettext("On time"), chart=False),
            Column(gettext("Late"), chart=False),
            Column(gettext("Not held"), chart=False),
        ]
        return Result(
            self,
            scope,
            interval,
            figures=[
                Figure(
                    gettext("Follow-ups held on time"),
                    percent(totals["on_time"], whole),
                    PERCENT,
                    detail=gettext("%(part)s of %(whole)s due")
                    % {"part": totals["on_time"], "whole": whole},
                )
            ],
            series=self._series(scope, interval, columns, rows),
        )


class NeedsCoverage(Indicator):
    id = "needs_coverage"
    name = _("Committees with a published need")
    short_name = _("Needs coverage")
    effect = Effect.AGENDA
    definition = _(
        "The share of committees with at least one published need on the needs board at "
        "the end of the period (and of each quarter or year): the strategy asks every "
        "committee to describe its needs for industry collaboration. A need counts from "
        "the day it was published while it is still published; needs closed since are "
        "not counted. With a kind chosen, only needs of that kind count."
    )
    applies = frozenset({"committee", "kind"})
    chart_type = "line"

    def compute(self, scope: Scope, interval: str = Interval.QUARTER) -> Result:
        committees = Committee.objects.order_by()
        if scope.committee is not None:
            committees = committees.filter(pk=scope.committee.pk)
        needs = Need.objects.filter(
            committee=OuterRef("pk"), status=Need.Status.PUBLISHED, published_at__isnull=False
        )
        if scope.kind:
            needs = needs.filter(kind=scope.kind)
        first_published = Subquery(
            needs.order_by("published_at").values("published_at")[:1],
            output_field=DateTimeField(),
        )
        buckets = scope.buckets(interval)
        aggregates: dict[str, Any] = {
            "total": Count("pk"),
            "covered": Count("pk", filter=Q(first__lt=scope.ends_before)),
        }
        for i, bucket in enumerate(buckets):
            before = local_midnight(bucket.end + datetime.timedelta(days=1))
            aggregates[f"covered_{i}"] = Count("pk", filter=Q(first__lt=before))
        totals = committees.annotate(first=first_published).aggregate(**aggregates)
        rows = [
            Row(
                b.label,
                [percent(totals[f"covered_{i}"], totals["total"]), totals[f"covered_{i}"]],
            )
            for i, b in enumerate(buckets)
        ]
        published = Q(
            needs__status=Need.Status.PUBLISHED, needs__published_at__lt=scope.ends_before
        )
        if scope.kind:
            published &= Q(needs__kind=scope.kind)
        per_committee = committees.annotate(n=Count("needs", filter=published)).order_by(
            name_order()
        )
        columns = [
            Column(gettext("Share"), PERCENT),
            Column(gettext("Committees"), chart=False),
        ]
        return Result(
            self,
            scope,
            interval,
            figures=[
                Figure(
                    gettext("Committees with a published need"),
                    percent(totals["covered"], totals["total"]),
                    PERCENT,
                    detail=gettext("%(part)s of %(whole)s committees")
                    % {"part": totals["covered"], "whole": totals["total"]},
                )
            ],
            series=self._series(scope, interval, columns, rows),
            breakdowns=[
                Table(
                    "by_committee",
                    gettext("Published needs per committee at the end of the period"),
                    gettext("Committee"),
                    [Column(gettext("Published needs"))],
                    [Row(c.name, [c.n]) for c in per_committee],
                )
            ],
        )


def knowledge_exchange_provider() -> Callable[[Scope], QuerySet[Any]] | None:
    """The source of knowledge-exchange events, named by the setting
    EFFECTS_KNOWLEDGE_EXCHANGE_PROVIDER (a dotted path), or None until there is one.

    The provider takes a Scope and answers a queryset of events within its committee, centre
    and kind as far as it can tell them, annotated with `event_date` (a date) and
    `participant_count` (an integer); the indicator applies the period and aggregates.
    """
    path = getattr(settings, "EFFECTS_KNOWLEDGE_EXCHANGE_PROVIDER", "")
    return import_string(path) if path else None


class KnowledgeExchange(Indicator):
    id = "knowledge_exchange"
    name = _("Knowledge-exchange events and participants")
    short_name = _("Knowledge exchange")
    effect = Effect.LEARNING
    definition = _(
        "Meetings, seminars, workshops and other events where the infrastructure and industry "
        "exchange knowledge, held in the period, and the number of people who took part, from the "
        "network's record of events. With a committee chosen, the events it took part in."
    )
    applies = frozenset({"committee"})

    def compute(self, scope: Scope, interval: str = Interval.QUARTER) -> Result:
        provider = knowledge_exchange_provider()
        if provider is None:
            return Result(self, scope, interval, no_data=True)
        grouped = (
            provider(scope)
            .order_by()
            .filter(event_date__gte=scope.start, event_date__lte=scope.end)
            .annotate(bucket=trunc("event_date", interval, output_field=DateField()))
            .values("bucket")
            .annotate(events=Count("pk"), participants=Coalesce(Sum("participant_count"), 0))
        )
        found = {bucket_key(row["bucket"], interval): row for row in grouped}
        rows = []
        events = participants = 0
        for bucket in scope.buckets(interval):
            row = found.get(bucket.key, {"events": 0, "participants": 0})
            rows.append(Row(bucket.label, [row["events"], row["participants"]]))
            events += row["events"]
            participants += row["participants"]
        columns = [Column(gettext("Events")), Column(gettext("Participants"), chart=False)]
        return Result(
            self,
            scope,
            interval,
            figures=[
                Figure(gettext("Knowledge-exchange events"), events),
                Figure(gettext("Participants"), participants),
            ],
            series=self._series(scope, interval, columns, rows),
        )


class NewCompanies(Indicator):
    id = "new_companies"
    name = _("Companies engaged for the first time")
    short_name = _("New companies")
    effect = Effect.INTEREST
    definition = _(
        "Companies whose first engagement with the infrastructure falls in the period: the day "
        "their first inquiry arrived or the day the first collaboration they are a company "
        "party to was registered, whichever came first. With a committee, regional centre or "
        "kind chosen, the first engagement within that scope; inquiries name no centre, so "
        "with a centre chosen only collaborations count."
    )

    def compute(self, scope: Scope, interval: str = Interval.QUARTER) -> Result:
        parties = CollaborationParty.objects.filter(
            organisation=OuterRef("pk"), role=CollaborationParty.Role.COMPANY
        )
        if scope.filters_collaborations:
            parties = parties.filter(collaboration__in=collaborations_in(scope))
        first_collaboration = Subquery(
            parties.order_by("collaboration__created_at").values("collaboration__created_at")[:1],
            output_field=DateTimeField(),
        )
        if scope.centre is None:
            first_inquiry: Any = Subquery(
                inquiries_in(scope)
                .filter(organisation=OuterRef("pk"))
                .order_by("created_at")
                .values("created_at")[:1],
                output_field=DateTimeField(),
            )
        else:
            first_inquiry = Value(None, output_field=DateTimeField())
        companies = (
            Organisation.objects.filter(kind=Organisation.Kind.COMPANY)
            .order_by()
            .annotate(first_inquiry=first_inquiry, first_collaboration=first_collaboration)
            .annotate(
                # SQLite's two-argument MIN() is NULL when either is: coalesce both ways.
                first=Least(
                    Coalesce("first_inquiry", "first_collaboration"),
                    Coalesce("first_collaboration", "first_inquiry"),
                    output_field=DateTimeField(),
                )
            )
            .filter(first__gte=scope.starts_at, first__lt=scope.ends_before)
        )
        via_inquiry = Q(first_inquiry__isnull=False) & (
            Q(first_collaboration__isnull=True) | Q(first_inquiry__lte=F("first_collaboration"))
        )
        grouped = (
            companies.annotate(bucket=trunc("first", interval, output_field=DateTimeField()))
            .values("bucket")
            .annotate(n=Count("pk"), via_inquiry=Count("pk", filter=via_inquiry))
        )
        found = {bucket_key(row["bucket"], interval): row for row in grouped}
        rows = []
        total = by_inquiry = 0
        for bucket in scope.buckets(interval):
            row = found.get(bucket.key, {"n": 0, "via_inquiry": 0})
            rows.append(Row(bucket.label, [row["n"], row["via_inquiry"]]))
            total += row["n"]
            by_inquiry += row["via_inquiry"]
        columns = [
            Column(gettext("New companies")),
            Column(gettext("Through an inquiry"), chart=False),
        ]
        return Result(
            self,
            scope,
            interval,
            figures=[
                Figure(
                    gettext("Companies engaged for the first time"),
                    total,
                    detail=pgettext("new companies", "%(n)s of them through an inquiry")
                    % {"n": by_inquiry},
                )
            ],
            series=self._series(scope, interval, columns, rows),
        )


# The order the dashboard and the reports show them in: by effect, as the strategy lists them.
INDICATORS: list[Indicator] = [
    AnsweredInTime(),
    MedianDaysToFirstAnswer(),
    InquiryOutcomes(),
    FollowUpsOnTime(),
    InquiriesReceived(),
    NewCompanies(),
    FundingApplications(),
    Collaborations(),
    KnowledgeExchange(),
    NeedsCoverage(),
    SeveralCompanies(),
]
BY_ID = {indicator.id: indicator for indicator in INDICATORS}


def get_indicator(indicator_id: str) -> Indicator | None:
    return BY_ID.get(indicator_id)


@dataclass
class EffectGroup:
    effect: Effect
    results: list[Result]

    @property
    def label(self) -> str:
        return str(self.effect.label)


def compute_all(scope: Scope, interval: str = Interval.QUARTER) -> list[EffectGroup]:
    """Every indicator for the scope, grouped by the expected effect it measures."""
    results = [indicator.compute(scope, interval) for indicator in INDICATORS]
    return [
        EffectGroup(effect, [r for r in results if r.indicator.effect == effect])
        for effect in Effect
        if any(r.indicator.effect == effect for r in results)
    ]
