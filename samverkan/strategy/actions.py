"""Every change to a strategy: atomic, permission-checked, versioned and recorded.

Coordinators and administrators edit actions, set their status and progress, link actions and
collaborations to points, and import strategies from files. `actor=None` is the system (the
reference load from the command line), never a person.
"""

import itertools
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, Max, Model, OuterRef, QuerySet, Value
from django.utils.text import slugify
from django.utils.translation import gettext as _

from samverkan.accounts.models import STAFF_ROLES, User
from samverkan.collaborations.models import Collaboration
from samverkan.orgs.models import Organisation

from . import exchange
from .models import (
    Action,
    Area,
    Point,
    PointCollaboration,
    Source,
    Strategy,
    _action_history,
    _point_history,
    _strategy_history,
    record_change,
)


def may_edit(user: Any, strategy: Strategy | None = None) -> bool:
    """Coordinators and administrators keep every strategy; a strategy's own editors (people
    at the region or agency that owns it) keep its actions and progress; everyone else
    reads."""
    if not isinstance(user, User) or not user.is_authenticated or not user.is_active:
        return False
    if user.has_role(*STAFF_ROLES):
        return True
    return strategy is not None and strategy.editors.filter(pk=user.pk).exists()


def with_may_edit(queryset: QuerySet[Any], user: Any, strategy: str = "pk") -> QuerySet[Any]:
    """The rows with `user_may_edit`, what `may_edit` answers for their strategy (the row
    itself, or the one its `strategy` field names), read in the same query as they are."""
    may: Any
    if not isinstance(user, User) or not user.is_authenticated or not user.is_active:
        may = Value(False)
    elif user.has_role(*STAFF_ROLES):
        may = Value(True)
    else:
        may = Exists(
            Strategy.editors.through.objects.filter(strategy_id=OuterRef(strategy), user_id=user.pk)
        )
    return queryset.annotate(user_may_edit=may)


def edits_any_strategy(user: Any) -> bool:
    """Whether the user may edit at least one strategy (for the import page)."""
    return may_edit(user) or (
        isinstance(user, User) and user.is_authenticated and user.edited_strategies.exists()
    )


def _require_editor(actor: User | None, strategy: Strategy | None = None) -> None:
    if not may_edit(actor, strategy):
        raise PermissionDenied


# Actions -------------------------------------------------------------------------------


@dataclass
class SourceData:
    title: str
    publisher: str = ""
    url: str = ""
    published_on: Any = None


@dataclass
class ActionData:
    title: str
    description: str = ""
    owner_organisation: Organisation | None = None
    owner_name: str = ""
    status: str = Action.Status.PLANNED
    progress: int | None = None
    start_date: Any = None
    end_date: Any = None
    points: list[Point] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    new_source: SourceData | None = None


def _check_status(status: str, progress: int | None) -> int | None:
    """The progress to store for this status; a done action is at 100 %."""
    errors: dict[str, list[str]] = {}
    if status not in Action.Status.values:
        errors["status"] = [_("Choose planned, ongoing or done.")]
    if progress is not None and not 0 <= progress <= 100:
        errors["progress"] = [_("Progress is a percentage from 0 to 100.")]
    problem = exchange.progress_problem(status, progress)
    if problem:
        errors["progress"] = [problem]
    if errors:
        raise ValidationError(errors)
    return 100 if status == Action.Status.DONE else progress


def _check_action(strategy: Strategy, data: ActionData) -> int | None:
    errors: dict[str, list[str]] = {}
    if not data.title.strip():
        errors["title"] = [_("An action has a title.")]
    if data.start_date and data.end_date and data.end_date < data.start_date:
        errors["end_date"] = [_("The end date is before the start date.")]
    if any(point.strategy_id != strategy.pk for point in data.points):
        errors["points"] = [_("Choose points of this strategy.")]
    if any(source.strategy_id != strategy.pk for source in data.sources):
        errors["sources"] = [_("Choose sources of this strategy.")]
    owner = data.owner_organisation
    if owner is not None and owner.kind == Organisation.Kind.COMPANY:
        errors["owner_organisation"] = [exchange.company_owner_problem()]
    if data.new_source and not data.new_source.title.strip():
        errors["new_source_title"] = [_("A new source has a title.")]
    try:
        progress = _check_status(data.status, data.progress)
    except ValidationError as error:
        errors.update(error.message_dict)
        progress = None
    if errors:
        raise ValidationError(errors)
    return progress


