"""Merging a duplicate organisation into the one to keep: every reference moves, blanks
are filled, and the register is refreshed."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, router, transaction
from django.db.models import Count, Value
from django.db.models.deletion import Collector
from django.utils.translation import gettext as _
from simple_history.models import HistoricalChanges

from samverkan.accounts.models import User
from samverkan.core.models import VersionedModel

from ..models import (
    AssociationMembership,
    Organisation,
)
from .common import (
    require_network_writer,
)

# --- Merging duplicates -------------------------------------------------------------------


def referring_fields(model: type[models.Model]) -> list[Any]:
    """Every foreign key in the project that points at `model`, found by introspection, so
    a relation another app adds later is included without anyone listing it here: reverse
    relations, hidden ones (related_name="+") and the tables behind many-to-many fields.
    History tables are left as they are: they record the past as it was."""
    found = []
    for relation in model._meta.get_fields(include_hidden=True):
        if not relation.auto_created or relation.concrete:
            continue
        if not (relation.one_to_many or relation.one_to_one):
            continue  # a many-to-many is moved through the foreign keys of its table
        foreign_key = relation.field  # type: ignore[union-attr]
        if issubclass(foreign_key.model, HistoricalChanges):
            continue
        if getattr(foreign_key.remote_field, "parent_link", False):
            continue
        found.append(foreign_key)
    return found


def _unique_sets(model: type[models.Model]) -> list[tuple[tuple[str, ...], Any]]:
    """The sets of fields that are unique together, each with its condition (or None)."""
    sets: list[tuple[tuple[str, ...], Any]] = [
        ((f.name,), None) for f in model._meta.concrete_fields if f.unique and not f.primary_key
    ]
    sets += [(tuple(names), None) for names in model._meta.unique_together]
    sets += [
        (tuple(c.fields), c.condition)
        for c in model._meta.constraints
        if isinstance(c, models.UniqueConstraint) and c.fields
    ]
    return sets


def _twin(row: models.Model, foreign_key: models.ForeignKey, target: Any) -> Any:
    """The row that would break a unique rule once `row` points at `target`: the same
    contact (e-mail) or the same party, already there. None when there is none."""
    model = type(row)
    manager = model._base_manager
    for names, condition in _unique_sets(model):
        if foreign_key.name not in names:
            continue
        lookup: dict[str, Any] = {foreign_key.attname: target}
        for name in names:
            if name == foreign_key.name:
                continue
            other: Any = model._meta.get_field(name)
            value = getattr(row, other.attname)
            if value is None:
                break  # NULLs are never equal: no twin through this rule
            # E-mail addresses are one person whatever their case.
            key = f"{name}__iexact" if isinstance(other, models.EmailField) else other.attname
            lookup[key] = value
        else:
            candidates = manager.filter(**lookup).exclude(pk=row.pk)
            if condition is not None:
                if not manager.filter(pk=row.pk).filter(condition).exists():
                    continue
                candidates = candidates.filter(condition)
            twin = candidates.order_by("pk").first()
            if twin is not None:
                return twin
    return None


def _fill_blanks(keep: models.Model, duplicate: models.Model) -> list[str]:
    """Text the kept record lacks and the duplicate has (a phone, a website)."""
    filled: list[str] = []
    if getattr(keep, "erased_at", None) is not None:
        return filled  # personal data erased on request is never written back
    for f in type(keep)._meta.concrete_fields:
        if f.primary_key or f.is_relation or not f.editable:
            continue
        if not isinstance(f, models.CharField | models.TextField):
            continue
        if getattr(keep, f.attname) == "" and getattr(duplicate, f.attname):
            setattr(keep, f.attname, getattr(duplicate, f.attname))
            filled.append(f.attname)
    return filled


def _leftovers(obj: models.Model) -> list[str]:
    """What deleting `obj` would still delete or change: nothing, after a complete move."""
    collector = Collector(using=router.db_for_write(type(obj)))
    collector.collect([obj])
    found = [m._meta.label for m, rows in collector.data.items() if m is not type(obj) and rows]
    found += [qs.model._meta.label for qs in collector.fast_deletes if qs.exists()]
    found += [
        f"{f.model._meta.label}.{f.name}"
        for (f, _value), rows in collector.field_updates.items()
        if any(r.exists() if isinstance(r, models.QuerySet) else r for r in rows)
    ]
    return found


@dataclass
class MergeResult:
    kept: Organisation
    moved: Counter[str] = field(default_factory=Counter)
    merged: Counter[str] = field(default_factory=Counter)
    filled: list[str] = field(default_factory=list)


def merge_records(keep: Any, duplicate: Any, reason: str, result: MergeResult) -> None:
    """Point everything that refers to `duplicate` at `keep`, then delete `duplicate`.

    A referring row that would then repeat one `keep` already has (the same e-mail in the
    organisation, the same party to a collaboration) is a duplicate itself: it is merged
    into that row the same way. Text `keep` lacks is taken from `duplicate`."""
    for foreign_key in referring_fields(type(keep)):
        model = foreign_key.model
        target = getattr(keep, foreign_key.target_field.attname)
        source = getattr(duplicate, foreign_key.target_field.attname)
        label = record_label(model)
        for row in list(model._base_manager.filter(**{foreign_key.attname: source})):
            twin = _twin(row, foreign_key, target)
            if twin is not None:
                merge_records(twin, row, reason, result)
                result.merged[label] += 1
                continue
            setattr(row, foreign_key.attname, target)
            update_fields = [foreign_key.attname]
            if isinstance(row, VersionedModel):
                row.version += 1
                update_fields.append("version")
            row._change_reason = reason
            row.save(update_fields=update_fields)
            result.moved[label] += 1
    leftovers = _leftovers(duplicate)
    if leftovers:
        # Only a relation the introspection cannot see (a generic one) gets here.
        raise RuntimeError(f"Merging would lose {', '.join(leftovers)}")
    filled = _fill_blanks(keep, duplicate)
    duplicate._change_reason = reason
    duplicate.delete()
    if filled:
        if isinstance(keep, VersionedModel):
            keep.version += 1
            filled.append("version")
        keep._change_reason = reason
        keep.save(update_fields=filled)
    if isinstance(keep, Organisation):
        result.filled = [f for f in filled if f != "version"]


@transaction.atomic
def do_merge_organisations(
    actor: User,
    keep: Organisation,
    duplicate: Organisation,
    *,
    keep_version: int | None = None,
    duplicate_version: int | None = None,
) -> MergeResult:
    """Merge a duplicate organisation into the one to keep, in one transaction: every
    record that refers to the duplicate (contacts, inquiries, parties, agreements,
    memberships, interactions, participants, users, register entries and anything added
    later) moves to the kept one; contacts with the same e-mail become one; the duplicate
    is deleted."""
    require_network_writer(actor)
    if keep.pk == duplicate.pk:
        raise ValidationError(_("Choose two different organisations."))
    locked = {
        o.pk: o
        for o in Organisation.objects.select_for_update().filter(pk__in=[keep.pk, duplicate.pk])
    }
    if len(locked) != 2:
        raise ValidationError(_("One of the organisations no longer exists."))
    kept, gone = locked[keep.pk], locked[duplicate.pk]
    kept.check_version(keep_version)
    gone.check_version(duplicate_version)

    from samverkan.collaborations.models import CollaborationParty

    collaboration_ids = set(
        CollaborationParty.objects.filter(organisation=gone).values_list(
            "collaboration_id", flat=True
        )
    )
    reason = _("Merged “%(duplicate)s” (%(id)s) into “%(kept)s”") % {
        "duplicate": gone.name,
        "id": gone.pk,
        "kept": kept.name,
    }
    result = MergeResult(kept=kept)
    merge_records(kept, gone, reason, result)
    # A member of the association it was merged into would be its own member.
    for membership in AssociationMembership.objects.filter(organisation=kept, association=kept):
        membership.delete()
        result.merged[record_label(AssociationMembership)] += 1
    kept.refresh_from_db()
    kept.version += 1
    kept._change_reason = reason
    kept.save(update_fields=["version", "updated_at"])
    _refresh_register(collaboration_ids)
    return result


def _refresh_register(collaboration_ids: Iterable[int]) -> None:
    """The public register names the parties: show the kept organisation there."""
    from samverkan.collaborations.models import Collaboration
    from samverkan.register.actions import refresh_entry

    for collaboration in Collaboration.objects.filter(pk__in=list(collaboration_ids)):
        refresh_entry(collaboration)


def merge_preview(duplicate: Organisation) -> list[tuple[str, int]]:
    """What refers to an organisation, by kind of record: what a merge would move."""
    return merge_previews([duplicate])[0]


def merge_previews(organisations: list[Organisation]) -> list[list[tuple[str, int]]]:
    """`merge_preview` of each organisation, counted in one query: a grouped count per
    referring table, read as one UNION ALL."""
    fields = referring_fields(Organisation)
    ids = [organisation.pk for organisation in organisations]
    parts = [
        foreign_key.model._base_manager.filter(**{f"{foreign_key.attname}__in": ids})
        .order_by()
        .values(foreign_key.attname)
        .annotate(referring=Value(i, output_field=models.IntegerField()), n=Count("*"))
        .values_list("referring", foreign_key.attname, "n")
        for i, foreign_key in enumerate(fields)
    ]
    counts: dict[int, Counter[str]] = {pk: Counter() for pk in ids}
    if parts:
        for i, pk, n in parts[0].union(*parts[1:], all=True):
            counts[pk][record_label(fields[i].model)] += n
    return [sorted(counts[pk].items()) for pk in ids]


def record_label(model: type[models.Model]) -> str:
    """What a person calls the records of a table: "agreements (parties)" for the table
    behind a many-to-many field, the model's plural name otherwise."""
    source: Any = model._meta.auto_created  # the model whose many-to-many made the table
    if source:
        for m2m in source._meta.local_many_to_many:
            if m2m.remote_field.through is model:
                return f"{source._meta.verbose_name_plural} ({m2m.verbose_name})"
    return str(model._meta.verbose_name_plural)
