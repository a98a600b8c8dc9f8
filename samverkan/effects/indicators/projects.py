"""More joint pilot, development and research projects: collaborations started and
active.
"""

from collections.abc import Iterable
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from samverkan.collaborations.models import Collaboration, CollaborationParty
from samverkan.core.choices import CollaborationKind
from samverkan.orgs.models import Centre, Committee, Organisation

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
    name_order,
    prefixed,
    started_between,
    trunc,
)


def _counts(*queries: Iterable[tuple[Any, int, int]]) -> dict[Any, list[int]]:
    """Started and active per key, added up over queries that never count one twice."""
    found: dict[Any, list[int]] = {}
    for query in queries:
        for key, started, active in query:
            entry = found.setdefault(key, [0, 0])
            entry[0] += started
            entry[1] += active
    return found


class Collaborations(Indicator):
    id = "collaborations"
    name = _("Collaborations started and active")
    short_name = _("Collaborations")
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
        started_q = started_between(scope.start, scope.end)
        active_q = active_between(scope.start, scope.end)
        buckets = scope.buckets(interval)
        # One grouped pass: the collaborations that started or ran in the period, by kind
        # and by the quarter (or year) of their start and end. Every such collaboration
        # starts by the period's last day and, when active, ends after its first, so a
        # bucket's counts follow from these keys alone (see active_in below).
        grouped = (
            base.filter(started_q | active_q)
            .annotate(
                start_bucket=trunc("start_date", interval),
                end_bucket=trunc("end_date", interval),
                is_started=ExpressionWrapper(
                    Q(start_date__gte=scope.start), output_field=BooleanField()
                ),
                is_active=ExpressionWrapper(
                    Q(end_date__isnull=True) | Q(end_date__gte=scope.start),
                    output_field=BooleanField(),
                ),
            )
            .values("kind", "start_bucket", "end_bucket", "is_started", "is_active")
            .annotate(n=Count("pk"))
        )
        totals = {"started": 0, "active": 0}
        per_bucket = {b.key: {"started": 0, "active": 0} for b in buckets}
        by_kind: dict[str, dict[str, int]] = {}
        for row in grouped:
            first = bucket_key(row["start_bucket"], interval)
            last = bucket_key(row["end_bucket"], interval)
            kind = by_kind.setdefault(row["kind"], {"started": 0, "active": 0})
            if row["is_started"]:
                totals["started"] += row["n"]
                kind["started"] += row["n"]
                if first in per_bucket:
                    per_bucket[first]["started"] += row["n"]
            if row["is_active"]:
                totals["active"] += row["n"]
                kind["active"] += row["n"]
                for key, tally in per_bucket.items():
                    if first <= key and (last is None or last >= key):
                        tally["active"] += row["n"]
        rows = [
            Row(b.label, [per_bucket[b.key]["started"], per_bucket[b.key]["active"]])
            for b in buckets
        ]
        columns = [Column(gettext("Started")), Column(gettext("Active"))]

        # Per committee, regional centre and region: counted by the links, one grouped
        # query each (a subquery per committee, centre or region scanned every
        # collaboration again).
        on = "collaboration__"
        relevant = prefixed(started_q | active_q, on)
        if scope.filters_collaborations:
            relevant &= Q(collaboration__in=base)

        def started(distinct: bool = False) -> Count:
            # Distinct where one collaboration can come twice for the same key (two
            # partners of one centre as parties); a plain count is cheaper elsewhere.
            return Count("collaboration", distinct=distinct, filter=prefixed(started_q, on))

        def active(distinct: bool = False) -> Count:
            return Count("collaboration", distinct=distinct, filter=prefixed(active_q, on))

        # The link tables as plain querysets: the type stubs do not follow their annotations.
        committee_links: QuerySet[Any] = Collaboration.committees.through.objects.filter(relevant)
        centre_links: QuerySet[Any] = Collaboration.centres.through.objects.filter(relevant)
        committee_counts = _counts(
            committee_links.values("committee")
            .annotate(started=started(), active=active())
            .values_list("committee", "started", "active")
        )
        # A centre counts a collaboration linked to it, or with one of its partners as a
        # party; the second only where the first is not, so that none counts twice.
        centre_counts = _counts(
            centre_links.values("centre")
            .annotate(started=started(), active=active())
            .values_list("centre", "started", "active"),
            CollaborationParty.objects.filter(relevant, organisation__centres__isnull=False)
            .annotate(centre=F("organisation__centres"))
            .filter(
                ~Exists(
                    Collaboration.centres.through.objects.filter(
                        collaboration=OuterRef("collaboration"), centre=OuterRef("centre")
                    )
                )
            )
            .values("centre")
            .annotate(started=started(True), active=active(True))
            .values_list("centre", "started", "active"),
        )
        # A region counts a collaboration it is a party to, or linked to a centre the
        # region is a partner of (where it is not a party).
        region_counts = _counts(
            CollaborationParty.objects.filter(relevant, organisation__kind=Organisation.Kind.REGION)
            .values("organisation")
            .annotate(started=started(), active=active())
            .values_list("organisation", "started", "active"),
            centre_links.filter(centre__partners__kind=Organisation.Kind.REGION)
            .annotate(region=F("centre__partners"))
            .filter(
                ~Exists(
                    CollaborationParty.objects.filter(
                        collaboration=OuterRef("collaboration"), organisation=OuterRef("region")
                    )
                )
            )
            .values("region")
            .annotate(started=started(True), active=active(True))
            .values_list("region", "started", "active"),
        )
        committees = Committee.objects.order_by(name_order())
        centres = Centre.objects.order_by(name_order())
        regions = Organisation.objects.filter(kind=Organisation.Kind.REGION).order_by("name")

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
                    (Row(c.name, committee_counts.get(c.pk, [0, 0])) for c in committees),
                ),
                table(
                    "by_centre",
                    gettext("Collaborations by regional centre"),
                    gettext("Regional centre"),
                    (Row(g.name, centre_counts.get(g.pk, [0, 0])) for g in centres),
                ),
                table(
                    "by_region",
                    gettext("Collaborations by region"),
                    gettext("Region"),
                    (Row(r.name, region_counts.get(r.pk, [0, 0])) for r in regions),
                ),
            ],
        )
