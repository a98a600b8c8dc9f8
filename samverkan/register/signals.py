"""Upkeep of the register's cache: any change to an entry invalidates what was cached, and
so does a change to the infrastructure, whose name the cached pages show."""

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save

from samverkan.core.models import Infrastructure

from . import cache
from .models import RegisterEntry


def entry_changed(sender: Any, **kwargs: Any) -> None:
    cache.changed()


def connect() -> None:
    post_save.connect(entry_changed, sender=RegisterEntry, dispatch_uid="register-cache-save")
    post_delete.connect(entry_changed, sender=RegisterEntry, dispatch_uid="register-cache-del")
    post_save.connect(entry_changed, sender=Infrastructure, dispatch_uid="register-cache-infra")
    for field in ("organisations", "committees", "centres", "goals"):
        m2m_changed.connect(
            entry_changed,
            sender=getattr(RegisterEntry, field).through,
            dispatch_uid=f"register-cache-{field}",
        )
