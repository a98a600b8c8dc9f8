import datetime
import logging
import tempfile

from django.conf import settings
from django.core.files import File
from django.core.mail import get_connection, send_mail
from django.db.models import F, Q
from django.utils import timezone, translation
from django_tasks import task

from .exports import export_filename, rebuild, write_xlsx
from .models import Infrastructure, ListExport, OutboundEmail
from .periodic import periodic_jobs
from .ratelimit import delete_expired_counters

logger = logging.getLogger(__name__)


# retry_delay() reaches its ceiling (six hours) at this many attempts.
EMAIL_MAX_BACKOFF_ATTEMPTS = 10


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
        OutboundEmail.objects.filter(pk=email.pk, status=OutboundEmail.Status.SENDING).update(
            status=status,
            last_error=f"{type(exc).__name__}: {exc}"[:500],
            claimed_at=None,
            updated_at=timezone.now(),
        )
        if failed:
            return "failed"
        run_after = timezone.now() + retry_delay(email.attempts)
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

    Two ways to get there: a worker died mid-send (claimed long ago), or a worker died
    while its task was marked running, so no retry was ever planned (pending and untouched
    for longer than the longest back-off). A duplicate task is harmless: only one claims.
    """
    now = timezone.now()
    claim_stale = now - datetime.timedelta(seconds=settings.EMAIL_CLAIM_TIMEOUT)
    forgotten = claim_stale - retry_delay(EMAIL_MAX_BACKOFF_ATTEMPTS)
    ids = list(
        OutboundEmail.objects.filter(
            Q(status=OutboundEmail.Status.SENDING, claimed_at__lt=claim_stale)
            | Q(status=OutboundEmail.Status.PENDING, updated_at__lt=forgotten)
        ).values_list("pk", flat=True)[:1000]
    )
    for email_id in ids:
        send_outbound_email.enqueue(email_id)
    return len(ids)


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
        counts["emails_requeued"] = requeue_stalled_emails()
        counts["rate_counters_deleted"] = delete_expired_counters()
        return counts
    finally:
        run_periodic_sweeps.using(run_after=timezone.now() + SWEEP_INTERVAL).enqueue()


def ensure_periodic_sweeps() -> bool:
    """Enqueue the sweep unless one is already waiting; True when one was added."""
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(
        task_path=run_periodic_sweeps.module_path, status="READY"
    ).exists()
    if not waiting:
        run_periodic_sweeps.enqueue()
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
