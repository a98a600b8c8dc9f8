"""More joint learning and active knowledge exchange with industry: events
and the people and companies who took part.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.models import Count, DateField, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.module_loading import import_string
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .base import Column, Figure, Indicator, Interval, Result, Row, Scope, bucket_key, trunc


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