def _unique_key(strategy: Strategy, title: str) -> str:
    base = slugify(title)[:70] or "action"
    taken = set(
        Action.objects.filter(strategy=strategy, key__startswith=base).values_list("key", flat=True)
    )
    for n in itertools.count(1):
        key = base if n == 1 else f"{base}-{n}"
        if key not in taken:
            return key
    raise AssertionError  # pragma: no cover - count() never ends


def _fill(action: Action, data: ActionData, progress: int | None) -> None:
    action.title = data.title.strip()
    action.description = data.description.strip()
    action.owner_organisation = data.owner_organisation
    action.owner_name = data.owner_name.strip()
    action.status = data.status
    action.progress = progress
    action.start_date = data.start_date
    action.end_date = data.end_date


def _sources_with_new(strategy: Strategy, data: ActionData, actor: User) -> list[Source]:
    sources = list(data.sources)
    if data.new_source:
        last = strategy.listed_sources.aggregate(last=Max("position"))["last"]
        new = data.new_source
        source = Source(
            strategy=strategy,
            key=_unique_source_key(strategy, new.title),
            title=new.title.strip(),
            publisher=new.publisher.strip(),
            url=new.url.strip(),
            published_on=new.published_on,
            position=(last or 0) + 1,
        )
        source._history_user = actor  # type: ignore[attr-defined]
        source.save()
        sources.append(source)
    return sources


def _unique_source_key(strategy: Strategy, title: str) -> str:
    base = slugify(title)[:70] or "source"
    taken = set(strategy.listed_sources.values_list("key", flat=True))
    return next(
        key for n in itertools.count(1) if (key := base if n == 1 else f"{base}-{n}") not in taken
    )


@transaction.atomic
def do_create_action(actor: User, strategy: Strategy, data: ActionData) -> Action:
    _require_editor(actor, strategy)
    progress = _check_action(strategy, data)
    last = Action.objects.filter(strategy=strategy).aggregate(last=Max("position"))["last"]
    action = Action(
        strategy=strategy, key=_unique_key(strategy, data.title), position=(last or 0) + 1
    )
    _fill(action, data, progress)
    sources = _sources_with_new(strategy, data, actor)
    record_change(action, _action_history, actor, m2m={"points": data.points, "sources": sources})
    return action


def _lock_action(action: Action, expected_version: int | None) -> Action:
    locked = Action.objects.select_for_update().select_related("strategy").get(pk=action.pk)
    locked.check_version(expected_version)
    return locked


@transaction.atomic
def do_update_action(
    actor: User, action: Action, data: ActionData, *, expected_version: int | None = None
) -> Action:
    """Edit an action; an edit based on an older version is refused."""
    _require_editor(actor, action.strategy)
    action = _lock_action(action, expected_version)
    progress = _check_action(action.strategy, data)
    _fill(action, data, progress)
    action.version += 1
    sources = _sources_with_new(action.strategy, data, actor)
    record_change(action, _action_history, actor, m2m={"points": data.points, "sources": sources})
    return action


@transaction.atomic
def do_set_action_progress(
    actor: User,
    action: Action,
    status: str,
    progress: int | None,
    *,
    expected_version: int | None = None,
) -> Action:
    """Set an action's status and progress only."""
    _require_editor(actor, action.strategy)
    action = _lock_action(action, expected_version)
    action.progress = _check_status(status, progress)
    action.status = status
    action.version += 1
    record_change(
        action,
        _action_history,
        actor,
        update_fields=["status", "progress", "version", "updated_at"],
    )
    return action


# Links to points -----------------------------------------------------------------------


def _lock_point(point: Point, expected_version: int | None) -> Point:
    locked = Point.objects.select_for_update().select_related("area").get(pk=point.pk)
    locked.check_version(expected_version)
    return locked


def _touch_point(point: Point, actor: User) -> None:
    """A link added or removed is an edit of the point: a new version and a history entry."""
    point.version += 1
    record_change(point, _point_history, actor, update_fields=["version", "updated_at"])


