"""Annual reports of the expected effects: asked for on the page, built by the worker."""

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from samverkan.accounts.models import READ_ALL_ROLES, User
from samverkan.core.queue import enqueue_on_commit

from . import export
from .indicators import Interval, Result, Scope, measured_indicators
from .models import Report

logger = logging.getLogger(__name__)


@transaction.atomic
def do_request_report(actor: User, scope: Scope, *, language: str, format: str) -> Report:
    """Queue a report for the period and filters; the worker builds it once this commits."""
    if not actor.has_role(*READ_ALL_ROLES):
        raise PermissionDenied
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(_("Choose Swedish or English."))
    if format not in Report.Format.values:
        raise ValidationError(_("Choose PDF or Excel."))
    report = Report.objects.create(
        requested_by=actor,
        period_start=scope.start,
        period_end=scope.end,
        committee=scope.committee,
        centre=scope.centre,
        kind=scope.kind,
        language=language,
        format=format,
    )
    enqueue_on_commit("samverkan.effects.tasks.build_report", report.pk)
    return report


def report_scope(report: Report) -> Scope:
    return Scope(
        start=report.period_start,
        end=report.period_end,
        committee=report.committee,
        centre=report.centre,
        kind=report.kind,
    )


def report_results(
    scope: Scope, progress: Callable[[int], None] | None = None
) -> list[tuple[Result, Result | None]]:
    """Each indicator the pack names, by quarter, and by year too when the period spans
    several years."""
    several_years = scope.start.year != scope.end.year
    results = []
    indicators = measured_indicators()
    for done, indicator in enumerate(indicators, start=1):
        by_quarter = indicator.compute(scope, Interval.QUARTER)
        by_year = indicator.compute(scope, Interval.YEAR) if several_years else None
        results.append((by_quarter, by_year))
        if progress is not None:
            progress(90 * done // len(indicators))
    return results


def run_report(report_id: int) -> str:
    """Build one queued report, in its own language, and store the file with it.

    Runs in the worker, outside any request: each step commits on its own, so the page
    that polls sees the progress. A failure is recorded on the report, then re-raised
    for the worker's log.
    """
    with transaction.atomic():
        report = (
            Report.objects.select_for_update(of=("self",))
            .select_related("committee", "centre", "requested_by")
            .filter(pk=report_id)
            .first()
        )
        if report is None or report.status != Report.Status.QUEUED:
            return "skipped"
        report.status = Report.Status.RUNNING
        report.started_at = timezone.now()
        report.save(update_fields=["status", "started_at", "updated_at"])

    def progress(percent: int) -> None:
        Report.objects.filter(pk=report_id).update(progress=percent)

    try:
        with translation.override(report.language):
            scope = report_scope(report)
            results = report_results(scope, progress)
            generated_at = timezone.now()
            if report.format == Report.Format.XLSX:
                content = export.xlsx_bytes(results, scope, generated_at)
            else:
                content = export.pdf_bytes(results, scope, generated_at)
    except Exception as error:
        logger.exception("Effects report %s failed", report_id)
        Report.objects.filter(pk=report_id).update(
            status=Report.Status.FAILED,
            error=f"{type(error).__name__}: {error}"[:500],
            finished_at=timezone.now(),
        )
        raise
    report.file.save(report.filename, ContentFile(content), save=False)
    report.status = Report.Status.DONE
    report.progress = 100
    report.finished_at = timezone.now()
    report.save(update_fields=["file", "status", "progress", "finished_at", "updated_at"])
    return "done"
