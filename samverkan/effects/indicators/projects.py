"""More joint pilot, development and research projects: collaborations started and
active.
"""

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Exists, OuterRef
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from samverkan.collaborations.models import Collaboration
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
    collaborations_in,
    count_of,
    involves_centre,
    involves_region,
    name_order,
    started_between,
)


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
