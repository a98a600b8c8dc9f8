"""The dashboard's indicators, computed once per set of filters until the data changes.

Any saved or deleted record of the apps the indicators read takes a new generation (once
per transaction, when it commits), so the next view computes afresh.
"""

import hashlib

from django.core.cache import caches
from django.db import connection, transaction
from django.utils.translation import get_language

from samverkan.core import generations

from .indicators import EffectGroup, Scope, compute_all

GENERATION_KEY = "effects:generation"
# A bound on what the generation cannot see (a change made with a bulk update).
TIMEOUT = 15 * 60
# The apps whose records the indicators count.
APPS = frozenset(
    {"orgs", "inquiries", "collaborations", "agreements", "needs", "strategy", "register"}
)


def generation() -> int:
    return generations.read(GENERATION_KEY)


def _bump() -> None:
    generations.bump(GENERATION_KEY)


def changed() -> None:
    """Data the indicators read changed: drop the cached figures when it commits."""
    if connection.in_atomic_block:
        # Once per transaction (or savepoint), however many records it saves.
        current = set(connection.savepoint_ids)
        for entry in connection.run_on_commit:
            if entry[1] is _bump and entry[0] == current:
                return
    transaction.on_commit(_bump)


def indicators(scope: Scope, interval: str) -> list[EffectGroup]:
    """compute_all(), from the cache when the same filters were asked for since the data
    last changed."""
    parts = (
        scope.start,
        scope.end,
        scope.committee.pk if scope.committee else None,
        scope.centre.pk if scope.centre else None,
        scope.kind,
        scope.today,
        interval,
        get_language(),
    )
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    key = f"effects:indicators:{generation()}:{digest}"
    groups: list[EffectGroup] | None = caches["local"].get(key)
    if groups is None:
        groups = compute_all(scope, interval)
        caches["local"].set(key, groups, TIMEOUT)
    return groups
