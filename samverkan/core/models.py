from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class StaleRecordError(Exception):
    """Raised when a save is based on an older version of the record than the stored one."""


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class VersionedModel(models.Model):
    """A record people edit: every save bumps the version, so a stale form is refused."""

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        abstract = True

    def check_version(self, expected: int | None) -> None:
        if expected is not None and int(expected) != self.version:
            raise StaleRecordError(
                _(
                    "Someone else changed this record while you were working on it. "
                    "Reload the page to see their change, then make yours again."
                )
            )


def localized(obj: Any, field: str) -> str:
    """The Swedish or English variant of a bilingual field, for the active language."""
    lang = (get_language() or settings.LANGUAGE_CODE)[:2]
    value = getattr(obj, f"{field}_{lang}", "") or getattr(obj, f"{field}_sv", "")
    return str(value)


class BilingualName(models.Model):
    name_sv = models.CharField(_("name (Swedish)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self, "name")


class OutboundEmail(TimeStampedModel):
    """An e-mail the worker must send; kept so a failed send is retried, never lost."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    to = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=250)
    body = models.TextField(_("body"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # When a worker took it for sending; a claim that grows old is a worker that died.
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbound e-mail")
        verbose_name_plural = _("outbound e-mails")
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.subject} ({self.get_status_display()})"


class RateCounter(models.Model):
    """Requests one client made in one time window (see samverkan.core.ratelimit)."""

    key = models.CharField(max_length=100, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"


class Parameter(models.Model):
    """A tunable rule from the reference data, such as the follow-up cadence in months."""

    key = models.SlugField(_("key"), max_length=80, unique=True)
    value = models.JSONField(_("value"))
    description = models.CharField(_("description"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("parameter")
        verbose_name_plural = _("parameters")
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.key} = {self.value}"

    # Defaults used until the reference data sets a value.
    DEFAULTS: dict[str, object] = {
        "follow_up_interval_months": 6,
        "final_follow_up_days_after_end": 30,
        "follow_up_reminder_days_before": 7,
        "agreement_reminder_days": [90, 30, 7],
        "register_correction_days": 14,
        "declined_inquiry_retention_years": 3,
        "party_link_days": 14,
        "follow_up_overdue_repeat_days": 7,
        "register_withholdable_fields": [],
        "register_withholding_reasons": [],
        "communication_must_name": [],
        "score_levels": [],
    }

    @classmethod
    def get(cls, key: str) -> Any:
        row = cls.objects.filter(key=key).values_list("value", flat=True).first()
        return row if row is not None else cls.DEFAULTS[key]


class ReminderLog(models.Model):
    """A reminder that was sent, so the periodic sweep never sends the same one twice."""

    key = models.CharField(max_length=200, unique=True)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")

    def __str__(self) -> str:
        return self.key
