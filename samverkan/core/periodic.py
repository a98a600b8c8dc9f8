"""Periodic work, registered by the app that owns it.

Each app adds its job from its AppConfig.ready(); the sweep in core.tasks runs every job in
the order the apps are installed, without core knowing which apps there are. A job takes
today's date and returns counts for the sweep's summary.
"""

import datetime
from collections.abc import Callable

PeriodicJob = Callable[[datetime.date], dict[str, int]]

_jobs: dict[str, PeriodicJob] = {}


def register_periodic_job(name: str, job: PeriodicJob) -> None:
    """Add (or replace) the job called `name`; registering twice keeps one."""
    _jobs[name] = job


def periodic_jobs() -> list[tuple[str, PeriodicJob]]:
    return list(_jobs.items())
