"""More joint applications to research funders and more research funding."""

import datetime
from typing import Any

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from samverkan.collaborations.models import FundingApplication

from ..formatting import MONEY
from .base import (
    Column,
    Figure,
    Indicator,
    Interval,
    Result,
    Row,
    Scope,
    Table,
    collaborations_in,
    money,
)


class FundingApplications(Indicator):
    id = "funding"
    name = _("Joint funding applications and money granted")
    short_name = _("Joint funding applications")
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
        aggregates["applied"] = Sum("amount_applied", filter=submitted(scope.start, scope.end))
        aggregates["money"] = Sum(
            "amount_granted", filter=outcome(Status.GRANTED, scope.start, scope.end)
        )
        for i, b in enumerate(buckets):
            aggregates[f"money_{i}"] = Sum(
                "amount_granted", filter=outcome(Status.GRANTED, b.start, b.end)
            )
        # One grouped query: the sums per currency, and the counts added up over them.
        per_currency = list(
            applications.values("currency").annotate(**aggregates).order_by("currency")
        )
        totals = {
            name: sum(row[name] for row in per_currency)
            for name, aggregate in aggregates.items()
            if isinstance(aggregate, Count)
        }
        sums = [
            row for row in per_currency if row["applied"] is not None or row["money"] is not None
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
        # The reference data's funders by name, then every other funder as one row.
        by_funder = (
            applications.values("funder__name")
            .annotate(
                submitted=Count("pk", filter=submitted(scope.start, scope.end)),
                granted=Count("pk", filter=outcome(Status.GRANTED, scope.start, scope.end)),
            )
            .order_by(F("funder__name").asc(nulls_last=True))
        )
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
                            row["funder__name"] or gettext("Other"),
                            [row["submitted"], row["granted"]],
                        )
                        for row in by_funder
                    ],
                ),
            ],
        )
