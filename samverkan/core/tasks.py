import datetime
import logging
import tempfile
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.mail import get_connection, send_mail
from django.db.models import F, Q
from django.utils import timezone, translation
from django_tasks import TaskResultStatus, task

from .exports import export_filename, rebuild, write_xlsx
from .models import Infrastructure, ListExport, OutboundEmail
from .periodic import periodic_jobs
from .ratelimit import delete_expired_counters

logger = logging.getLogger(__name__)


def retry_delay(attempts: int) -> datetime.timedelta:
    """Exponential back-off: 1, 2, 4 ... minutes, at most six hours."""
    return datetime.timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def claim_outbound_email(email_id: int) -> OutboundEmail | None:
    """Take one pending e-mail for this worker, or None when another has it or it is done.

    One conditional UPDATE, no lock held afterwards: a mail server that stalls must not
    keep a transaction (on SQLite, the whole database) waiting. A claim older than
    EMAIL_CLAIM_TIMEOUT belongs to a worker that died while sending, and is taken over.
    """
    now = timezone.now()
    stale = now - datetime.timedelta(seconds=settings.EMAIL_CLAIM_TIMEOUT)
    claimed = (
        OutboundEmail.objects.filter(pk=email_id)
        .filter(
            Q(status=OutboundEmail.Status.PENDING)
            | Q(status=OutboundEmail.Status.SENDING, claimed_at__lt=stale)
        )
        .update(
            status=OutboundEmail.Status.SENDING,
            claimed_at=now,
            attempts=F("attempts") + 1,
            updated_at=now,
        )
    )
    return OutboundEmail.objects.get(pk=email_id) if claimed else None


@task(queue_name="email")
def send_outbound_email(email_id: int) -> str:
    """Send one e-mail from the outbox; on failure keep it and try again later.

    Claimed in one short statement, sent outside any transaction with the SMTP timeout,
    and the outcome recorded in another short statement.
    """
    email = claim_outbound_email(email_id)
    if email is None:
        return "skipped"
    sender = Infrastructure.current().sender
    try:
        send_mail(
            email.subject,
            email.body,
            sender,
            [email.to],
            connection=get_connection(timeout=settings.EMAIL_TIMEOUT),
        )
    except Exception as exc:
        # The id and the error class only: the address is personal data.
        logger.warning(
            "E-mail %s failed on attempt %s: %s", email.pk, email.attempts, type(exc).__name__
        )
        failed = email.attempts >= settings.EMAIL_MAX_ATTEMPTS
        status = OutboundEmail.Status.FAILED if failed else OutboundEmail.Status.PENDING
        run_after = timezone.now() + retry_delay(email.attempts)
        OutboundEmail.objects.filter(pk=email.pk, status=OutboundEmail.Status.SENDING).update(
            status=status,
            last_error=f"{type(exc).__name__}: {exc}"[:500],
            claimed_at=None,
            next_attempt_at=run_after,
            updated_at=timezone.now(),
        )
        if failed:
            return "failed"
        # Should this enqueue be lost (the database gone, the worker killed), the outbox
        # sweep finds the message past its next attempt and queues it again.
        send_outbound_email.using(run_after=run_after).enqueue(email_id)
        return "retry"
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=OutboundEmail.Status.SENT,
        sent_at=timezone.now(),
        last_error="",
        claimed_at=None,
        updated_at=timezone.now(),
    )
    return "sent"


@task(queue_name="email")
def send_outbound_emails(email_ids: list[int]) -> list[str]:
    """Send several e-mails from the outbox, one after the other (one task for a
    notification to many people); each failure is retried on its own."""
    return [send_outbound_email.call(email_id) for email_id in email_ids]


