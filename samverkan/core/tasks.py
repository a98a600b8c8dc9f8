import datetime
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from .models import Infrastructure, OutboundEmail

logger = logging.getLogger(__name__)


def retry_delay(attempts: int) -> datetime.timedelta:
    """Exponential back-off: 1, 2, 4 ... minutes, at most six hours."""
    return datetime.timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


@task(queue_name="email")
def send_outbound_email(email_id: int) -> str:
    """Send one e-mail from the outbox; on failure keep it and try again later."""
    with transaction.atomic():
        email = OutboundEmail.objects.select_for_update().filter(pk=email_id).first()
        if email is None or email.status != OutboundEmail.Status.PENDING:
            return "skipped"
        email.attempts += 1
        try:
            send_mail(email.subject, email.body, Infrastructure.current().sender, [email.to])
        except Exception as exc:
            # The id and the error class only: the address is personal data.
            logger.warning(
                "E-mail %s failed on attempt %s: %s",
                email.pk,
                email.attempts,
                type(exc).__name__,
            )
            email.last_error = f"{type(exc).__name__}: {exc}"[:500]
            if email.attempts >= settings.EMAIL_MAX_ATTEMPTS:
                email.status = OutboundEmail.Status.FAILED
            email.save(update_fields=["attempts", "last_error", "status", "updated_at"])
        else:
            email.status = OutboundEmail.Status.SENT
            email.sent_at = timezone.now()
            email.last_error = ""
            email.save(update_fields=["attempts", "last_error", "status", "sent_at", "updated_at"])
            return "sent"
    if email.status == OutboundEmail.Status.FAILED:
        return "failed"
    run_after = timezone.now() + retry_delay(email.attempts)
    send_outbound_email.using(run_after=run_after).enqueue(email_id)
    return "retry"


SWEEP_INTERVAL = datetime.timedelta(hours=6)


@task()
def run_periodic_sweeps() -> dict[str, int]:
    """Send due reminders, then plan the next sweep: the worker's own clock."""
    from samverkan.collaborations.reminders import send_due_reminders
    from samverkan.notifications.actions import send_digests
    from samverkan.privacy.actions import anonymise_old_declined_inquiries
    from samverkan.register.actions import publish_due_entries

    today = timezone.localdate()
    try:
        return {
            **send_due_reminders(today),
            "published": publish_due_entries(today),
            "digests": send_digests(today),
            "anonymised": anonymise_old_declined_inquiries(today),
        }
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
