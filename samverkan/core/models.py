import re
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.db.models.fields.files import FieldFile


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
    # When it is due to be sent (again): a pending message long past this has lost its task.
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)

    class Meta:
        verbose_name = _("outbound e-mail")
        verbose_name_plural = _("outbound e-mails")
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} ({self.get_status_display()})"


class Sourced(models.Model):
    """A fact from the reference pack: where it comes from, and whether it is an assumption
    that someone at the infrastructure has yet to confirm.

    Loading the pack again sets `source` and `assumed` but never the confirmation, so a fact
    confirmed in the admin stays confirmed.
    """

    source = models.CharField(
        _("source"), max_length=300, blank=True, help_text=_("Where this fact comes from.")
    )
    assumed = models.BooleanField(
        _("assumed"),
        default=False,
        help_text=_("Not found in the sources: an assumption the infrastructure must confirm."),
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def awaits_confirmation(self) -> bool:
        """An assumption nobody at the infrastructure has confirmed yet."""
        return self.assumed and self.confirmed_at is None


# The infrastructure row, read at most once per request: InfrastructureMiddleware opens the
# cache when a request starts and drops it when it ends, so nothing outlives a request and
# an edit in the admin shows on the next request of every process.
_request_infrastructure: ContextVar["Infrastructure | None"] = ContextVar(
    "request_infrastructure", default=None
)
_in_request: ContextVar[bool] = ContextVar("in_request", default=False)


class Infrastructure(models.Model):
    """The infrastructure that runs this platform: one row, filled from the reference pack
    and edited in the admin. Pages, e-mails, exports and the API take its names from here."""

    name_sv = models.CharField(_("name (Swedish)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    short_name = models.CharField(
        _("short name"), max_length=40, blank=True, help_text=_("As in running text.")
    )
    description_sv = models.TextField(_("description (Swedish)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    website = models.URLField(_("website"), blank=True)
    contact_email = models.EmailField(_("contact address"), blank=True)
    email_from = models.CharField(
        _("e-mail sender"),
        max_length=200,
        blank=True,
        help_text=_("The From of every e-mail, such as 'Samverkan <samverkan@example.org>'."),
    )
    logo = models.CharField(
        _("logo"),
        max_length=300,
        blank=True,
        help_text=_("The path of an image under static/, such as img/logo.svg."),
    )
    reference_prefix = models.SlugField(
        _("reference prefix"),
        max_length=12,
        default="REF",
        help_text=_("Inquiry references look like PREFIX-2026-00042."),
    )
    centre_label_sv = models.CharField(_("regional centre (Swedish)"), max_length=80, blank=True)
    centre_label_en = models.CharField(_("regional centre (English)"), max_length=80, blank=True)
    centres_label_sv = models.CharField(_("regional centres (Swedish)"), max_length=80, blank=True)
    centres_label_en = models.CharField(_("regional centres (English)"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("infrastructure")
        verbose_name_plural = _("infrastructure")

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        _request_infrastructure.set(None)

    @classmethod
    def current(cls) -> "Infrastructure":
        """The stored row, or a neutral stand-in before any reference pack is loaded."""
        cached = _request_infrastructure.get()
        if cached is not None:
            return cached
        row = cls.objects.order_by("pk").first() or cls(
            name_sv="Infrastrukturen", name_en="The infrastructure"
        )
        if _in_request.get():
            _request_infrastructure.set(row)
        return row

    @property
    def name(self) -> str:
        return localized(self, "name")

    @property
    def short(self) -> str:
        """The name as running text uses it: the short name when there is one."""
        return self.short_name or self.name

    @property
    def description(self) -> str:
        return localized(self, "description")

    @property
    def centre_label(self) -> str:
        return localized(self, "centre_label") or str(_("Regional centre"))

    @property
    def centres_label(self) -> str:
        return localized(self, "centres_label") or str(_("Regional centres"))

    @property
    def sender(self) -> str:
        """The From of the platform's e-mails."""
        return self.email_from or settings.DEFAULT_FROM_EMAIL

    @property
    def prefix(self) -> str:
        """The prefix of inquiry references; the setting, when set, overrides the pack."""
        return settings.INQUIRY_REFERENCE_PREFIX or self.reference_prefix

    def terms(self, stored: list[Any] | None = None) -> list[str]:
        """The words a communication must contain to name the infrastructure (the pack's
        `rules: communication: must_name`, or `stored` when already read), else its names."""
        if stored is None:
            row = Parameter.objects.filter(key="communication_must_name").first()
            stored = row.value if row else []
        words = [str(t) for t in stored or [] if str(t).strip()]
        return words or [w for w in (self.short_name, self.name_sv, self.name_en) if w]

    def is_named_in(self, *texts: str) -> bool:
        """True when one of the texts names the infrastructure as a word of its own."""
        pattern = re.compile(
            r"(?<!\w)(?:"
            + "|".join(r"\s+".join(map(re.escape, t.split())) for t in self.terms())
            + r")(?!\w)",
            re.IGNORECASE,
        )
        return any(pattern.search(text or "") for text in texts)


class RateCounter(models.Model):
    """Requests one client made in one time window (see samverkan.core.ratelimit)."""

    key = models.CharField(max_length=100, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"


class Generation(models.Model):
    """A number that changes whenever some cached figures or pages go stale (see
    samverkan.core.generations): one row per cache, bumped by one UPDATE."""

    key = models.CharField(max_length=50, primary_key=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.value}"


class WorkerFile(TimeStampedModel):
    """A file the worker builds for someone and keeps for download: its status, why it
    failed and when it was done. Each kind has its own `file` field (its own folder)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being prepared")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    error = models.CharField(_("error"), max_length=500, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    file: "FieldFile"

    class Meta:
        abstract = True

    @property
    def is_pending(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.RUNNING}

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.DONE and bool(self.file)


class ListExport(WorkerFile):
    """A long list as an Excel workbook, written by the worker and kept for the person who
    asked for it (see samverkan.core.exports)."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    # The dotted path of the function that rebuilds the list for the person and filters.
    source = models.CharField(_("list"), max_length=200)
    query = models.TextField(_("filters"), blank=True)
    filename = models.CharField(_("file name"), max_length=100)
    language = models.CharField(_("language"), max_length=10, default="sv")
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows written"), default=0)
    file = models.FileField(_("file"), upload_to="exports/%Y/", blank=True)

    class Meta:
        verbose_name = _("list export")
        verbose_name_plural = _("list exports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("core:export", args=[self.pk])

    @property
    def progress(self) -> int:
        """Per cent of the rows written."""
        if not self.rows_total:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, self.rows_done * 100 // self.rows_total)


class OrderedRule(Sourced):
    """A rule of the reference pack shown in the pack's order, in both languages: a gate,
    a priority criterion, an agreement principle, an expected effect."""

    slug = models.SlugField(_("identifier"), unique=True)
    text_sv = models.CharField(_("text (Swedish)"), max_length=300)
    text_en = models.CharField(_("text (English)"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        abstract = True
        ordering = ["order", "slug"]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        return localized(self, "text")


class Parameter(Sourced):
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
        "answer_target_working_days": 10,
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
