"""A joint agenda: collaborations with several companies and the committees' needs
described.
"""

import datetime
from typing import Any

from django.db.models import Count, DateTimeField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from samverkan.collaborations.models import CollaborationParty
from samverkan.needs.models import Need
from samverkan.needs.querysets import PUBLIC as PUBLIC_NEEDS
from samverkan.needs.querysets import activity_q
from samverkan.orgs.models import Committee

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
    active_between,
    bucket_key,
    collaborations_in,
    count_of,
    local_midnight,
    name_order,
    percent,
    trunc,
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
    definition = _(
        "Of the collaborations active in the period (see “Collaborations started and "
        "active”), the share with two or more companies as parties: collaborations that "
        "gather several companies around a question the infrastructure and industry share, "
        "which the strategy gives priority to."
    )
    chart_type = "line"

    def compute(self, scope: Scope, interval: str = Interval.QUARTER) -> Result:
        buckets = scope.buckets(interval)
        # The collaborations active in the period, grouped in the database by the quarter
        # (or year) of their start and end and by their number of companies. Every one
        # starts by the period's last day and ends after its first, so whether it ran in a
        # bucket follows from those keys (see Collaborations).
        grouped = (
            collaborations_in(scope)
            .filter(active_between(scope.start, scope.end))
            .annotate(
                companies=company_count(),
                start_bucket=trunc("start_date", interval),
                end_bucket=trunc("end_date", interval),
            )
            .values("start_bucket", "end_bucket", "companies")
            .annotate(n=Count("pk"))
        )
        totals: dict[str, Any] = dict.fromkeys(
            ["active", "several", "none", "one", "two", "more"], 0
        )
        for i in range(len(buckets)):
            totals[f"active_{i}"] = totals[f"several_{i}"] = 0
        for row in grouped:
            first = bucket_key(row["start_bucket"], interval)
            if first is None:  # never: an active collaboration has started
                continue
            last = bucket_key(row["end_bucket"], interval)
            companies, n = row["companies"], row["n"]
            totals["active"] += n
            totals["several"] += n if companies >= 2 else 0
            totals[("none", "one", "two")[companies] if companies < 3 else "more"] += n
            for i, bucket in enumerate(buckets):
                if first <= bucket.key and (last is None or last >= bucket.key):
                    totals[f"active_{i}"] += n
                    totals[f"several_{i}"] += n if companies >= 2 else 0
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
            Column(gettext("Share"), PERCENT, base=(2,)),
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


class NeedsCoverage(Indicator):
    id = "needs_coverage"
    name = _("Committees with a published need")
    short_name = _("Needs coverage")
    definition = _(
        "The share of committees with at least one published need on the needs board at "
        "the end of the period (and of each quarter or year): the strategy asks every "
        "committee to describe its needs for industry collaboration and to carry out "
        "activities to meet them. A need counts from the day it was published while it is "
        "still published or marked met; needs closed since are not counted. A need has an "
        "activity when an inquiry (not declined or withdrawn) or a collaboration answers "
        "it, sent or linked before the end of the period. With a kind chosen, only needs "
        "of that kind count."
    )
    applies = frozenset({"committee", "kind"})
    chart_type = "line"

    def compute(self, scope: Scope, interval: str = Interval.QUARTER) -> Result:
        committees = Committee.objects.order_by()
        if scope.committee is not None:
            committees = committees.filter(pk=scope.committee.pk)
        needs = Need.objects.filter(
            committee=OuterRef("pk"), status__in=PUBLIC_NEEDS, published_at__isnull=False
        )
        if scope.kind:
            needs = needs.filter(kind=scope.kind)
        first_published = Subquery(
            needs.order_by("published_at").values("published_at")[:1],
            output_field=DateTimeField(),
        )
        described = Need.objects.filter(
            committee__in=committees,
            status__in=PUBLIC_NEEDS,
            published_at__lt=scope.ends_before,
        )
        if scope.kind:
            described = described.filter(kind=scope.kind)
        with_activity = described.filter(activity_q(before=scope.ends_before))
        published = Q(needs__in=described.values("pk"))
        active = Q(needs__in=with_activity.values("pk"))
        # One row per committee (a few dozen, reference data) with the day its first need
        # still public was published: the quarters are counted here, where a filtered
        # count per quarter in SQL ran the subquery again for every quarter.
        per_committee = list(
            committees.annotate(
                first=first_published,
                n=Count("needs", filter=published),
                active=Count("needs", filter=active),
            ).order_by(name_order())
        )
        # Every need has one committee, so the committees' rows add up to the totals.
        need_totals = {
            "described": sum(c.n for c in per_committee),
            "active": sum(c.active for c in per_committee),
        }
        buckets = scope.buckets(interval)
        befores = [local_midnight(b.end + datetime.timedelta(days=1)) for b in buckets]
        totals: dict[str, Any] = {
            "total": len(per_committee),
            "covered": sum(
                1 for c in per_committee if c.first is not None and c.first < scope.ends_before
            ),
        }
        for i, before in enumerate(befores):
            totals[f"covered_{i}"] = sum(
                1 for c in per_committee if c.first is not None and c.first < before
            )
        rows = [
            Row(
                b.label,
                [percent(totals[f"covered_{i}"], totals["total"]), totals[f"covered_{i}"]],
            )
            for i, b in enumerate(buckets)
        ]
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
                ),
                Figure(
                    gettext("Needs with an activity"),
                    percent(need_totals["active"], need_totals["described"]),
                    PERCENT,
                    detail=gettext("%(part)s of %(whole)s published or met needs")
                    % {"part": need_totals["active"], "whole": need_totals["described"]},
                ),
            ],
            series=self._series(scope, interval, columns, rows),
            breakdowns=[
                Table(
                    "by_committee",
                    gettext("Published needs per committee at the end of the period"),
                    gettext("Committee"),
                    [Column(gettext("Published needs")), Column(gettext("With an activity"))],
                    [Row(c.name, [c.n, c.active]) for c in per_committee],
                )
            ],
        )
