"""The dashboard's first screen: one card per expected effect with its headline figure,
the change against the period before, and a small chart, each linking to the effect's
section below. Built from the results the page already has: no query of its own."""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from .formatting import PERCENT, format_value

if TYPE_CHECKING:
    from .indicators import EffectGroup
    from .indicators.base import Figure, Result

# Bars of the small chart: the latest periods only, so that each stays wide enough to see.
BARS = 8
CHART_WIDTH = 120
CHART_HEIGHT = 36


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float


@dataclass
class Card:
    effect: str
    label: str
    indicator: str
    indicator_id: str
    figure: "Figure | None"
    trend: str = ""
    direction: str = ""  # up, down or flat
    bars: list[Bar] = field(default_factory=list)
    chart_label: str = ""
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT


def _number(value: Any) -> float | None:
    if value is None:
        return None
    return float(value)


def _trend(result: "Result", column: int) -> tuple[str, str]:
    """The last period against the one before, in words."""
    if result.series is None or len(result.series.rows) < 2:
        return "", ""
    rows = result.series.rows
    if len(rows) < 2:
        return "", ""
    last, before = _number(rows[-1].values[column]), _number(rows[-2].values[column])
    if last is None or before is None:
        return "", ""
    unit = result.series.columns[column].unit
    delta = Decimal(str(last)) - Decimal(str(before))
    if delta == 0:
        return _("unchanged against the period before"), "flat"
    amount = format_value(abs(delta), "count" if unit == PERCENT else unit)
    sign = "+" if delta > 0 else "−"
    if unit == PERCENT:
        text = _("%(change)s percentage points against the period before") % {
            "change": f"{sign}{amount}"
        }
    else:
        text = _("%(change)s against the period before") % {"change": f"{sign}{amount}"}
    return text, "up" if delta > 0 else "down"


def _bars(result: "Result", column: int) -> tuple[list[Bar], str]:
    if result.series is None:
        return [], ""
    rows = result.series.rows[-BARS:]
    values = [_number(row.values[column]) for row in rows]
    highest = max((v for v in values if v is not None), default=0.0)
    if not rows or highest <= 0:
        return [], ""
    slot = CHART_WIDTH / len(rows)
    bars = []
    for index, value in enumerate(values):
        height = 0.0 if value is None else max(1.0, (CHART_HEIGHT - 2) * value / highest)
        bars.append(
            Bar(
                x=round(index * slot + slot * 0.15, 2),
                y=round(CHART_HEIGHT - height, 2),
                width=round(slot * 0.7, 2),
                height=round(height, 2),
            )
        )
    unit = result.series.columns[column].unit
    currency = result.series.columns[column].currency
    described = ", ".join(
        f"{row.label}: {format_value(row.values[column], unit, currency)}" for row in rows
    )
    label = _("%(name)s, latest periods: %(values)s") % {
        "name": result.series.columns[column].label,
        "values": described,
    }
    return bars, label


def cards(groups: "list[EffectGroup]") -> list[Card]:
    """One card per expected effect, from its first indicator that has figures."""
    overview = []
    for group in groups:
        result = next(
            (r for r in group.results if not r.no_data and r.figures),
            group.results[0] if group.results else None,
        )
        if result is None:
            continue
        card = Card(
            effect=group.slug,
            label=group.label,
            indicator=str(result.indicator.name),
            indicator_id=result.indicator.id,
            figure=None if result.no_data else next(iter(result.figures), None),
        )
        if result.series is not None and not result.no_data:
            charted = [i for i, c in enumerate(result.series.columns) if c.chart]
            if charted:
                card.trend, card.direction = _trend(result, charted[0])
                card.bars, card.chart_label = _bars(result, charted[0])
        overview.append(card)
    return overview
