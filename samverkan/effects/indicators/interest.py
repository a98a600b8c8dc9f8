"""Clearer incentives and more interest in industry collaboration: inquiries received,
companies new to the infrastructure and companies that come back for more.
"""

import json
from typing import Any

from django.db.models import Count, F, Min, Q, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from samverkan.collaborations.models import Collaboration, CollaborationParty
from samverkan.core.choices import CollaborationKind
from samverkan.orgs.models import Organisation

from ..formatting import PERCENT
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
    inquiries_in,
    percent,
    trunc,
)


class InquiriesReceived(Indicator):
    id = "inquiries_received"
    name = _("Inquiries received")
    short_name = _("Inquiries received")
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


class NewCompanies(Indicator):
    id = "new_companies"
    name = _("Companies engaged for the first time")
    short_name = _("New companies")
    definition = _(
        "Companies whose first engagement with the infrastructure falls in the period: the day "
        "their first inquiry arrived or the day the first collaboration they are a company "
        "party to was registered, whichever came first. With a committee, regional centre or "
        "kind chosen, the first engagement within that scope; inquiries name no centre, so "
        "with a centre chosen only collaborations count."
    )

    def compute(self, scope: Scope, interval: str = Interval.QUARTER) -> Result:
        # Each company's first inquiry and first collaboration, in two grouped queries
        # (a correlated pair of subqueries per company took seconds at national scale).
        parties = CollaborationParty.objects.filter(
            role=CollaborationParty.Role.COMPANY,
            organisation__kind=Organisation.Kind.COMPANY,
        ).order_by()
        if scope.filters_collaborations:
            parties = parties.filter(collaboration__in=collaborations_in(scope))
        firsts: dict[int, list[Any]] = {
            org: [None, first]
            for org, first in parties.values("organisation")
            .annotate(first=Min("collaboration__created_at"))
            .values_list("organisation", "first")
        }
        if scope.centre is None:
            for org, first in (
                inquiries_in(scope)
                .filter(organisation__kind=Organisation.Kind.COMPANY)
                .values("organisation")
                .annotate(first=Min("created_at"))
                .values_list("organisation", "first")
            ):
                firsts.setdefault(org, [None, None])[0] = first
        found: dict[Any, dict[str, int]] = {}
        for first_inquiry, first_collaboration in firsts.values():
            first = min(d for d in (first_inquiry, first_collaboration) if d is not None)
            if not scope.starts_at <= first < scope.ends_before:
                continue
            row = found.setdefault(bucket_key(first, interval), {"n": 0, "via_inquiry": 0})
            row["n"] += 1
            if first_inquiry is not None and (
                first_collaboration is None or first_inquiry <= first_collaboration
            ):
                row["via_inquiry"] += 1
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


# The numbers of collaborations the breakdown counts companies up to ("5 or more").
REPEAT_LEVELS = (1, 2, 3, 5)


class RepeatCompanies(Indicator):
    id = "repeat_companies"
    name = _("Companies with more than one collaboration")
    short_name = _("Repeat companies")
    definition = _(
        "Long-term relationships: the companies that are a company party to two or more "
        "collaborations that had started by the end of the period (and of each quarter or "
        "year), counted and as a share of the companies party to at least one started "
        "collaboration. A collaboration has started when it is no longer only planned and its "
        "start date has come. With a committee, regional centre or kind chosen, only the "
        "collaborations within that scope count."
    )
    chart_type = "line"

    def compute(self, scope: Scope, interval: str = Interval.QUARTER) -> Result:
        buckets = scope.buckets(interval)
        started = collaborations_in(scope).filter(
            ~Q(status=Collaboration.Status.PLANNED), start_date__lte=scope.end
        )
        # Each company's collaborations numbered in the order they started: the row numbered
        # n is the day the company reached n collaborations. One query counts, for the end
        # of the period and of each bucket, the companies that had reached each level.
        ranked = (
            CollaborationParty.objects.filter(
                role=CollaborationParty.Role.COMPANY,
                organisation__kind=Organisation.Kind.COMPANY,
                collaboration__in=started,
            )
            .order_by()
            .annotate(
                started_on=F("collaboration__start_date"),
                rank=Window(
                    RowNumber(),
                    partition_by=[F("organisation_id")],
                    order_by=[F("collaboration__start_date").asc(), F("collaboration_id").asc()],
                ),
            )
        )
        aggregates: dict[str, Any] = {
            f"level_{level}": Count("pk", filter=Q(rank=level)) for level in REPEAT_LEVELS
        }
        for i, bucket in enumerate(buckets):
            for level in (1, 2):
                aggregates[f"level_{level}_{i}"] = Count(
                    "pk", filter=Q(rank=level, started_on__lte=bucket.end)
                )
        totals = ranked.filter(rank__lte=max(REPEAT_LEVELS)).aggregate(**aggregates)
        rows = [
            Row(
                b.label,
                [
                    totals[f"level_2_{i}"],
                    percent(totals[f"level_2_{i}"], totals[f"level_1_{i}"]),
                    totals[f"level_1_{i}"],
                ],
            )
            for i, b in enumerate(buckets)
        ]
        columns = [
            Column(gettext("Companies with more than one")),
            Column(gettext("Share"), PERCENT, chart=False),
            Column(gettext("Companies with a collaboration"), chart=False),
        ]
        reached = {n: totals[f"level_{n}"] for n in REPEAT_LEVELS}
        return Result(
            self,
            scope,
            interval,
            figures=[
                Figure(
                    gettext("Companies with more than one collaboration"),
                    reached[2],
                    detail=gettext("%(part)s of %(whole)s companies with a collaboration")
                    % {"part": reached[2], "whole": reached[1]},
                ),
                Figure(gettext("Share of the companies"), percent(reached[2], reached[1]), PERCENT),
            ],
            series=self._series(scope, interval, columns, rows),
            breakdowns=[
                Table(
                    "by_collaborations",
                    gettext("Companies by their number of started collaborations"),
                    gettext("Collaborations"),
                    [Column(gettext("Companies"))],
                    [
                        Row(gettext("One"), [reached[1] - reached[2]]),
                        Row(gettext("Two"), [reached[2] - reached[3]]),
                        Row(gettext("Three or four"), [reached[3] - reached[5]]),
                        Row(gettext("Five or more"), [reached[5]]),
                    ],
                    note=gettext("At the end of the period."),
                )
            ],
        )