@transaction.atomic
def do_link_collaboration(
    actor: User,
    point: Point,
    collaboration: Collaboration,
    *,
    expected_version: int | None = None,
) -> PointCollaboration:
    """Say that a collaboration serves a point."""
    _require_editor(actor)
    point = _lock_point(point, expected_version)
    if PointCollaboration.objects.filter(point=point, collaboration=collaboration).exists():
        raise ValidationError(
            {"collaboration": [_("This collaboration is already linked to the point.")]}
        )
    link = PointCollaboration(point=point, collaboration=collaboration, linked_by=actor)
    link._history_user = actor  # type: ignore[attr-defined]
    link.save()
    _touch_point(point, actor)
    return link


@transaction.atomic
def do_unlink_collaboration(
    actor: User,
    point: Point,
    collaboration: Collaboration,
    *,
    expected_version: int | None = None,
) -> None:
    _require_editor(actor)
    point = _lock_point(point, expected_version)
    link = PointCollaboration.objects.filter(point=point, collaboration=collaboration).first()
    if link is None:
        raise ValidationError(_("This collaboration is not linked to the point."))
    link._history_user = actor  # type: ignore[attr-defined]
    link.delete()
    _touch_point(point, actor)


@transaction.atomic
def do_link_action(
    actor: User, point: Point, action: Action, *, expected_version: int | None = None
) -> None:
    """Say that an action serves a point (of the same strategy)."""
    _require_editor(actor)
    point = _lock_point(point, expected_version)
    action = Action.objects.select_for_update().get(pk=action.pk)
    if action.strategy_id != point.strategy_id:
        raise ValidationError({"action": [_("Choose an action of the point's strategy.")]})
    points = list(action.points.all())
    if point in points:
        raise ValidationError({"action": [_("This action is already linked to the point.")]})
    action.version += 1
    record_change(
        action,
        _action_history,
        actor,
        m2m={"points": [*points, point]},
        update_fields=["version", "updated_at"],
    )
    _touch_point(point, actor)


@transaction.atomic
def do_unlink_action(
    actor: User, point: Point, action: Action, *, expected_version: int | None = None
) -> None:
    _require_editor(actor)
    point = _lock_point(point, expected_version)
    action = Action.objects.select_for_update().get(pk=action.pk)
    points = list(action.points.all())
    if point not in points:
        raise ValidationError(_("This action is not linked to the point."))
    action.version += 1
    record_change(
        action,
        _action_history,
        actor,
        m2m={"points": [p for p in points if p != point]},
        update_fields=["version", "updated_at"],
    )
    _touch_point(point, actor)


# Import --------------------------------------------------------------------------------


@dataclass
class ImportResult:
    strategy: Strategy
    created: bool
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return self.created or any(self.counts.values())


@contextmanager
def _quiet(instance: Model) -> Iterator[None]:
    """Save and set links without the automatic history: the import writes its own."""
    instance.skip_history_when_saving = True  # type: ignore[attr-defined]
    try:
        yield
    finally:
        del instance.skip_history_when_saving  # type: ignore[attr-defined]


def _assign(instance: Model, values: dict[str, Any]) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed = True
    return changed


def _set_links(manager: Any, wanted: list[Model], current: list[Model] | None) -> bool:
    """Set a many-to-many relation when it differs; say whether it did."""
    have = {obj.pk for obj in (manager.all() if current is None else current)}
    if have == {obj.pk for obj in wanted}:
        return False
    manager.set(wanted)
    return True


def _history(instance: Model, recorder: Any, actor: User | None, history_type: str) -> None:
    instance._history_user = actor  # type: ignore[attr-defined]
    recorder.create_historical_record(instance, history_type)


