"""Sources of knowledge-exchange events for the indicator of that name.

Switch one on with the setting EFFECTS_KNOWLEDGE_EXCHANGE_PROVIDER, a dotted path to a
function that takes a Scope and answers a queryset annotated with `event_date` and
`participant_count` (see indicators.knowledge_exchange_provider).
"""

from typing import Any

from django.apps import apps
from django.db.models import F, OuterRef, QuerySet

from .indicators import Scope, count_of


def orgs_events(scope: Scope) -> QuerySet[Any]:
    """The network's events (orgs.Event), each with its number of participants; with a
    committee chosen, the events that committee took part in."""
    event_model = apps.get_model("orgs", "Event")
    participant_model = apps.get_model("orgs", "EventParticipant")
    events = event_model.objects.all()
    if scope.committee is not None:
        events = events.filter(committees=scope.committee)
    return events.annotate(
        event_date=F("date"),
        participant_count=count_of(participant_model.objects.filter(event=OuterRef("pk"))),
    )
