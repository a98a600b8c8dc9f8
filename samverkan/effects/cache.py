"""The dashboard's figures, computed by the worker and shown at once.

Figures are kept in the shared cache under their filters and language, with the generation
and the time they were computed at. Any saved or deleted record of the apps the indicators
read takes a new generation (once per transaction, when it commits). Figures of an older
generation, an earlier day or more than MAX_AGE old are still shown, marked as being
updated, while the worker computes them again: once per set of filters however many people
look, and for the default dashboard on its own after every change. Only a set of filters
nobody has asked for yet is computed in the request.

Each process keeps a front of the figures it has read, keyed by the generation, so that
while nothing changes a view reads one number and no figures from the database.
"""

import dataclasses
import datetime
import functools
import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import get_language

from samverkan.core import generations
from samverkan.core.queue import enqueue_once
from samverkan.orgs.models import Centre, Committee

from .forms import default_period
from .indicators import (
    Column,
    EffectGroup,
    Figure,
    Interval,
    Result,
    Row,
    Scope,
    Table,
    compute_all,
)

logger = logging.getLogger(__name__)

GENERATION_KEY = "effects:generation"
# Kept while anyone might ask for the same filters again; the worker replaces them.
TIMEOUT = 30 * 24 * 3600
# A bound on what the generation cannot see (a change made with a bulk update): older
# figures are shown while the worker computes them again.
MAX_AGE = datetime.timedelta(minutes=15)
# How long a process waits before asking the worker again for the same figures, should
# the run it asked for have failed.
ASKED_TIMEOUT = 5 * 60
REFRESH_TASK = "samverkan.effects.tasks.refresh_figures"
REFRESH_DELAY = datetime.timedelta(minutes=1)
REFRESH_DEFAULT_TASK = "samverkan.effects.tasks.refresh_default_figures"
# The apps whose records the indicators count.
APPS = frozenset(
    {"orgs", "inquiries", "collaborations", "agreements", "needs", "strategy", "register"}
)
# And the models of other apps they read: the expected effects and the parameters.
MODELS = frozenset({"expectedeffect", "parameter"})


def generation() -> int:
    return generations.read(GENERATION_KEY)


def _bump() -> None:
    generations.bump(GENERATION_KEY)
    # The default dashboard is computed again by the worker, once for however many
    # changes commit before it starts: at most once a REFRESH_DELAY, so that a steady
    # stream of changes costs the worker a bounded share of its time.
    enqueue_once(REFRESH_DEFAULT_TASK, delay=REFRESH_DELAY)


def changed() -> None:
    """Data the indicators read changed: take a new generation when it commits."""
    if connection.in_atomic_block:
        # Once per transaction (or savepoint), however many records it saves.
        current = set(connection.savepoint_ids)
        for entry in connection.run_on_commit:
            if entry[1] is _bump and entry[0] == current:
                return
    # Robust: the change is saved whatever befalls the figures; a failure is logged.
    transaction.on_commit(_bump, robust=True)


@dataclass(frozen=True)
class Filters:
    """What a set of figures answers for, as stored: the period, with an end of None for
    one that runs to today (so that the default period keeps its figures from one day to
    the next), the committee's and centre's ids, the kind and the interval."""

    start: datetime.date
    end: datetime.date | None
    committee: int | None = None
    centre: int | None = None
    kind: str = ""
    interval: str = Interval.QUARTER

    @classmethod
    def of(cls, scope: Scope, interval: str) -> "Filters":
        return cls(
            scope.start,
            None if scope.end == scope.today else scope.end,
            scope.committee.pk if scope.committee else None,
            scope.centre.pk if scope.centre else None,
            scope.kind,
            str(interval),  # the plain value, so that the key does not depend on its type
        )

    @classmethod
    def default(cls) -> "Filters":
        """The filters of the dashboard's first page (and of invalid ones)."""
        start, end = default_period()
        return cls.of(Scope(start, end), Interval.QUARTER)

    def args(self) -> list[Any]:
        """The filters as a task's arguments (JSON)."""
        return [
            self.start.isoformat(),
            self.end.isoformat() if self.end else None,
            self.committee,
            self.centre,
            self.kind,
            self.interval,
        ]

    @classmethod
    def from_args(cls, args: list[Any]) -> "Filters":
        start, end, committee, centre, kind, interval = args
        return cls(
            datetime.date.fromisoformat(start),
            datetime.date.fromisoformat(end) if end else None,
            committee,
            centre,
            kind,
            interval,
        )

    def scope(self) -> Scope:
        today = timezone.localdate()
        return Scope(
            self.start,
            self.end or today,
            committee=Committee.objects.get(pk=self.committee) if self.committee else None,
            centre=Centre.objects.get(pk=self.centre) if self.centre else None,
            kind=self.kind,
            today=today,
        )

    def key(self, language: str) -> str:
        digest = hashlib.sha256(repr((self.args(), language)).encode()).hexdigest()[:32]
        return f"effects:figures:{_shape()}:{digest}"