def _import_strategy(
    actor: User | None, doc: exchange.StrategyDoc, *, replace: bool
) -> ImportResult:
    strategy = Strategy.objects.select_for_update().filter(slug=doc.key).first()
    created = strategy is None
    if strategy is None:
        last = Strategy.objects.aggregate(last=Max("position"))["last"]
        strategy = Strategy(slug=doc.key, position=(last or 0) + 1)
    result = ImportResult(strategy=strategy, created=created)
    counts = result.counts
    write = created or replace

    # The strategy's own fields.
    changed = write and _assign(
        strategy,
        {
            "kind": doc.kind,
            "title_sv": doc.title_sv,
            "title_en": doc.title_en,
            "publisher": doc.publisher,
            "adopted_on": doc.adopted_on,
            "period_start": doc.period_start,
            "period_end": doc.period_end,
            "implements_id": doc.implements.pk if doc.implements else None,
            "note_sv": doc.note_sv,
            "note_en": doc.note_en,
        },
    )
    if created or changed:
        with _quiet(strategy):
            strategy.save()

    # Sources, by key.
    existing_sources = {} if created else {s.key: s for s in strategy.listed_sources.all()}
    sources: dict[str, Source] = dict(existing_sources)
    for position, item in enumerate(doc.source_list):
        values = {
            "title": item.title,
            "publisher": item.publisher,
            "url": item.url,
            "published_on": item.published_on,
            "note": item.note,
            "position": position,
        }
        source = existing_sources.get(item.key)
        if source is None:
            source = Source(strategy=strategy, key=item.key, **values)
            counts["created"] += 1
        elif not (replace and _assign(source, values)):
            continue
        else:
            counts["updated"] += 1
        source._history_user = actor  # type: ignore[attr-defined]
        source.save()
        sources[item.key] = source
    if write:
        with _quiet(strategy):
            changed |= _set_links(
                strategy.sources,
                [sources[k] for k in doc.sources],
                None if not created else [],
            )
    if changed and not created:
        strategy.version += 1
        with _quiet(strategy):
            strategy.save(update_fields=["version", "updated_at"])
        counts["updated"] += 1
    if created or changed:
        _history(strategy, _strategy_history, actor, "+" if created else "~")

    # Areas, by number.
    existing_areas = {} if created else {a.number: a for a in strategy.areas.all()}
    areas: dict[int, Area] = dict(existing_areas)
    for area_doc in doc.areas:
        values = {
            "title_sv": area_doc.title_sv,
            "title_en": area_doc.title_en,
            "note_sv": area_doc.note_sv,
            "note_en": area_doc.note_en,
        }
        area = existing_areas.get(area_doc.number)
        if area is None:
            area = Area(strategy=strategy, number=area_doc.number, **values)
            counts["created"] += 1
        elif not (replace and _assign(area, values)):
            continue
        else:
            counts["updated"] += 1
        area._history_user = actor  # type: ignore[attr-defined]
        area.save()
        areas[area_doc.number] = area

    # Points, by number across the strategy.
    existing_points = (
        {}
        if created
        else {
            p.number: p
            for p in Point.objects.filter(strategy=strategy).prefetch_related(
                "implements_points", "sources"
            )
        }
    )
    points: dict[str, Point] = dict(existing_points)
    for area_doc in doc.areas:
        for point_doc in area_doc.points:
            area = areas[area_doc.number]
            values = {
                "area_id": area.pk,
                "title_sv": point_doc.title_sv,
                "title_en": point_doc.title_en,
                "note_sv": point_doc.note_sv,
                "note_en": point_doc.note_en,
                "goal_id": point_doc.goal.pk if point_doc.goal else None,
            }
            links: dict[str, list[Any]] = {
                "implements_points": point_doc.implements,
                "sources": [sources[k] for k in point_doc.sources],
            }
            point = existing_points.get(point_doc.number)
            if point is None:
                point = Point(number=point_doc.number, area=area)
                _assign(point, values)
                with _quiet(point):
                    point.save()
                    for name, wanted in links.items():
                        getattr(point, name).set(wanted)
                _history(point, _point_history, actor, "+")
                counts["created"] += 1
            elif replace:
                point_changed = _assign(point, values)
                if point_changed:
                    point.area = area
                with _quiet(point):
                    for name, wanted in links.items():
                        current = list(getattr(point, name).all())
                        point_changed |= _set_links(getattr(point, name), wanted, current)
                    if point_changed:
                        point.version += 1
                        point.save()
                if point_changed:
                    _history(point, _point_history, actor, "~")
                    counts["updated"] += 1
            points[point_doc.number] = point

    # Actions, by key.
    existing_actions = (
        {}
        if created
        else {a.key: a for a in strategy.actions.prefetch_related("points", "sources")}
    )
    for position, action_doc in enumerate(doc.actions):
        values = {
            "title": action_doc.title,
            "description": action_doc.description,
            "owner_name": action_doc.owner,
            "owner_organisation_id": (
                action_doc.owner_organisation.pk if action_doc.owner_organisation else None
            ),
            "status": action_doc.status,
            "progress": action_doc.progress,
            "start_date": action_doc.start_date,
            "end_date": action_doc.end_date,
            "position": position,
        }
        links = {
            "points": [points[n] for n in action_doc.points],
            "sources": [sources[k] for k in action_doc.sources],
        }
        action = existing_actions.get(action_doc.key)
        if action is None:
            action = Action(strategy=strategy, key=action_doc.key)
            _assign(action, values)
            with _quiet(action):
                action.save()
                for name, wanted in links.items():
                    getattr(action, name).set(wanted)
            _history(action, _action_history, actor, "+")
            counts["created"] += 1
        elif replace:
            action_changed = _assign(action, values)
            with _quiet(action):
                for name, wanted in links.items():
                    current = list(getattr(action, name).all())
                    action_changed |= _set_links(getattr(action, name), wanted, current)
                if action_changed:
                    action.version += 1
                    action.save()
            if action_changed:
                _history(action, _action_history, actor, "~")
                counts["updated"] += 1

    if replace and not created:
        _remove_missing(actor, doc, existing_sources, existing_areas, existing_points, counts)
        for key, action in existing_actions.items():
            if key not in {a.key for a in doc.actions}:
                action._history_user = actor  # type: ignore[attr-defined]
                action.delete()
                counts["deleted"] += 1
    return result


