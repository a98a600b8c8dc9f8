"""A collaboration's history of changes, and its parties', read in a fixed number of
queries however long it is: the records with the users and organisations they name, and
one query for each many-to-many field the history keeps (committees, goals)."""

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db.models import Model
from django.utils.translation import gettext as _
from simple_history.models import DeletedObject, ModelChange
from simple_history.utils import get_m2m_reverse_field_name

from samverkan.accounts.models import Role, User

from .models import Collaboration, CollaborationParty

# Fields of the history that tell nothing a person needs to read.
HISTORY_NOISE = ["version", "updated_at", "created_at"]


def _m2m_values(model: type[Model], records: list[Any]) -> dict[str, dict[int, list[Model]]]:
    """For each many-to-many field the history keeps, the related objects each record
    held, by the record's history id: one query per field."""
    values: dict[str, dict[int, list[Model]]] = {}
    for field in records[0]._history_m2m_fields:
        through = getattr(records[0], field.name).model  # the history of the field's rows
        target = get_m2m_reverse_field_name(field)
        held: dict[int, list[Model]] = defaultdict(list)
        rows = (
            through.objects.filter(history_id__in=[r.history_id for r in records])
            .select_related(target)
            .order_by(f"{target}_id")
        )
        for row in rows:
            held[row.history_id].append(getattr(row, target))
        values[field.name] = held
    return values


def _changes(
    record: Any, before: Any, excluded: list[str], m2m: dict[str, dict[int, list[Model]]]
) -> list[Any]:
    changes = list(
        record.diff_against(
            before, excluded_fields=[*excluded, *m2m], foreign_keys_are_objs=True
        ).changes
    )
    for name, held in m2m.items():
        old, new = held.get(before.history_id, []), held.get(record.history_id, [])
        if [o.pk for o in old] != [o.pk for o in new]:
            changes.append(ModelChange(name, old, new))
    return changes


def _label(value: Any) -> str:
    if isinstance(value, DeletedObject):
        return str(value.pk)
    return str(getattr(value, "name", value))


def _describe(model: type[Model], changes: list[Any]) -> list[dict[str, str]]:
    rows = []
    for change in changes:
        field = model._meta.get_field(change.field)

        def show(value: Any, field: Any = field) -> str:
            if value in (None, "", []):
                return "–"
            if field.many_to_many:
                return ", ".join(_label(v) for v in value)
            if field.is_relation:
                return _label(value)
            if field.choices:
                return str(dict(field.flatchoices).get(value, value))
            return str(value)

        rows.append(
            {
                "field": str(getattr(field, "verbose_name", change.field)),
                "old": show(change.old),
                "new": show(change.new),
            }
        )
    return rows


def _items(
    records: list[Any],
    model: type[Model],
    subject: Callable[[Any], str],
    excluded: list[str],
) -> list[dict[str, Any]]:
    """Each record with what changed since the one before it of the same object."""
    m2m = _m2m_values(model, records) if records else {}
    items = []
    previous: dict[int, Any] = {}
    for record in records:
        before = previous.get(record.id)
        changes = [] if before is None else _changes(record, before, excluded, m2m)
        previous[record.id] = record
        items.append(
            {"record": record, "subject": subject(record), "changes": _describe(model, changes)}
        )
    return items


def history_items(user: User, collaboration: Collaboration) -> list[dict[str, Any]]:
    """The changes to the collaboration and its parties, newest first."""
    excluded = list(HISTORY_NOISE)
    if user.role == Role.COMPANY:
        excluded.append("internal_notes")  # confidential, also in the history
    own_records = list(
        collaboration.history.select_related("history_user", "responsible", "inquiry").order_by(
            "history_date", "pk"
        )
    )
    party_records = list(
        CollaborationParty.history.filter(collaboration_id=collaboration.pk)
        .select_related("history_user", "organisation", "approver", "contact")
        .order_by("history_date", "pk")
    )
    items = _items(
        own_records, Collaboration, lambda record: _("The collaboration"), excluded
    ) + _items(
        party_records,
        CollaborationParty,
        lambda record: _("Party: %(organisation)s") % {"organisation": record.organisation},
        [*excluded, "collaboration"],
    )
    items.sort(key=lambda item: item["record"].history_date, reverse=True)
    return items
