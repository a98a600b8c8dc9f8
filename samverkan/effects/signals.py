"""Upkeep of the dashboard's cache: a change to what the indicators count invalidates it."""

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save

from . import cache


def record_changed(sender: Any, **kwargs: Any) -> None:
    meta = getattr(sender, "_meta", None)
    if meta is not None and meta.app_label in cache.APPS:
        cache.changed()


def connect() -> None:
    for signal in (post_save, post_delete, m2m_changed):
        signal.connect(record_changed, dispatch_uid=f"effects-cache-{signal!r}")
