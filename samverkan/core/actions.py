"""Writes on the ground floor: confirming an assumption from the reference pack."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ListExport, Sourced
from .queue import enqueue_on_commit


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


@transaction.atomic
def do_request_list_export(
    actor: Any, source: str, query: str, filename: str, language: str
) -> ListExport:
    """Have the worker write a long list as a workbook for `actor`.

    `source` names the function that rebuilds the list for a person and the filters in
    `query`, so the file holds what that person may see when it is written.
    """
    export = ListExport.objects.create(
        requested_by=actor, source=source, query=query, filename=filename, language=language
    )
    enqueue_on_commit("samverkan.core.tasks.build_list_export", export.pk)
    return export