def _remove_missing(
    actor: User | None,
    doc: exchange.StrategyDoc,
    sources: dict[str, Source],
    areas: dict[int, Area],
    points: dict[str, Point],
    counts: Counter[str],
) -> None:
    """Remove what the file no longer has, refusing to drop a point that work depends on."""
    kept_points = {p.number for a in doc.areas for p in a.points}
    gone = [point for number, point in points.items() if number not in kept_points]
    if gone:
        errors = []
        served = set(
            PointCollaboration.objects.filter(point__in=gone).values_list(
                "point__number", flat=True
            )
        )
        implemented = set(
            Point.implements_points.through.objects.filter(to_point__in=gone).values_list(
                "to_point__number", flat=True
            )
        )
        for point_number in sorted(served):
            errors.append(
                _(
                    "Point %(number)s is not in the file but collaborations serve it: unlink "
                    "them first, or keep the point."
                )
                % {"number": point_number}
            )
        for point_number in sorted(implemented):
            errors.append(
                _(
                    "Point %(number)s is not in the file but points of other strategies "
                    "implement it: change those first, or keep the point."
                )
                % {"number": point_number}
            )
        if errors:
            raise ValidationError(errors)
        for point in gone:
            point._history_user = actor  # type: ignore[attr-defined]
            point.delete()
            counts["deleted"] += 1
    kept_areas = {a.number for a in doc.areas}
    for number, area in areas.items():
        if number not in kept_areas:
            area._history_user = actor  # type: ignore[attr-defined]
            area.delete()
            counts["deleted"] += 1
    kept_sources = {s.key for s in doc.source_list}
    for key, source in sources.items():
        if key not in kept_sources:
            source._history_user = actor  # type: ignore[attr-defined]
            source.delete()
            counts["deleted"] += 1


@transaction.atomic
def do_import_strategy(
    actor: User | None, doc: exchange.StrategyDoc, *, replace: bool = True
) -> ImportResult:
    """Create or update a strategy from a checked document.

    `replace` makes the strategy exactly the document (what is not in it is removed);
    otherwise only what is missing is added and everything already there is left as it is.
    `actor=None` is the system loading reference data; a person must be a coordinator, or
    an editor of the strategy the document updates (an editor never creates a strategy).
    """
    if actor is not None:
        _require_import(actor, doc)
    return _import_strategy(actor, doc, replace=replace)


def _require_import(actor: User, doc: exchange.StrategyDoc) -> None:
    if may_edit(actor):
        return
    strategy = Strategy.objects.filter(slug=doc.key).first()
    if strategy is None or not may_edit(actor, strategy):
        raise PermissionDenied(
            _("You may import only into a strategy you are an editor of: %(key)s.")
            % {"key": doc.key}
        )


@transaction.atomic
def do_import_file(
    actor: User | None, name: str, content: bytes, *, replace: bool = True
) -> list[ImportResult]:
    """Import every strategy in a YAML or CSV file, all or nothing.

    Each document is checked against what the ones before it stored, so a regional plan may
    follow the national strategy it implements in the same file.
    """
    if actor is not None and not edits_any_strategy(actor):
        raise PermissionDenied
    results = []
    for data, locator in exchange.read_file(name, content):
        doc = exchange.check_document(data, locator)
        if actor is not None:
            _require_import(actor, doc)
        results.append(_import_strategy(actor, doc, replace=replace))
    return results
