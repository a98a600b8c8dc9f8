from typing import Any

from django_tasks import task

from . import cache
from .actions import run_report


@task()
def build_report(report_id: int) -> str:
    """Build a queued effects report (PDF or Excel) in the worker."""
    return run_report(report_id)


@task()
def refresh_figures(filters: list[Any], language: str) -> bool:
    """Compute the dashboard's figures for a set of filters again, after a change."""
    return cache.refresh(cache.Filters.from_args(filters), language)


@task()
def refresh_default_figures() -> int:
    """Compute the default dashboard again in every language, after a change."""
    return cache.refresh_default()
