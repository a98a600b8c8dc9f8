"""Writing a strategy out as a document, then as YAML or CSV; importing what is exported
gives the same strategy."""

import datetime
import io
from typing import Any

import yaml

from samverkan.lib.spreadsheets import SafeDictWriter

from ..models import Action, Point, Strategy
from .format import COLUMNS, FORMAT, LIST_SEPARATOR


def _compact(values: dict[str, Any]) -> dict[str, Any]:
    """Leave out what is empty, so files stay short and read like the reference file."""
    return {k: v for k, v in values.items() if v not in (None, "", [])}


def export_document(strategy: Strategy) -> dict[str, Any]:
    """The strategy as a document: what `check_document` reads back into the same strategy."""
    sources = list(strategy.listed_sources.order_by("position", "pk"))
    points = list(
        Point.objects.filter(strategy=strategy)
        .select_related("goal")
        .prefetch_related("implements_points", "sources")
        .order_by("sort_key")
    )
    by_area: dict[int, list[Point]] = {}
    for point in points:
        by_area.setdefault(point.area_id, []).append(point)
    actions = (
        Action.objects.filter(strategy=strategy)
        .select_related("owner_organisation")
        .prefetch_related("points", "sources")
        .order_by("position", "pk")
    )
    return {
        "format": FORMAT,
        "strategy": _compact(
            {
                "key": strategy.slug,
                "kind": strategy.kind,
                "title_sv": strategy.title_sv,
                "title_en": strategy.title_en,
                "publisher": strategy.publisher,
                "adopted_on": strategy.adopted_on,
                "period_start": strategy.period_start,
                "period_end": strategy.period_end,
                "implements": strategy.implements.slug if strategy.implements else None,
                "note_sv": strategy.note_sv,
                "note_en": strategy.note_en,
                "sources": [s.key for s in strategy.sources.order_by("position", "pk")],
            }
        ),
        "sources": [
            _compact(
                {
                    "key": s.key,
                    "title": s.title,
                    "publisher": s.publisher,
                    "url": s.url,
                    "published_on": s.published_on,
                    "note": s.note,
                }
            )
            for s in sources
        ],
        "areas": [
            {
                **_compact(
                    {
                        "number": area.number,
                        "title_sv": area.title_sv,
                        "title_en": area.title_en,
                        "note_sv": area.note_sv,
                        "note_en": area.note_en,
                    }
                ),
                "points": [
                    _compact(
                        {
                            "number": point.number,
                            "title_sv": point.title_sv,
                            "title_en": point.title_en,
                            "note_sv": point.note_sv,
                            "note_en": point.note_en,
                            "implements": [
                                p.number
                                for p in sorted(point.implements_points.all(), key=_sort_key)
                            ],
                            "goal": point.goal.number if point.goal else None,
                            "sources": [s.key for s in sorted(point.sources.all(), key=_position)],
                        }
                    )
                    for point in by_area.get(area.pk, [])
                ],
            }
            for area in strategy.areas.order_by("number")
        ],
        "actions": [
            _compact(
                {
                    "key": action.key,
                    "title": action.title,
                    "description": action.description,
                    "owner": action.owner_name,
                    "owner_organisation": (
                        action.owner_organisation.name if action.owner_organisation else None
                    ),
                    "status": action.status,
                    "progress": action.progress,
                    "start_date": action.start_date,
                    "end_date": action.end_date,
                    "points": [p.number for p in sorted(action.points.all(), key=_sort_key)],
                    "sources": [s.key for s in sorted(action.sources.all(), key=_position)],
                }
            )
            for action in actions
        ],
    }


def _sort_key(point: Point) -> str:
    return point.sort_key


def _position(source: Any) -> tuple[int, int]:
    return (source.position, source.pk)


class _Dumper(yaml.SafeDumper):
    pass


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)


def to_yaml(document: dict[str, Any]) -> str:
    return yaml.dump(document, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return f"{LIST_SEPARATOR} ".join(str(v) for v in value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def to_csv(document: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = SafeDictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()

    def row(record: str, values: dict[str, Any]) -> None:
        writer.writerow({"record": record, **{k: _cell(v) for k, v in values.items()}})

    row("strategy", document["strategy"])
    for source in document.get("sources", []):
        row("source", source)
    for area in document.get("areas", []):
        row("area", {k: v for k, v in area.items() if k != "points"})
    for area in document.get("areas", []):
        for point in area.get("points", []):
            row("point", {**point, "area": area["number"]})
    for action in document.get("actions", []):
        row("action", action)
    return out.getvalue()
