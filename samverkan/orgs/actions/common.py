"""What every network action shares: who may write, and locking a row at the version
the person saw."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models

from samverkan.accounts.models import STAFF_ROLES, Role, User


def require_network_writer(actor: User) -> None:
    """Coordinators and administrators keep the network; everyone else only reads it."""
    if not actor.has_role(*STAFF_ROLES):
        raise PermissionDenied


def _lock(model: type[models.Model], pk: int, expected_version: int | None) -> Any:
    obj: Any = model._default_manager.select_for_update().get(pk=pk)
    obj.check_version(expected_version)
    return obj


def _is_staff_user(user: User) -> bool:
    return user.is_active and user.role != Role.COMPANY
