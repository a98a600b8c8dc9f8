"""Writes on the ground floor: confirming an assumption from the reference pack."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Sourced


@transaction.atomic
def do_confirm_assumptions(actor: Any, facts: "QuerySet[Any]") -> int:
    """Record that someone at the infrastructure confirmed these assumed facts, and when.

    Facts already confirmed keep their first confirmation; the count says how many were
    confirmed now.
    """
    model = facts.model
    if not issubclass(model, Sourced):
        raise TypeError(f"{model.__name__} holds no assumptions")
    opts = model._meta
    if not actor.has_perm(f"{opts.app_label}.change_{opts.model_name}"):
        raise PermissionDenied(_("You may not confirm these facts."))
    return facts.filter(assumed=True, confirmed_at__isnull=True).update(
        confirmed_by=actor, confirmed_at=timezone.now()
    )
