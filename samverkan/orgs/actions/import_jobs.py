"""Importing a file of organisations and contacts: upload, preview, confirm, then run
(in the worker when the file is large)."""

import datetime
import logging
import uuid
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samverkan.accounts.models import User
from samverkan.core.queue import enqueue_on_commit

from .. import importing
from ..models import (
    ImportJob,
)
from ..storage import PrivateImportStorage
from .common import (
    _lock,
    require_network_writer,
)

logger = logging.getLogger(__name__)


# --- Import -------------------------------------------------------------------------------

STALE_PREVIEW = datetime.timedelta(days=1)


def _storage() -> PrivateImportStorage:
    return PrivateImportStorage()


def _write_progress(job_id: int, done: int, total: int) -> None:
    path = _storage().progress_path(job_id)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.write_text(f"{done} {total}")


def import_progress(job: ImportJob) -> tuple[int, int] | None:
    """Rows written so far and in all, while the worker imports; None before it starts."""
    try:
        done, total = _storage().progress_path(job.pk).read_text().split()
        return int(done), int(total)
    except (OSError, ValueError):
        return None


def _finish(job: ImportJob) -> None:
    """Delete the uploaded file and the contact details the preview held; keep the rest."""
    if job.file:
        job.file.delete(save=False)
    _storage().progress_path(job.pk).unlink(missing_ok=True)
    job.preview = [
        {k: v for k, v in row.items() if k not in ("contact", "email")} for row in job.preview
    ]
    job.finished_at = timezone.now()
    job.version += 1
    job.save()


def _purge_stale_imports() -> None:
    """Previews nobody confirmed within a day are cancelled, and their files deleted."""
    cutoff = timezone.now() - STALE_PREVIEW
    for job in ImportJob.objects.filter(status=ImportJob.Status.PREVIEW, created_at__lt=cutoff):
        job.status = ImportJob.Status.CANCELLED
        _finish(job)


def do_start_import(actor: User, upload: UploadedFile) -> ImportJob:
    """Read an uploaded file and plan its import; nothing in the network changes yet."""
    require_network_writer(actor)
    name = upload.name or "import.csv"
    file = importing.open_file(upload, name)
    # Planned a chunk at a time: only the counts and the preview are kept.
    outline = importing.Outline()
    for chunk in importing.plan_chunks(importing.read_rows(file, name)):
        outline.add(chunk)
    if not outline.rows:
        raise ValidationError(_("The file has no rows under its headings."))
    job = ImportJob(
        created_by=actor,
        original_name=name[:255],
        row_count=outline.rows,
        preview=outline.preview,
        summary=outline.summary(),
    )
    # A random name: the person's file name says nothing the platform needs on disk.
    extension = PurePath(name).suffix.lower()
    file.seek(0)
    job.file.save(f"{uuid.uuid4().hex}{extension}", File(file), save=False)
    try:
        with transaction.atomic():
            job.save()
            _purge_stale_imports()
    except BaseException:
        job.file.delete(save=False)
        raise
    return job


def do_confirm_import(
    actor: User, job: ImportJob, *, expected_version: int | None = None
) -> ImportJob:
    """Import the previewed rows: now for a short file, in the worker for a long one."""
    require_network_writer(actor)
    with transaction.atomic():
        locked = _lock(ImportJob, job.pk, expected_version)
        if locked.status != ImportJob.Status.PREVIEW:
            raise ValidationError(_("This import is already confirmed or cancelled."))
        if not (locked.summary.get(importing.CREATE) or locked.summary.get(importing.UPDATE)):
            raise ValidationError(_("No row of the file can be imported."))
        locked.status = ImportJob.Status.QUEUED
        locked.version += 1
        locked.save(update_fields=["status", "version", "updated_at"])
        if locked.row_count > importing.WORKER_THRESHOLD:
            enqueue_on_commit("samverkan.orgs.tasks.run_import_job", locked.pk)
            return locked
    run_import(locked.pk)
    locked.refresh_from_db()
    return locked


@transaction.atomic
def do_cancel_import(
    actor: User, job: ImportJob, *, expected_version: int | None = None
) -> ImportJob:
    require_network_writer(actor)
    locked = _lock(ImportJob, job.pk, expected_version)
    if locked.status != ImportJob.Status.PREVIEW:
        raise ValidationError(_("This import is already confirmed or cancelled."))
    locked.status = ImportJob.Status.CANCELLED
    _finish(locked)
    return locked


class _PlanChanged(Exception):
    def __init__(self, outline: importing.Outline) -> None:
        super().__init__()
        self.outline = outline


def run_import(job_id: int) -> str:
    """Import a confirmed file in one transaction: every row, or nothing when one fails.

    The rows are planned again inside the transaction; when the database changed since
    the preview so that a row would now do something else, nothing is written and the
    new preview waits for confirmation."""
    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update(of=("self",))
            .select_related("created_by")
            .filter(pk=job_id)
            .first()
        )
        if job is None or job.status != ImportJob.Status.QUEUED:
            return "skipped"
        job.status = ImportJob.Status.RUNNING
        job.started_at = timezone.now()
        job.save(update_fields=["status", "started_at", "updated_at"])
    reason = _("Import of %(file)s (import %(id)s)") % {"file": job.original_name, "id": job.pk}
    try:
        with job.file.open("rb") as file, transaction.atomic():
            # Planned and written a chunk at a time, so memory holds one chunk of the
            # file; when the plan turns out to differ from the preview, the exception
            # rolls back what was written.
            outline = importing.Outline()
            writer = importing.Writer(
                actor=job.created_by,
                reason=reason,
                progress=lambda done, total: _write_progress(job_id, done, total),
                total=job.row_count,
            )
            try:
                for chunk in importing.plan_chunks(
                    importing.read_rows(file, job.original_name), written=writer.created
                ):
                    outline.add(chunk)
                    writer.write(chunk)
            finally:
                writer.close()
            if outline.summary()["signature"] != job.summary.get("signature"):
                raise _PlanChanged(outline)
            counts = writer.counts
    except _PlanChanged as changed:
        job.status = ImportJob.Status.PREVIEW
        job.preview = changed.outline.preview
        job.summary = changed.outline.summary()
        job.error = _(
            "The network changed after the preview, so nothing was imported. "
            "Check the new preview and confirm again."
        )
        job.version += 1
        job.save()
        return "changed"
    except Exception as error:
        logger.exception("Import %s failed", job_id)
        job.status = ImportJob.Status.FAILED
        job.error = _("The import failed and stored nothing (%(error)s).") % {
            "error": f"{type(error).__name__}: {error}"[:400]
        }
        _finish(job)
        return "failed"
    job.status = ImportJob.Status.DONE
    job.error = ""
    job.summary = {**job.summary, **counts}
    _finish(job)
    return "done"
