"""Progress rolled up from actions to points, areas and strategies, computed in the database.

The rules, shown on the pages too:

- a point's progress is the mean of its actions' progress (a done action is at 100 %, one
  whose progress is not estimated counts 0 %, so a figure never claims more than is known);
  a point without actions has none;
- an area's progress is the mean of its points' progress, a point without any counting 0 %;
- a strategy's progress is the mean of its areas' progress, over the areas that have points;
- a point has work behind it when an action for it is ongoing or done, or a collaboration
  serves it (linked to the point, or serving the goal the point stands for).

Every figure is one SQL expression, so a list of strategies, the tree of one strategy and the
effects dashboard each cost a fixed number of queries however many points and actions there
are. `published_only` counts only collaborations published in the transparency register: what
the public, and users who do not read everything, may know about.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Avg,
    BooleanField,
    Exists,
    ExpressionWrapper,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from samverkan.collaborations.models import Collaboration

from .models import Action, Area, Point, PointCollaboration, Source, Strategy

PUBLISHED = "published"


class SubqueryCount(Subquery):
    """COUNT(*) of a subquery's rows, 0 when there are none."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _count)"
    output_field = IntegerField()


def point_progress(ref: str = "pk") -> Subquery:
    """Mean progress of the actions of the point `OuterRef(ref)`; NULL when it has none."""
    through = Action.points.through
    means = (
        through.objects.filter(point_id=OuterRef(ref))
        .order_by()
        .values("point_id")
        .annotate(mean=Avg(Coalesce("action__progress", 0), output_field=FloatField()))
        .values("mean")  # type: ignore[misc]
    )
    return Subquery(means, output_field=FloatField())


def area_progress(ref: str = "pk") -> Subquery:
    """Mean of the area's points' progress, a point without an estimate counting 0."""
    means = (
        Point.objects.filter(area_id=OuterRef(ref))
        .order_by()
        .annotate(p=Coalesce(point_progress(), Value(0.0), output_field=FloatField()))
        .values("area_id")
        .annotate(mean=Avg("p", output_field=FloatField()))
        .values("mean")
    )
    return Subquery(means, output_field=FloatField())


def strategy_progress(ref: str = "pk") -> Subquery:
    """Mean of the progress of the strategy's areas that have points."""
    means = (
        Area.objects.filter(Exists(Point.objects.filter(area_id=OuterRef("pk"))))
        .filter(strategy_id=OuterRef(ref))
        .order_by()
        .annotate(p=area_progress())
        .values("strategy_id")
        .annotate(mean=Avg("p", output_field=FloatField()))
        .values("mean")
    )
    return Subquery(means, output_field=FloatField())


def _collaborations_serving(published_only: bool) -> QuerySet[Any]:
    """Collaborations linked to the point `OuterRef("pk")` or serving the goal it stands for.

    Two `IN` lists rather than one join, so each side uses its own index."""
    through_goals = Collaboration.goals.through
    queryset = Collaboration.objects.filter(
        Q(
            pk__in=PointCollaboration.objects.filter(point_id=OuterRef(OuterRef("pk"))).values(
                "collaboration_id"
            )
        )
        | Q(
            pk__in=through_goals.objects.filter(goal_id=OuterRef(OuterRef("goal_id"))).values(
                "collaboration_id"
            )
        )
    )
    if published_only:
        queryset = queryset.filter(register_entry__state=PUBLISHED)
    return queryset.order_by().values("pk")


def active_actions() -> QuerySet[Any]:
    return Action.points.through.objects.filter(
        point_id=OuterRef("pk"), action__status__in=Action.ACTIVE
    ).order_by()


def with_rollup(points: QuerySet[Point], *, published_only: bool = True) -> QuerySet[Point]:
    """Points with `progress`, `action_count`, `active_count`, `collaboration_count`, and
    `has_work`."""
    collaborations = _collaborations_serving(published_only)
    all_actions = Action.points.through.objects.filter(point_id=OuterRef("pk")).order_by()
    return points.annotate(
        progress=point_progress(),
        action_count=SubqueryCount(all_actions.values("pk")),
        active_count=SubqueryCount(active_actions().values("pk")),
        collaboration_count=SubqueryCount(collaborations),
        has_work=ExpressionWrapper(
            Q(Exists(active_actions())) | Q(Exists(collaborations)),
            output_field=BooleanField(),
        ),
    )


