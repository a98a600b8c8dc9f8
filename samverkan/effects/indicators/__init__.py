"""The expected effects of the industry strategy, measured as indicators.

The industry strategy ("Förväntade effekter") expects its effects; each becomes one or
more indicators, in one module per effect (process, interest, funding, projects,
learning, agenda) on the shared machinery of `base` (Scope, buckets, Table, Figure,
Result, Indicator). An indicator has an id, a name, a written definition shown beside its
figures, and `compute(scope, interval)`, which answers for a period and filters
(committee, regional centre, kind) with the headline figures, the time series by quarter or by year,
and breakdown tables. This module lists them in the order the dashboard shows them and
re-exports every name, so `from samverkan.effects.indicators import Scope` keeps working.
"""

from dataclasses import dataclass

from django.utils.translation import gettext

from ..models import ExpectedEffect
from .agenda import NeedsCoverage, SeveralCompanies, company_count
from .base import (
    MAX_PERIOD_YEARS,
    UNIT_TITLES,
    Bucket,
    Column,
    Figure,
    Indicator,
    Interval,
    Result,
    Row,
    Scope,
    Table,
    active_between,
    bucket_key,
    collaborations_in,
    count_of,
    days,
    inquiries_in,
    involves_centre,
    involves_region,
    local_midnight,
    money,
    name_order,
    percent,
    prefixed,
    shared,
    sharing,
    started_between,
    trunc,
)
from .funding import FundingApplications
from .interest import InquiriesReceived, NewCompanies, RepeatCompanies
from .learning import KnowledgeExchange, knowledge_exchange_provider
from .process import (
    AnsweredInTime,
    FollowUpsOnTime,
    InquiryOutcomes,
    MedianDaysToFirstAnswer,
    answer_target,
    answer_timing,
    calendar_days_allowed,
    medians,
)
from .projects import Collaborations

# The order the dashboard and the reports show them in: by effect, as the strategy lists them.
INDICATORS: list[Indicator] = [
    AnsweredInTime(),
    MedianDaysToFirstAnswer(),
    InquiryOutcomes(),
    FollowUpsOnTime(),
    InquiriesReceived(),
    NewCompanies(),
    RepeatCompanies(),
    FundingApplications(),
    Collaborations(),
    KnowledgeExchange(),
    NeedsCoverage(),
    SeveralCompanies(),
]
BY_ID = {indicator.id: indicator for indicator in INDICATORS}


def get_indicator(indicator_id: str) -> Indicator | None:
    return BY_ID.get(indicator_id)


@dataclass
class EffectGroup:
    """The results of the indicators that measure one of the pack's expected effects. With no
    expected effects in the pack, every indicator stands in one group without an effect."""

    effect: ExpectedEffect | None
    results: list[Result]

    @property
    def slug(self) -> str:
        return self.effect.slug if self.effect else "indicators"

    @property
    def label(self) -> str:
        return self.effect.text if self.effect else gettext("Indicators")


def expected_effects() -> list[tuple[ExpectedEffect | None, list[Indicator]]]:
    """The pack's expected effects in its order, each with the indicators that measure it
    (ids the platform does not know are skipped; an effect with none is left out)."""
    effects = list(ExpectedEffect.objects.order_by("order", "slug"))
    if not effects:
        return [(None, list(INDICATORS))]
    grouped = [(effect, [BY_ID[i] for i in effect.indicators if i in BY_ID]) for effect in effects]
    return [(effect, measured) for effect, measured in grouped if measured]


def measured_indicators() -> list[Indicator]:
    """Every indicator the pack names, once, in the order of its effects."""
    unique: dict[str, Indicator] = {}
    for _effect, measured in expected_effects():
        for indicator in measured:
            unique.setdefault(indicator.id, indicator)
    return list(unique.values())


def compute_all(scope: Scope, interval: str = Interval.QUARTER) -> list[EffectGroup]:
    """Every indicator the pack names for the scope, grouped by the expected effect it
    measures; one the pack names twice is computed once."""
    computed: dict[str, Result] = {}
    groups = []
    with sharing():
        for effect, measured in expected_effects():
            for indicator in measured:
                if indicator.id not in computed:
                    computed[indicator.id] = indicator.compute(scope, interval)
            groups.append(EffectGroup(effect, [computed[i.id] for i in measured]))
    return groups


__all__ = [
    "BY_ID",
    "INDICATORS",
    "MAX_PERIOD_YEARS",
    "UNIT_TITLES",
    "AnsweredInTime",
    "Bucket",
    "Collaborations",
    "Column",
    "EffectGroup",
    "Figure",
    "FollowUpsOnTime",
    "FundingApplications",
    "Indicator",
    "InquiriesReceived",
    "InquiryOutcomes",
    "Interval",
    "KnowledgeExchange",
    "MedianDaysToFirstAnswer",
    "NeedsCoverage",
    "NewCompanies",
    "RepeatCompanies",
    "Result",
    "Row",
    "Scope",
    "SeveralCompanies",
    "Table",
    "active_between",
    "answer_target",
    "answer_timing",
    "bucket_key",
    "calendar_days_allowed",
    "collaborations_in",
    "company_count",
    "compute_all",
    "count_of",
    "days",
    "expected_effects",
    "get_indicator",
    "inquiries_in",
    "involves_centre",
    "involves_region",
    "knowledge_exchange_provider",
    "local_midnight",
    "measured_indicators",
    "medians",
    "money",
    "name_order",
    "percent",
    "prefixed",
    "shared",
    "sharing",
    "started_between",
    "trunc",
]
