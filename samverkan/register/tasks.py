import logging
import tempfile

from django.conf import settings
from django.core.files import File
from django.utils import timezone
from django_tasks import task

from samverkan.core.exports import export_filename, write_xlsx

from . import cache as register_cache
from .exporting import (
    WORKBOOK_COLUMNS,
    WORKBOOK_NAME,
    export_rows,
    published_entries,
)
from .models import RegisterWorkbook

logger = logging.getLogger(__name__)


@task()
def build_workbook() -> str:
    """Write the whole register's workbook, unless one for the register as it is exists;
    the earlier workbooks go once the new one is ready."""
    generation = register_cache.generation()
    done = RegisterWorkbook.objects.filter(status=RegisterWorkbook.Status.DONE)
    if done.filter(generation=generation).exists():
        return "current"
    entries = published_entries()
    workbook = RegisterWorkbook.objects.create(
        generation=generation, status=RegisterWorkbook.Status.RUNNING, rows=entries.count()
    )
    try:
        with tempfile.TemporaryFile() as file:
            write_xlsx(
                export_rows(entries, settings.SITE_URL), WORKBOOK_COLUMNS, WORKBOOK_NAME, file
            )
            file.seek(0)
            workbook.file.save(export_filename(WORKBOOK_NAME, "xlsx"), File(file), save=False)
    except Exception as exc:
        logger.exception("The register workbook failed")
        RegisterWorkbook.objects.filter(pk=workbook.pk).update(
            status=RegisterWorkbook.Status.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:500],
            finished_at=timezone.now(),
        )
        return "failed"
    RegisterWorkbook.objects.filter(pk=workbook.pk).update(
        status=RegisterWorkbook.Status.DONE, file=workbook.file.name, finished_at=timezone.now()
    )
    for old in RegisterWorkbook.objects.exclude(pk=workbook.pk).filter(pk__lt=workbook.pk):
        old.file.delete(save=False)
        old.delete()
    return "done"