def without_work(points: QuerySet[Point], *, published_only: bool = True) -> QuerySet[Point]:
    """Points with no action ongoing or done and no collaboration serving them."""
    return points.exclude(Exists(active_actions())).exclude(
        Exists(_collaborations_serving(published_only))
    )


def strategies_with_progress(queryset: QuerySet[Strategy] | None = None) -> QuerySet[Strategy]:
    """Strategies with `progress` (None without points), `point_count` and `action_count`:
    one query for any number of strategies, for the list and the effects dashboard."""
    queryset = Strategy.objects.all() if queryset is None else queryset
    return queryset.annotate(
        progress=strategy_progress(),
        point_count=SubqueryCount(
            Point.objects.filter(strategy_id=OuterRef("pk")).order_by().values("pk")
        ),
        action_count=SubqueryCount(
            Action.objects.filter(strategy_id=OuterRef("pk")).order_by().values("pk")
        ),
    )


def percent(value: float | None) -> int | None:
    """A progress figure as a whole percentage for people to read."""
    return None if value is None else round(value)


@dataclass
class AreaNode:
    area: Area
    progress: float | None
    points: list[Point] = field(default_factory=list)

    @property
    def percent(self) -> int | None:
        return percent(self.progress)

    @property
    def points_with_work(self) -> int:
        return len([point for point in self.points if point.has_work])  # type: ignore[attr-defined]


@dataclass
class StrategyTree:
    strategy: Strategy
    progress: float | None
    areas: list[AreaNode]
    sources: list[Source]

    @property
    def percent(self) -> int | None:
        return percent(self.progress)

    @property
    def points(self) -> list[Point]:
        return [point for node in self.areas for point in node.points]

    @property
    def points_with_work(self) -> int:
        return sum(node.points_with_work for node in self.areas)


def collaborations_serving(point: Point) -> QuerySet[Collaboration]:
    """Collaborations linked to the point, or serving the goal the point stands for, each
    with `direct` saying whether it is linked to the point itself."""
    condition = Q(strategy_point_links__point=point)
    if point.goal_id:
        condition |= Q(goals=point.goal_id)
    return Collaboration.objects.filter(
        pk__in=Collaboration.objects.filter(condition).values("pk")
    ).annotate(
        direct=Exists(PointCollaboration.objects.filter(point=point, collaboration=OuterRef("pk")))
    )


def action_queryset() -> QuerySet[Action]:
    return Action.objects.select_related("owner_organisation").prefetch_related(
        Prefetch("sources", queryset=Source.objects.order_by("position", "pk"))
    )


def strategy_tree(strategy: Strategy, *, published_only: bool = True) -> StrategyTree:
    """Areas → points → actions with rolled-up progress, in a fixed number of queries. A
    strategy read through `strategies_with_progress` brings its own progress along."""
    if hasattr(strategy, "progress"):
        progress = [strategy.progress]
    else:
        progress = list(
            Strategy.objects.filter(pk=strategy.pk)
            .annotate(p=strategy_progress())
            .values_list("p", flat=True)
        )
    areas = list(
        Area.objects.filter(strategy=strategy).annotate(progress=area_progress()).order_by("number")
    )
    points = with_rollup(
        Point.objects.filter(strategy=strategy)
        .select_related("goal")
        .prefetch_related(
            Prefetch("actions", queryset=action_queryset()),
            Prefetch(
                "implements_points",
                queryset=Point.objects.select_related("strategy").order_by("sort_key"),
            ),
            Prefetch(
                "implemented_by",
                queryset=Point.objects.select_related("strategy").order_by("strategy", "sort_key"),
            ),
        ),
        published_only=published_only,
    ).order_by("sort_key")
    nodes = {area.pk: AreaNode(area, area.progress) for area in areas}
    for point in points:
        nodes[point.area_id].points.append(point)
    return StrategyTree(
        strategy=strategy,
        progress=progress[0] if progress else None,
        areas=list(nodes.values()),
        sources=list(strategy.sources.order_by("position", "pk")),
    )


__all__ = [
    "AreaNode",
    "StrategyTree",
    "area_progress",
    "collaborations_serving",
    "point_progress",
    "strategies_with_progress",
    "strategy_progress",
    "strategy_tree",
    "with_rollup",
    "without_work",
]
