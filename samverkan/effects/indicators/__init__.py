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

from .agenda import NeedsCoverage, SeveralCompanies, company_count
from .base import (
    MAX_PERIOD_YEARS,
    UNIT_TITLES,
    Bucket,
    Column,
    Effect,
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
    started_between,
    trunc,
)
from .funding import FundingApplications
from .interest import InquiriesReceived, NewCompanies
from .learning import KnowledgeExchange, knowledge_exchange_provider
from .process import (
    CALENDAR_DAYS_ALLOWED,
    CALENDAR_DAYS_ALLOWED_DEFAULT,
    AnsweredInTime,
    FollowUpsOnTime,
    InquiryOutcomes,
    MedianDaysToFirstAnswer,
    answer_timing,
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
    effect: Effect
    results: list[Result]

    @property
    def label(self) -> str:
        return str(self.effect.label)


def compute_all(scope: Scope, interval: str = Interval.QUARTER) -> list[EffectGroup]:
    """Every indicator for the scope, grouped by the expected effect it measures."""
    results = [indicator.compute(scope, interval) for indicator in INDICATORS]
    return [
        EffectGroup(effect, [r for r in results if r.indicator.effect == effect])
        for effect in Effect
        if any(r.indicator.effect == effect for r in results)
    ]


__all__ = [
    "BY_ID",
    "CALENDAR_DAYS_ALLOWED",
    "CALENDAR_DAYS_ALLOWED_DEFAULT",
    "INDICATORS",
    "MAX_PERIOD_YEARS",
    "UNIT_TITLES",
    "AnsweredInTime",
    "Bucket",
    "Collaborations",
    "Column",
    "Effect",
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
    "Result",
    "Row",
    "Scope",
    "SeveralCompanies",
    "Table",
    "active_between",
    "answer_timing",
    "bucket_key",
    "collaborations_in",
    "company_count",
    "compute_all",
    "count_of",
    "days",
    "get_indicator",
    "inquiries_in",
    "involves_centre",
    "involves_region",
    "knowledge_exchange_provider",
    "local_midnight",
    "medians",
    "money",
    "name_order",
    "percent",
    "prefixed",
    "started_between",
    "trunc",
]
