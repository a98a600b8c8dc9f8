"""Reads of the industry network: who may see it, what a list shows, the effects' counts."""

import datetime
from typing import TYPE_CHECKING, Any, TypedDict

from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import Count, F, IntegerField, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from samverkan.accounts.models import READ_ALL_ROLES, STAFF_ROLES, Role

if TYPE_CHECKING:
    from samverkan.accounts.models import User

# Who reads the network (organisations, contacts, interactions, events) and who writes it.
NETWORK_READ_ROLES = (*sorted(READ_ALL_ROLES), Role.COMMITTEE)
NETWORK_WRITE_ROLES = tuple(sorted(STAFF_ROLES))


def reads_network(user: "User | AnonymousUser") -> bool:
    return bool(user.is_authenticated and user.has_role(*NETWORK_READ_ROLES))


def _count(queryset: models.QuerySet, field: str) -> Coalesce:
    """A correlated COUNT, so several counts on one row never multiply each other."""
    return Coalesce(
        Subquery(
            queryset.filter(**{field: OuterRef("pk")})
            .order_by()
            .values(field)
            .annotate(n=Count("pk"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


class OrganisationQuerySet(models.QuerySet):
    def companies(self) -> "OrganisationQuerySet":
        return self.filter(kind="company")

    def infrastructure_parties(self) -> "OrganisationQuerySet":
        return self.filter(is_infrastructure_party=True)

    def visible_to(self, user: "User | AnonymousUser") -> "OrganisationQuerySet":
        """The network is for the infrastructure: staff, viewers and committee members; nobody
        else."""
        if isinstance(user, AnonymousUser) or not reads_network(user):
            return self.none()
        return self.all()

    def search(self, text: str) -> "OrganisationQuerySet":
        """Every word must be found in the name, the organisation number or the foreign id."""
        from samverkan.lib.orgnr import normalise

        queryset = self
        for word in text.split()[:8]:
            condition = (
                Q(name__icontains=word)
                | Q(organisation_number__icontains=word)
                | Q(foreign_identifier__icontains=word)
            )
            number = normalise(word)
            if number:
                condition |= Q(organisation_number=number)
            queryset = queryset.filter(condition)
        return queryset

    def with_list_facts(self) -> "OrganisationQuerySet":
        """What the list and its exports show per row, as correlated subqueries."""
        CollaborationParty = apps.get_model("collaborations", "CollaborationParty")

        Contact = apps.get_model("orgs", "Contact")
        Interaction = apps.get_model("orgs", "Interaction")

        last = (
            Interaction.objects.filter(organisation=OuterRef("pk"))
            .order_by()
            .values("organisation")
            .annotate(last=Max("date"))
            .values("last")[:1]
        )
        return self.annotate(
            contact_count=_count(Contact.objects.filter(erased_at__isnull=True), "organisation"),
            collaboration_count=_count(CollaborationParty.objects.all(), "organisation"),
            last_interaction=Subquery(last, output_field=models.DateField()),
        )


def contacts_search(queryset: models.QuerySet, text: str) -> models.QuerySet:
    """Contacts whose name, e-mail, phone or title has every word; erased ones never."""
    queryset = queryset.filter(erased_at__isnull=True)
    for word in text.split()[:8]:
        queryset = queryset.filter(
            Q(name__icontains=word)
            | Q(email__icontains=word)
            | Q(phone__icontains=word)
            | Q(title__icontains=word)
        )
    return queryset


class KnowledgeExchange(TypedDict):
    events: int
    participants: int
    companies: int


def knowledge_exchange(start: datetime.date, end: datetime.date) -> KnowledgeExchange:
    """Events held from `start` to `end` (both included), the people who took part and
    the distinct companies among them: knowledge exchange between the infrastructure and
    industry."""
    Event = apps.get_model("orgs", "Event")
    EventParticipant = apps.get_model("orgs", "EventParticipant")
    Organisation = apps.get_model("orgs", "Organisation")

    events = Event.objects.filter(date__gte=start, date__lte=end).aggregate(n=Count("pk"))
    people = EventParticipant.objects.filter(
        event__date__gte=start, event__date__lte=end
    ).aggregate(
        participants=Count("pk"),
        companies=Count(
            "organisation",
            filter=Q(organisation__kind=Organisation.Kind.COMPANY),
            distinct=True,
        ),
    )
    return {
        "events": events["n"],
        "participants": people["participants"],
        "companies": people["companies"],
    }


def knowledge_exchange_events(scope: Any) -> models.QuerySet:
    """The provider the effects dashboard's knowledge-exchange indicator asks for: events
    annotated with `event_date` and `participant_count`. Events record their committees,
    so a committee in the scope narrows them; they record no regional centre or
    collaboration kind."""
    Event = apps.get_model("orgs", "Event")
    EventParticipant = apps.get_model("orgs", "EventParticipant")

    participants = (
        EventParticipant.objects.filter(event=OuterRef("pk"))
        .order_by()
        .values("event")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    events = Event.objects.annotate(
        event_date=F("date"),
        participant_count=Coalesce(Subquery(participants, output_field=IntegerField()), 0),
    )
    committee = getattr(scope, "committee", None)
    if committee is not None:
        through = Event.committees.through
        events = events.filter(
            models.Exists(through.objects.filter(event=OuterRef("pk"), committee=committee))
        )
    return events
