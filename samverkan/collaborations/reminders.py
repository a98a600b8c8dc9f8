"""The daily sweep that reminds coordinators of expiring agreements and follow-ups, and
sends the parties without an account their links to answer a follow-up that falls due.

Idempotent: every reminder is logged under a key naming what it is about and the date
it concerns, so running the sweep twice, or in two workers at once, sends each only once.
"""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from samverkan.accounts.models import User
from samverkan.core.models import Parameter, ReminderLog
from samverkan.notifications.actions import notify
from samverkan.notifications.models import Event

from .actions import send_due_follow_up_links
from .models import FollowUp
from .scheduling import reminder_dates


def _once(key: str) -> bool:
    """Claim a reminder; False when it was already sent."""
    try:
        with transaction.atomic():
            ReminderLog.objects.create(key=key)
    except IntegrityError:
        return False
    return True


def _remind(user: User | None, event: str, title: str, url: str) -> None:
    if user is not None:
        notify([user], event, title, url)


def agreement_reminders(today: datetime.date) -> int:
    from samverkan.agreements.models import Agreement

    days = [int(d) for d in Parameter.get("agreement_reminder_days")]
    horizon = today + datetime.timedelta(days=max(days, default=0))
    agreements = Agreement.objects.filter(
        status=Agreement.Status.SIGNED, valid_to__gte=today, valid_to__lte=horizon
    ).select_related("responsible", "collaboration__responsible")
    sent = 0
    for agreement in agreements:
        if agreement.valid_to is None:  # excluded by the filter; keeps the type checker sure
            continue
        due = [d for d, when in reminder_dates(agreement.valid_to, days) if when <= today]
        if not due:
            continue
        # Only the nearest threshold: a late sweep does not send 90, 30 and 7 at once.
        threshold = min(due)
        key = f"agreement:{agreement.pk}:{agreement.valid_to}:{threshold}"
        if _once(key):
            recipient = agreement.responsible or agreement.collaboration.responsible
            _remind(
                recipient,
                Event.AGREEMENT_EXPIRING,
                _("The agreement “%(title)s” expires in %(days)s days")
                % {"title": agreement.title, "days": (agreement.valid_to - today).days},
                agreement.get_absolute_url(),
            )
            sent += 1
    return sent


def follow_up_reminders(today: datetime.date) -> tuple[int, int]:
    """Remind the coordinator of each follow-up due soon or overdue (again every
    `follow_up_overdue_repeat_days`), and with each reminder send the parties without an
    account their link to answer. Answers the reminders and the links sent."""
    before = int(Parameter.get("follow_up_reminder_days_before"))
    follow_ups = (
        FollowUp.objects.pending()
        .filter(Q(due_date__lte=today + datetime.timedelta(days=before)))
        .select_related("collaboration__responsible")
    )
    repeat = max(1, int(Parameter.get("follow_up_overdue_repeat_days")))
    sent = links = 0
    for follow_up in follow_ups:
        kind = "overdue" if follow_up.due_date < today else "due"
        key = f"follow_up:{follow_up.pk}:{follow_up.due_date}:{kind}"
        if kind == "overdue":
            # An overdue follow-up, such as the final one after an early ending, keeps being
            # reminded, once per period, until it is recorded.
            key += f":{(today - follow_up.due_date).days // repeat}"
        if _once(key):
            template = (
                _("Overdue follow-up: %(title)s (due %(date)s)")
                if kind == "overdue"
                else _("Follow-up due %(date)s: %(title)s")
            )
            _remind(
                follow_up.collaboration.responsible,
                Event.FOLLOW_UP_DUE,
                template % {"title": follow_up.collaboration.title, "date": follow_up.due_date},
                follow_up.get_absolute_url(),
            )
            sent += 1
            links += len(send_due_follow_up_links(follow_up))
    return sent, links


def send_due_reminders(today: datetime.date) -> dict[str, int]:
    agreements = agreement_reminders(today)
    follow_ups, links = follow_up_reminders(today)
    return {
        "agreements": agreements,
        "follow_ups": follow_ups,
        "follow_up_links": links,
    }
