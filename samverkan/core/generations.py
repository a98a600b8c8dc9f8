"""Generation numbers for caches that many processes share: each cache keys what it
stores by its generation, and a change takes a new one, so every process computes afresh.

One row per cache in the database: reading is one SELECT and a change one UPDATE, where
the database cache backend takes five statements to store a value. The numbers are
times in nanoseconds, so a number never comes back after a rolled-back change.
"""

import time

from .models import Generation


def read(key: str) -> int:
    value = Generation.objects.filter(key=key).values_list("value", flat=True).first()
    if value is None:
        value = Generation.objects.get_or_create(key=key, defaults={"value": time.time_ns()})[
            0
        ].value
    return int(value)


def bump(key: str) -> None:
    """Take a new generation for `key`."""
    value = time.time_ns()
    if not Generation.objects.filter(key=key).update(value=value):
        Generation.objects.update_or_create(key=key, defaults={"value": value})