def requeue_stalled_emails() -> int:
    """Hand e-mails that no task will send back to the worker; how many.

    Two ways to get there: a worker died mid-send (claimed long ago), or the task meant to
    send a pending message was lost (its enqueue failed with the database, or its worker
    died before planning the retry): pending well past its next attempt, with no task
    waiting for it. A duplicate task is harmless: only one claims.
    """
    now = timezone.now()
    claim_stale = now - datetime.timedelta(seconds=settings.EMAIL_CLAIM_TIMEOUT)
    ids = list(
        OutboundEmail.objects.filter(
            Q(status=OutboundEmail.Status.SENDING, claimed_at__lt=claim_stale)
            | Q(status=OutboundEmail.Status.PENDING, next_attempt_at__lt=now - OUTBOX_GRACE)
        ).values_list("pk", flat=True)[:1000]
    )
    if not ids:
        return 0
    from django_tasks_db.models import DBTaskResult

    waiting = set(
        DBTaskResult.objects.filter(
            task_path=send_outbound_email.module_path,
            status=TaskResultStatus.READY,
            args_kwargs__args__0__in=ids,
        ).values_list("args_kwargs__args__0", flat=True)
    )
    lost = [email_id for email_id in ids if email_id not in waiting]
    for email_id in lost:
        send_outbound_email.enqueue(email_id)
    return len(lost)


# How long a due message may wait for its task before the sweep queues it again; how
# often the sweep looks.
OUTBOX_GRACE = datetime.timedelta(minutes=2)
OUTBOX_SWEEP_INTERVAL = datetime.timedelta(minutes=1)


@task(queue_name="email")
def sweep_outbox() -> int:
    """Queue again what no task will send, then plan the next look. It also restarts the
    periodic sweep should a dying worker have broken that chain, as that one restarts this."""
    try:
        return requeue_stalled_emails()
    finally:
        sweep_outbox.using(run_after=timezone.now() + OUTBOX_SWEEP_INTERVAL).enqueue()
        _ensure_waiting(run_periodic_sweeps)


SWEEP_INTERVAL = datetime.timedelta(hours=6)


@task()
def run_periodic_sweeps() -> dict[str, int]:
    """Run every app's periodic job, then plan the next sweep: the worker's own clock."""
    today = timezone.localdate()
    try:
        counts: dict[str, int] = {}
        for _name, job in periodic_jobs():
            counts.update(job(today))
        # Core's own housekeeping, after the apps' jobs.
        counts["rate_counters_deleted"] = delete_expired_counters()
        return counts
    finally:
        run_periodic_sweeps.using(run_after=timezone.now() + SWEEP_INTERVAL).enqueue()
        _ensure_waiting(sweep_outbox)


def _ensure_waiting(recurring: Any) -> bool:
    """Enqueue a recurring task unless a run of it is waiting; True when one was added."""
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(
        task_path=recurring.module_path, status=TaskResultStatus.READY
    ).exists()
    if not waiting:
        recurring.enqueue()
    return not waiting


@task()
def build_list_export(export_id: int) -> str:
    """Write a long list as a workbook for the person who asked, noting the rows written
    as it goes so that their page can show how far it has come."""
    rows_of = ListExport.objects.filter(pk=export_id)
    if not rows_of.filter(status=ListExport.Status.QUEUED).update(
        status=ListExport.Status.RUNNING, updated_at=timezone.now()
    ):
        return "skipped"
    export = ListExport.objects.select_related("requested_by").get(pk=export_id)
    try:
        with translation.override(export.language):
            rows, columns = rebuild(export.source, export.requested_by, export.query)
            rows_of.update(rows_total=rows.count())
            with tempfile.TemporaryFile() as file:
                write_xlsx(
                    rows,
                    columns,
                    export.filename,
                    file,
                    progress=lambda n: rows_of.update(rows_done=n),
                )
                file.seek(0)
                export.file.save(export_filename(export.filename, "xlsx"), File(file), save=False)
    except Exception as exc:
        logger.exception("List export %s failed", export_id)
        rows_of.update(
            status=ListExport.Status.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:500],
            finished_at=timezone.now(),
        )
        return "failed"
    total = ListExport.objects.values_list("rows_total", flat=True).get(pk=export_id)
    rows_of.update(
        status=ListExport.Status.DONE,
        file=export.file.name,
        rows_done=total,
        finished_at=timezone.now(),
    )
    return "done"


def ensure_periodic_sweeps() -> bool:
    """Enqueue the periodic sweep and the outbox sweep unless they are already waiting;
    True when the periodic sweep was added."""
    _ensure_waiting(sweep_outbox)
    return _ensure_waiting(run_periodic_sweeps)
