"""Upkeep of the dashboard's cache: a change to what the indicators count invalidates it."""

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save

from . import cache


def record_changed(sender: Any, **kwargs: Any) -> None:
    meta = getattr(sender, "_meta", None)
    # The pack's expected effects group the figures and a parameter sets the answer
    # target; the annual reports are not counted.
    if meta is not None and (meta.app_label in cache.APPS or meta.model_name in cache.MODELS):
        cache.changed()


def connect() -> None:
    for signal in (post_save, post_delete, m2m_changed):
        signal.connect(record_changed, dispatch_uid=f"effects-cache-{signal!r}")
