"""The register as rows for its downloads (CSV, JSON, Excel), read in chunks.

The whole register's workbook is written by the worker and kept until the register
changes; a visitor's download of it is then a file, however many entries there are.
"""

from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from samverkan.core.exports import Column
from samverkan.core.queue import enqueue_once
from samverkan.orgs.models import Committee

from . import cache as register_cache
from .models import RegisterEntry, RegisterWorkbook

EXPORT_COLUMNS = [
    "id",
    "title",
    "summary",
    "kind",
    "status",
    "start_date",
    "end_date",
    "infrastructure_parties",
    "companies",
    "committees",
    "centres",
    "goals",
    "funding_applied",
    "funding_granted",
    "published_at",
    "changed_at",
    "url",
    # Added last, so that readers of the earlier columns by position are not misled.
    "state",
    "withdrawn_at",
    "withdrawal_reason",
]
# The workbook's columns carry the same names as the CSV's and the JSON's keys.
WORKBOOK_COLUMNS = [Column(name, name) for name in EXPORT_COLUMNS]
WORKBOOK_NAME = "samverkan-register"
CHUNK = 500


def whole_register_workbook() -> RegisterWorkbook | None:
    """The latest workbook of the whole register, or None before the first. When the
    register has changed since, the worker is asked for a new one (one build however
    many ask) and this one serves meanwhile."""
    workbook = RegisterWorkbook.objects.filter(status=RegisterWorkbook.Status.DONE).first()
    if workbook is None or workbook.generation != register_cache.generation():
        transaction.on_commit(lambda: enqueue_once("samverkan.register.tasks.build_workbook"))
    return workbook


def workbook_filename(workbook: RegisterWorkbook) -> str:
    """Named by the day it was written, which may be before the latest change."""
    return f"{WORKBOOK_NAME}-{timezone.localdate(workbook.created_at).isoformat()}.xlsx"


def published_entries() -> QuerySet[RegisterEntry]:
    """The published entries and the stubs of the withdrawn ones, marked as withdrawn."""
    return RegisterEntry.objects.public().prefetch_related(
        Prefetch("committees", queryset=Committee.objects.order_by("name_sv")),
        "centres",
        "goals",
    )


def export_row(entry: RegisterEntry, base_url: str) -> dict[str, Any]:
    applied: dict[str, float] = {}
    granted: dict[str, float] = {}
    for item in entry.funding:
        applied[item["currency"]] = applied.get(item["currency"], 0) + float(item["applied"])
        granted[item["currency"]] = granted.get(item["currency"], 0) + float(item["granted"])
    return {
        "id": entry.collaboration_id,
        "state": entry.state,
        "title": entry.title,
        "summary": entry.summary,
        "kind": entry.kind,
        "status": entry.status,
        "start_date": entry.start_date.isoformat() if entry.start_date else "",
        "end_date": entry.end_date.isoformat() if entry.end_date else "",
        "infrastructure_parties": entry.parties_text,
        "companies": entry.companies_text,
        "committees": ", ".join(c.slug for c in entry.committees.all()),
        "centres": ", ".join(g.slug for g in entry.centres.all()),
        "goals": ", ".join(str(g.number) for g in entry.goals.all()),
        "funding_applied": "; ".join(f"{v:.2f} {k}" for k, v in sorted(applied.items())),
        "funding_granted": "; ".join(f"{v:.2f} {k}" for k, v in sorted(granted.items())),
        "published_at": entry.published_at.isoformat() if entry.published_at else "",
        "changed_at": entry.changed_at.isoformat() if entry.changed_at else "",
        "withdrawn_at": entry.withdrawn_at.isoformat() if entry.withdrawn_at else "",
        "withdrawal_reason": entry.withdrawal_reason,
        "url": base_url + entry.get_absolute_url(),
    }


def export_rows(entries: QuerySet[RegisterEntry], base_url: str) -> Iterator[dict[str, Any]]:
    """Every entry of the set in one pass over the rows, prefetching per chunk."""
    for entry in entries.iterator(chunk_size=CHUNK):
        yield export_row(entry, base_url)
