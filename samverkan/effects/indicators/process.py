"""A structured collaboration process, implemented, communicated and evaluated:
answers in time, days to the first answer, the outcomes of inquiries and follow-ups on time.
"""

import datetime
import json
from typing import Any

from django.db.models import (
    Case,
    Count,
    DateField,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import ExtractIsoWeekDay, RowNumber, TruncDate
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from samverkan.collaborations.models import FollowUp
from samverkan.core.choices import CollaborationKind
from samverkan.core.models import Parameter
from samverkan.inquiries.models import Inquiry

from ..formatting import DAYS, PERCENT
from .base import (
    Column,
    Figure,
    Indicator,
    Interval,
    Result,
    Row,
    Scope,
    Table,
    bucket_key,
    collaborations_in,
    days,
    inquiries_in,
    percent,
    shared,
    trunc,
)


def calendar_days_allowed(working_days: int, weekday: int) -> int:
    """The calendar days from an arrival on an ISO weekday (1 Monday ... 7 Sunday) to the
    end of the given working day after it. Working days are Monday to Friday: 10 working
    days after a Monday to Friday is the same weekday two weeks later, after a Saturday 13
    days later and after a Sunday 12 days later."""
    days = counted = 0
    while counted < working_days:
        days += 1
        if (weekday - 1 + days) % 7 < 5:
            counted += 1
    return days


def answer_target() -> int:
    """The working days within which an inquiry should have its first answer (reference data)."""
    return min(260, max(1, int(Parameter.get("answer_target_working_days"))))


def answer_timing(
    queryset: QuerySet[Inquiry], today: datetime.date, working_days: int
) -> QuerySet[Inquiry]:
    """Annotate each inquiry with the calendar days its target of working days allows, the
    days it took to be answered and the days it has waited so far (all between local dates)."""
    return queryset.annotate(
        weekday=ExtractIsoWeekDay("created_at"),
        allowed=Case(
            *[
                When(
                    weekday=weekday,
                    then=Value(
                        datetime.timedelta(days=calendar_days_allowed(working_days, weekday))
                    ),
                )
                for weekday in range(1, 8)
            ],
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


# The decisions an inquiry can end with, in the order the outcomes are shown.
OUTCOMES = (
    Inquiry.Status.ACCEPTED,
    Inquiry.Status.DECLINED,
    Inquiry.Status.WITHDRAWN,
    Inquiry.Status.PARKED,
)


def received_by_bucket(scope: Scope, interval: str) -> tuple[int, dict[Any, dict[str, int]]]:
    """The answer target, and the inquiries that arrived in the period per quarter or
    year: their number (`n`), their first answers against the target (`in_time`, `late`,
    `overdue`, `waiting`), their outcomes (`status_<status>`) and the kinds they name
    (`kind_<kind>`). One grouped query, which the indicators of answers, outcomes and
    inquiries received share while compute_all() computes them."""

    def read() -> tuple[int, dict[Any, dict[str, int]]]:
        target = answer_target()
        received = inquiries_in(scope).filter(
            created_at__gte=scope.starts_at, created_at__lt=scope.ends_before
        )
        answered = Q(first_response_at__isnull=False)
        grouped = (
            answer_timing(received, scope.today, target)
            .annotate(bucket=trunc("created_at", interval))
            .values("bucket")
            .annotate(
                n=Count("pk"),
                in_time=Count("pk", filter=answered & Q(answer_gap__lte=F("allowed"))),
                late=Count("pk", filter=answered & Q(answer_gap__gt=F("allowed"))),
                overdue=Count("pk", filter=~answered & Q(waited__gt=F("allowed"))),
                waiting=Count("pk", filter=~answered & Q(waited__lte=F("allowed"))),
                **{f"status_{status}": Count("pk", filter=Q(status=status)) for status in OUTCOMES},
                **{
                    f"kind_{kind}": Count("pk", filter=Q(kinds__icontains=json.dumps(kind)))
                    for kind in CollaborationKind.values
                },
            )
        )
        return target, {bucket_key(row["bucket"], interval): row for row in grouped}

    return shared(("received", scope, scope.today, interval), read)


class AnsweredInTime(Indicator):
    id = "answered_in_time"
    name = _("Share answered within the target time")
    short_name = _("Answered in target time")
    definition = _(
        "Of the inquiries that arrived in the period, the share that had their first answer "
        "(a question back, a routing to a committee or a decision) by the end of the target "
        "working day after the day they arrived; the target number of working days is set "
        "in the reference data (the answer target). Working days are "
        "Monday to Friday; public holidays are not taken out, so a holiday counts as a "
        "working day. How it is counted: with a target of 10, the 10th weekday after a "
        "Monday to Friday is the same weekday two weeks later, after a Saturday 13 days "
        "later and after a Sunday 12 days later; the database compares the local dates of "
        "arrival and answer with that number of days. Inquiries still unanswered count as "
        "late once that day has passed, and are left out while it has not."
    )
    applies = frozenset({"committee", "kind"})
    chart_type = "line"

    def compute(self, scope: Scope, interval: str = Interval.QUARTER) -> Result:
        target, found = received_by_bucket(scope, interval)
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
            Column(gettext("Share in time"), PERCENT, base=(2,)),
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
                    gettext("Answered within %(days)s working days") % {"days": target},
                    percent(totals["in_time"], due),
                    PERCENT,
                    detail=gettext("%(part)s of %(whole)s inquiries")
                    % {"part": totals["in_time"], "whole": due},
                ),
                Figure(
                    gettext("Unanswered past %(days)s working days") % {"days": target},
                    totals["overdue"],
                ),
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
    definition = _(
        "Of the inquiries that arrived in the period and have a decision today, the share "
        "accepted (became a collaboration), declined, withdrawn and parked, counted by "
        "each inquiry's status now and by the day it arrived. Inquiries still open are not "
        "counted."
    )
    applies = frozenset({"committee", "kind"})
    chart_stacked = True
    OUTCOMES = OUTCOMES

    def compute(self, scope: Scope, interval: str = Interval.QUARTER) -> Result:
        _target, found = received_by_bucket(scope, interval)
        totals = dict.fromkeys(self.OUTCOMES, 0)
        rows = []
        for bucket in scope.buckets(interval):
            row = found.get(bucket.key, {})
            values = [row.get(f"status_{status}", 0) for status in self.OUTCOMES]
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


class FollowUpsOnTime(Indicator):
    id = "follow_ups_on_time"
    name = _("Follow-ups done on time")
    short_name = _("Follow-ups on time")
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
            Column(gettext("Share on time"), PERCENT, base=(1, 2, 3)),
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
