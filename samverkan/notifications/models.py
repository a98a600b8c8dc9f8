import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    """What people are told about, each to the roles that care."""

    NEW_INQUIRY = "new_inquiry", _("A new inquiry arrives")
    INQUIRY_ROUTED = "inquiry_routed", _("An inquiry is routed to my committee")
    INQUIRY_DECIDED = "inquiry_decided", _("My organisation's inquiry is decided")
    APPROVAL_REQUESTED = "approval_requested", _("A communication draft needs my approval")
    FOLLOW_UP_DUE = "follow_up_due", _("A follow-up is due")
    AGREEMENT_EXPIRING = "agreement_expiring", _("An agreement expires soon")


class Delivery(models.TextChoices):
    IMMEDIATELY = "immediately", _("E-mail at once")
    DIGEST = "digest", _("Daily digest")
    OFF = "off", _("Only here, no e-mail")


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.CharField(_("about"), max_length=30, choices=Event.choices)
    title = models.CharField(_("title"), max_length=250)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    digest_pending = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "read_at", "-created_at"]),
            models.Index(fields=["digest_pending", "user"]),
        ]

    def __str__(self) -> str:
        return self.title


class Preference(models.Model):
    """How one user wants one kind of notification; the default is e-mail at once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    event = models.CharField(_("about"), max_length=30, choices=Event.choices)
    delivery = models.CharField(_("delivery"), max_length=20, choices=Delivery.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "event"], name="unique_preference")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.event}: {self.delivery}"


def new_calendar_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """The secret address of a user's personal calendar of follow-ups and expiries."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=new_calendar_token)

    def __str__(self) -> str:
        return f"calendar of {self.user_id}"
