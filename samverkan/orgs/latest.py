"""An organisation's latest records elsewhere on the platform: the inquiries it sent, the
collaborations and agreements it is a party to and the events it attended.

A large company has thousands of them, so its page shows the latest few of each and says
whether there are more. The four short lists are read as one UNION ALL of the same
columns, each part limited to the newest rows by an `IN (… LIMIT n)` list (SQLite refuses
a LIMIT on a part of a compound statement), so the page reads one query for all four
however many records the organisation has.
"""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import (
    CharField,
    DateField,
    DateTimeField,
    Exists,
    IntegerField,
    OuterRef,
    QuerySet,
    Value,
)
from django.db.models.functions import Cast

from .models import Event, EventParticipant, Organisation

if TYPE_CHECKING:
    from samverkan.accounts.models import User

SECTIONS = ("inquiries", "collaborations", "agreements", "events")


@dataclass
class Latest:
    """The newest rows of one kind, newest first, and whether older ones exist."""

    rows: list[Any] = field(default_factory=list)
    more: bool = False


def _none(output_field: Any) -> Cast:
    # A typed NULL: PostgreSQL matches a UNION's columns by type, part by part.
    return Cast(Value(None), output_field=output_field)


def _text(value: str) -> Value:
    return Value(value, output_field=CharField())


def _part(
    section: str, queryset: QuerySet[Any], order: tuple[str, ...], n: int, **columns: Any
) -> QuerySet[Any]:
    """(section, pk, title, status, reference, kind, created, day, parent) of the newest
    n + 1 rows of the queryset; columns a kind lacks are empty."""
    newest = queryset.order_by(*order).values("pk")[: n + 1]
    values = {
        "title": "title",
        "status": _text(""),
        "reference": _text(""),
        "kind": _text(""),
        "created": _none(DateTimeField()),
        "day": _none(DateField()),
        "parent": _none(IntegerField()),
    }
    values.update(columns)
    model = queryset.model
    return (
        model._default_manager.filter(pk__in=newest)
        .order_by()
        .values_list(_text(section), "pk", *values.values())
    )


def latest_records(organisation: Organisation, user: "User", n: int) -> dict[str, Latest]:
    """The organisation's latest n inquiries, collaborations, agreements and events, as far
    as the user may see them, in one query."""
    from samverkan.agreements.models import Agreement
    from samverkan.collaborations.models import Collaboration, CollaborationParty
    from samverkan.inquiries.models import Inquiry

    collaborations = Collaboration.objects.visible_to(user)
    is_party = Exists(
        CollaborationParty.objects.filter(collaboration=OuterRef("pk"), organisation=organisation)
    )
    attended = Exists(
        EventParticipant.objects.filter(event=OuterRef("pk"), organisation=organisation)
    )
    newest_first = ("-created_at", "-pk")
    parts = [
        _part(
            "inquiries",
            Inquiry.objects.visible_to(user).filter(organisation=organisation),
            newest_first,
            n,
            status="status",
            reference="reference",
            created="created_at",
        ),
        _part(
            "collaborations",
            collaborations.filter(is_party),
            newest_first,
            n,
            status="status",
            created="created_at",
        ),
        _part(
            "agreements",
            Agreement.objects.filter(parties=organisation, collaboration__in=collaborations),
            newest_first,
            n,
            status="status",
            kind="kind",
            created="created_at",
            day="valid_to",
            parent="collaboration_id",
        ),
        _part("events", Event.objects.filter(attended), ("-date", "-pk"), n, day="date"),
    ]
    found: dict[str, list[tuple[Any, ...]]] = {section: [] for section in SECTIONS}
    for row in parts[0].union(*parts[1:], all=True):
        found[row[0]].append(row)
    latest = {}
    for section, rows in found.items():
        # Newest first, as each part chose them: by creation, events by their day.
        moment = 6 if section != "events" else 7
        rows.sort(key=lambda row: (row[moment], row[1]), reverse=True)
        records = [_record(section, row) for row in rows[:n]]
        latest[section] = Latest(records, len(rows) > n)
    return latest


def _record(section: str, row: tuple[Any, ...]) -> Any:
    """An unsaved instance with what the page shows of the row (its link, title, state)."""
    from samverkan.agreements.models import Agreement
    from samverkan.collaborations.models import Collaboration
    from samverkan.inquiries.models import Inquiry

    _section, pk, title, status, reference, kind, created, day, parent = row
    if section == "inquiries":
        return Inquiry(pk=pk, title=title, status=status, reference=reference, created_at=created)
    if section == "collaborations":
        return Collaboration(pk=pk, title=title, status=status, created_at=created)
    if section == "agreements":
        return Agreement(
            pk=pk,
            title=title,
            status=status,
            kind=kind,
            valid_to=day,
            collaboration_id=parent,
            created_at=created,
        )
    return Event(pk=pk, title=title, date=day)
