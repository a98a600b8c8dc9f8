"""The strategy tracker, public and read-only: strategies, their tree with rolled-up progress,
and a point with the collaborations published in the transparency register that serve it.
Collaboration figures count published collaborations only, whoever asks."""

import datetime

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.pagination import paginate

from samverkan.register.models import RegisterEntry
from samverkan.strategy.models import Action, Point, Source, Strategy
from samverkan.strategy.progress import (
    AreaNode,
    action_queryset,
    collaborations_serving,
    percent,
    strategies_with_progress,
    strategy_tree,
    with_rollup,
)

from .schemas import Pagination

router = Router(tags=["strategies"])


class SourceOut(Schema):
    title: str
    publisher: str
    url: str
    published_on: datetime.date | None
    note: str


class ActionOut(Schema):
    id: int
    key: str
    title: str
    description: str
    owner: str
    status: str
    progress: int | None
    start_date: datetime.date | None
    end_date: datetime.date | None
    sources: list[SourceOut]

    @staticmethod
    def resolve_sources(obj: Action) -> list[Source]:
        return list(obj.sources.all())


class PointRefOut(Schema):
    id: int
    strategy: str
    number: str
    title: str

    @staticmethod
    def resolve_strategy(obj: Point) -> str:
        return obj.strategy.slug


class PointOut(Schema):
    id: int
    number: str
    title: str
    title_sv: str
    title_en: str
    note: str
    goal: int | None
    progress: int | None
    has_work: bool
    action_count: int
    active_action_count: int
    published_collaboration_count: int
    implements: list[PointRefOut]
    implemented_by: list[PointRefOut]
    actions: list[ActionOut]
    url: str

    @staticmethod
    def resolve_goal(obj: Point) -> int | None:
        return obj.goal.number if obj.goal else None

    @staticmethod
    def resolve_progress(obj: Point) -> int | None:
        return percent(obj.progress)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_active_action_count(obj: Point) -> int:
        return obj.active_count  # type: ignore[attr-defined]

    @staticmethod
    def resolve_published_collaboration_count(obj: Point) -> int:
        return obj.collaboration_count  # type: ignore[attr-defined]

    @staticmethod
    def resolve_implements(obj: Point) -> list[Point]:
        return list(obj.implements_points.all())

    @staticmethod
    def resolve_implemented_by(obj: Point) -> list[Point]:
        return list(obj.implemented_by.all())

    @staticmethod
    def resolve_actions(obj: Point) -> list[Action]:
        return list(obj.actions.all())

    @staticmethod
    def resolve_url(obj: Point) -> str:
        return settings.SITE_URL + obj.get_absolute_url()


class AreaOut(Schema):
    number: int
    title: str
    title_sv: str
    title_en: str
    note: str
    progress: int | None
    points: list[PointOut]

    @staticmethod
    def resolve_number(obj: AreaNode) -> int:
        return obj.area.number

    @staticmethod
    def resolve_title(obj: AreaNode) -> str:
        return obj.area.title

    @staticmethod
    def resolve_title_sv(obj: AreaNode) -> str:
        return obj.area.title_sv

    @staticmethod
    def resolve_title_en(obj: AreaNode) -> str:
        return obj.area.title_en

    @staticmethod
    def resolve_note(obj: AreaNode) -> str:
        return obj.area.note

    @staticmethod
    def resolve_progress(obj: AreaNode) -> int | None:
        return obj.percent


class StrategyOut(Schema):
    id: int
    key: str
    kind: str
    title: str
    title_sv: str
    title_en: str
    publisher: str
    adopted_on: datetime.date | None
    period_start: int | None
    period_end: int | None
    implements: str | None
    progress: int | None
    url: str

    @staticmethod
    def resolve_key(obj: Strategy) -> str:
        return obj.slug

    @staticmethod
    def resolve_implements(obj: Strategy) -> str | None:
        return obj.implements.slug if obj.implements else None

    @staticmethod
    def resolve_progress(obj: Strategy) -> int | None:
        return percent(obj.progress)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_url(obj: Strategy) -> str:
        return settings.SITE_URL + obj.get_absolute_url()