@dataclass
class Figures:
    """The dashboard's indicators for one set of filters, as computed at a generation."""

    groups: list[EffectGroup]
    generation: int
    computed_at: datetime.datetime
    today: datetime.date
    # Shown while newer figures are on their way.
    stale: bool = False

    def is_current(self, current_generation: int, today: datetime.date) -> bool:
        return (
            self.generation == current_generation
            and self.today == today
            and timezone.now() - self.computed_at < MAX_AGE
        )


@functools.cache
def _shape() -> str:
    """The fields of what is stored: figures that an earlier version of the code stored
    with other fields are never read (the shared cache outlives a deployment)."""
    classes = (Figures, EffectGroup, Result, Table, Row, Column, Figure)
    text = repr([(c.__qualname__, [f.name for f in dataclasses.fields(c)]) for c in classes])
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def _stored(key: str) -> Figures | None:
    try:
        figures = caches["default"].get(key)
    except Exception:  # figures no longer readable (a class moved): computed again
        logger.warning("Unreadable dashboard figures under %s", key, exc_info=True)
        return None
    return figures if isinstance(figures, Figures) else None


def _compute(filters: Filters, scope: Scope, language: str, current: int) -> Figures:
    """Compute and store the figures; `current` is the generation read before, so that a
    change while they are computed leaves them stale."""
    computed_at = timezone.now()
    figures = Figures(compute_all(scope, filters.interval), current, computed_at, scope.today)
    caches["default"].set(filters.key(language), figures, TIMEOUT)
    return figures


def figures_for(scope: Scope, interval: str) -> Figures:
    """The dashboard's figures for the scope: current ones when there are, else the latest
    (stale, with a computation asked of the worker), else computed here."""
    filters = Filters.of(scope, interval)
    language = get_language() or settings.LANGUAGE_CODE
    key = filters.key(language)
    current = generation()
    local_key = f"{key}:{current}"
    figures: Figures | None = caches["local"].get(local_key)
    if figures is not None and figures.is_current(current, scope.today):
        return figures
    figures = _stored(key)
    if figures is None:
        figures = _compute(filters, scope, language, current)
        caches["local"].set(local_key, figures, int(MAX_AGE.total_seconds()))
        return figures
    if figures.is_current(current, scope.today):
        caches["local"].set(local_key, figures, int(MAX_AGE.total_seconds()))
        return figures
    figures.stale = True
    # A burst of views asks once per process; the queue keeps one waiting run among them.
    if caches["local"].add(f"{local_key}:asked", True, ASKED_TIMEOUT):
        enqueue_once(REFRESH_TASK, filters.args(), language)
    return figures


def refresh(filters: Filters, language: str) -> bool:
    """Compute and store the figures for the filters unless they are current (another run
    got there first); True when they were computed."""
    with translation.override(language):
        try:
            scope = filters.scope()
        except (Committee.DoesNotExist, Centre.DoesNotExist):
            return False  # removed since: nobody can ask for these figures again
        current = generation()
        stored = _stored(filters.key(language))
        if stored is not None and stored.is_current(current, scope.today):
            return False
        _compute(filters, scope, language, current)
    return True


def refresh_default() -> int:
    """Compute the default dashboard again in every language; the number computed."""
    filters = Filters.default()
    return sum(refresh(filters, language) for language, _name in settings.LANGUAGES)
