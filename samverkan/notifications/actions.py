"""Telling people what happened, in the app and by e-mail, as each of them prefers."""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from samverkan.accounts.models import User
from samverkan.core.email import queue_email, queue_emails
from samverkan.core.models import ReminderLog

from .models import CalendarFeed, Delivery, Event, Notification, Preference


def notify(
    users: Iterable[User], event: str, title: str, url: str = "", *, body: str = ""
) -> list[Notification]:
    """Record a notification for each user and e-mail those who want it at once.

    Call inside the action's transaction: the e-mails leave when it commits.
    """
    recipients = {u.pk: u for u in users if u.is_active}
    if not recipients:
        return []
    chosen = dict(
        Preference.objects.filter(user_id__in=recipients, event=event).values_list(
            "user_id", "delivery"
        )
    )
    notifications = []
    for user_id in recipients:
        delivery = chosen.get(user_id, Delivery.IMMEDIATELY)
        notifications.append(
            Notification(
                user_id=user_id,
                event=event,
                title=title[:250],
                url=url,
                digest_pending=delivery == Delivery.DIGEST,
            )
        )
    created = Notification.objects.bulk_create(notifications)
    # One e-mail to everyone who wants it at once: rendered and stored once for all.
    queue_emails(
        [
            user.email
            for user_id, user in recipients.items()
            if chosen.get(user_id, Delivery.IMMEDIATELY) == Delivery.IMMEDIATELY and user.email
        ],
        "notifications/email/notification.txt",
        {
            "title": title,
            "body": body,
            "url": settings.SITE_URL + url if url else "",
            "site_url": settings.SITE_URL,
        },
        settings.LANGUAGE_CODE,
    )
    return created


@transaction.atomic
def do_set_preferences(user: User, choices: dict[str, str]) -> None:
    for event, delivery in choices.items():
        if event in Event.values and delivery in Delivery.values:
            Preference.objects.update_or_create(
                user=user, event=event, defaults={"delivery": delivery}
            )


@transaction.atomic
def do_mark_read(user: User, notification_ids: Iterable[int] | None = None) -> int:
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    return unread.update(read_at=timezone.now())


def calendar_feed_for(user: User) -> CalendarFeed:
    feed, _ = CalendarFeed.objects.get_or_create(user=user)
    return feed


@transaction.atomic
def do_renew_calendar_token(user: User) -> CalendarFeed:
    """A new secret address; the old one stops working at once."""
    from .models import new_calendar_token

    feed = calendar_feed_for(user)
    feed.token = new_calendar_token()
    feed.save(update_fields=["token"])
    return feed


def send_digests(today: datetime.date) -> int:
    """One e-mail per user with what they chose to receive as a daily digest."""
    user_ids = (
        Notification.objects.filter(digest_pending=True)
        .values_list("user_id", flat=True)
        .distinct()
    )
    sent = 0
    for user in User.objects.filter(pk__in=list(user_ids), is_active=True).exclude(email=""):
        try:
            with transaction.atomic():
                ReminderLog.objects.create(key=f"digest:{user.pk}:{today}")
        except IntegrityError:
            continue  # today's digest is already out; the rest waits for tomorrow's
        with transaction.atomic():
            pending = list(Notification.objects.filter(user=user, digest_pending=True))
            queue_email(
                user.email,
                "notifications/email/digest.txt",
                {
                    "notifications": pending,
                    "site_url": settings.SITE_URL,
                },
                settings.LANGUAGE_CODE,
            )
            Notification.objects.filter(pk__in=[n.pk for n in pending]).update(digest_pending=False)
        sent += 1
    return sent