class StrategyListOut(StrategyOut):
    point_count: int
    action_count: int


class StrategyTreeOut(StrategyOut):
    """The strategy of a `StrategyTree`, with the tree under `tree`."""

    note: str
    point_count: int
    points_with_work: int
    sources: list[SourceOut]
    areas: list[AreaOut]

    @staticmethod
    def resolve_progress(obj: Strategy) -> int | None:
        return obj.tree.percent  # type: ignore[attr-defined]

    @staticmethod
    def resolve_point_count(obj: Strategy) -> int:
        return len(obj.tree.points)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_points_with_work(obj: Strategy) -> int:
        return obj.tree.points_with_work  # type: ignore[attr-defined]

    @staticmethod
    def resolve_sources(obj: Strategy) -> list[Source]:
        return obj.tree.sources  # type: ignore[attr-defined]

    @staticmethod
    def resolve_areas(obj: Strategy) -> list[AreaNode]:
        return obj.tree.areas  # type: ignore[attr-defined]


class CollaborationRefOut(Schema):
    title: str
    url: str

    @staticmethod
    def resolve_url(obj: RegisterEntry) -> str:
        return settings.SITE_URL + obj.get_absolute_url()


class PointDetailOut(PointOut):
    strategy: StrategyListOut
    area: int
    sources: list[SourceOut]
    published_collaborations: list[CollaborationRefOut]

    @staticmethod
    def resolve_strategy(obj: Point) -> Strategy:
        return obj.strategy_with_progress  # type: ignore[attr-defined]

    @staticmethod
    def resolve_area(obj: Point) -> int:
        return obj.area.number

    @staticmethod
    def resolve_sources(obj: Point) -> list[Source]:
        return list(obj.sources.all())

    @staticmethod
    def resolve_published_collaborations(obj: Point) -> list[RegisterEntry]:
        return obj.published_entries  # type: ignore[attr-defined]


@router.get("/strategies", auth=None, response=list[StrategyListOut])
@paginate(Pagination, page_size=settings.PAGE_SIZE)
def list_strategies(request: HttpRequest) -> QuerySet[Strategy]:
    """Every strategy with its rolled-up progress (a percentage, or null without points)."""
    return strategies_with_progress(Strategy.objects.select_related("implements"))


@router.get("/strategies/{strategy_id}", auth=None, response=StrategyTreeOut)
def get_strategy(request: HttpRequest, strategy_id: int) -> Strategy:
    """The tree: areas → points → actions, with progress rolled up from the actions."""
    strategy = get_object_or_404(Strategy.objects.select_related("implements"), pk=strategy_id)
    strategy.tree = strategy_tree(strategy, published_only=True)  # type: ignore[attr-defined]
    return strategy


@router.get("/strategy-points/{point_id}", auth=None, response=PointDetailOut)
def get_point(request: HttpRequest, point_id: int) -> Point:
    """A point with its actions and the collaborations published in the register that serve
    it (linked to the point, or serving the goal it stands for)."""
    queryset = with_rollup(
        Point.objects.select_related("area", "goal").prefetch_related(
            Prefetch("actions", queryset=action_queryset().order_by("position", "pk")),
            Prefetch("implements_points", queryset=Point.objects.select_related("strategy")),
            Prefetch("implemented_by", queryset=Point.objects.select_related("strategy")),
            Prefetch("sources", queryset=Source.objects.order_by("position", "pk")),
        ),
        published_only=True,
    )
    point = get_object_or_404(queryset, pk=point_id)
    point.strategy_with_progress = strategies_with_progress(  # type: ignore[attr-defined]
        Strategy.objects.select_related("implements").filter(pk=point.strategy_id)
    ).get()
    point.published_entries = list(  # type: ignore[attr-defined]
        RegisterEntry.objects.published()
        .filter(collaboration__in=collaborations_serving(point).values("pk"))
        .order_by("title", "pk")
    )
    return point
