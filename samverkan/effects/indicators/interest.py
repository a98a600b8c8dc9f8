"""Clearer incentives and more interest in industry collaboration: inquiries received,
companies new to the infrastructure and companies that come back for more.
"""

from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, Window
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
from .process import received_by_bucket


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
        _target, found = received_by_bucket(scope, interval)
        counts = {key: row["n"] for key, row in found.items()}
        buckets = scope.buckets(interval)
        rows = [Row(b.label, [counts.get(b.key, 0)]) for b in buckets]
        total = sum(counts.values())
        by_kind = {
            kind: sum(row[f"kind_{kind}"] for row in found.values())
            for kind in CollaborationKind.values
        }
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
        # Each company's first engagement is found and counted in the database: an inquiry
        # or a collaboration with nothing of the same company before it (in the scope). The
        # anti-joins run in one pass over each table, where collecting every company's
        # first dates here took a second at national scale.
        found: dict[Any, dict[str, int]] = {}
        # The company's own rows need no join to its kind: the outer row has checked it.
        parties = CollaborationParty.objects.filter(role=CollaborationParty.Role.COMPANY).order_by()
        if scope.filters_collaborations:
            parties = parties.filter(collaboration__in=collaborations_in(scope))
        # Inquiries name no regional centre: with one chosen, only collaborations count.
        inquiries = None if scope.centre is not None else inquiries_in(scope)
        if inquiries is not None:
            earlier_inquiry = inquiries.filter(organisation=OuterRef("organisation")).filter(
                Q(created_at__lt=OuterRef("created_at"))
                | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk"))
            )
            # A collaboration registered the same moment as the inquiry comes after it.
            collaboration_before = parties.filter(
                organisation=OuterRef("organisation"),
                collaboration__created_at__lt=OuterRef("created_at"),
            )
            first_inquiries = (
                inquiries.filter(
                    organisation__kind=Organisation.Kind.COMPANY,
                    created_at__gte=scope.starts_at,
                    created_at__lt=scope.ends_before,
                )
                .filter(~Exists(earlier_inquiry), ~Exists(collaboration_before))
                .annotate(bucket=trunc("created_at", interval))
                .values("bucket")
                .annotate(n=Count("pk"))
            )
            for row in first_inquiries:
                entry = found.setdefault(bucket_key(row["bucket"], interval), {"n": 0})
                entry["n"] += row["n"]
                entry["via_inquiry"] = row["n"]
        earlier_party = parties.filter(organisation=OuterRef("organisation")).filter(
            Q(collaboration__created_at__lt=OuterRef("collaboration__created_at"))
            | Q(
                collaboration__created_at=OuterRef("collaboration__created_at"),
                pk__lt=OuterRef("pk"),
            )
        )
        first_parties = parties.filter(
            organisation__kind=Organisation.Kind.COMPANY,
            collaboration__created_at__gte=scope.starts_at,
            collaboration__created_at__lt=scope.ends_before,
        ).filter(~Exists(earlier_party))
        if inquiries is not None:
            first_parties = first_parties.filter(
                ~Exists(
                    inquiries.filter(
                        organisation=OuterRef("organisation"),
                        created_at__lte=OuterRef("collaboration__created_at"),
                    )
                )
            )
        for row in (
            first_parties.annotate(bucket=trunc("collaboration__created_at", interval))
            .values("bucket")
            .annotate(n=Count("pk"))
        ):
            found.setdefault(bucket_key(row["bucket"], interval), {"n": 0})["n"] += row["n"]
        rows = []
        total = by_inquiry = 0
        for bucket in scope.buckets(interval):
            row = found.get(bucket.key, {})
            n, via_inquiry = row.get("n", 0), row.get("via_inquiry", 0)
            rows.append(Row(bucket.label, [n, via_inquiry]))
            total += n
            by_inquiry += via_inquiry
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
