from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from samverkan.core.models import WorkerFile

from .querysets import RegisterEntryQuerySet


class RegisterEntry(models.Model):
    """The public projection of one collaboration: only public fields are ever copied here,
    so every public channel (pages, exports, feed, API) reads this table and nothing else."""

    class State(models.TextChoices):
        PREVIEW = "preview", _("Preview for the parties")
        PUBLISHED = "published", _("Published")
        WITHDRAWN = "withdrawn", pgettext_lazy("register entry", "Withdrawn")

    collaboration = models.OneToOneField(
        "collaborations.Collaboration", on_delete=models.CASCADE, related_name="register_entry"
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    preview_until = models.DateField(_("correction period ends"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    changed_at = models.DateTimeField(_("last changed"), null=True, blank=True)

    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    kind = models.CharField(_("kind"), max_length=30)
    status = models.CharField(_("status"), max_length=20)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    parties_text = models.TextField(_("infrastructure parties"), blank=True)
    companies_text = models.TextField(_("companies"), blank=True)
    organisations = models.ManyToManyField(
        "orgs.Organisation", verbose_name=_("parties"), blank=True, related_name="register_entries"
    )
    committees = models.ManyToManyField(
        "orgs.Committee", verbose_name=_("committees"), blank=True, related_name="register_entries"
    )
    centres = models.ManyToManyField(
        "orgs.Centre",
        verbose_name=_("regional centres"),
        blank=True,
        related_name="register_entries",
    )
    goals = models.ManyToManyField(
        "strategy.Goal", verbose_name=_("goals"), blank=True, related_name="register_entries"
    )
    funding = models.JSONField(_("joint funding"), default=list, blank=True)
    withheld = models.JSONField(
        _("withheld fields"),
        default=dict,
        blank=True,
        help_text=_("Public field → the reason category it is withheld for."),
    )
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawal_reason = models.TextField(_("reason for the withdrawal"), blank=True)
    search_document = models.TextField(editable=False, blank=True)

    objects = RegisterEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("register entry")
        verbose_name_plural = _("register entries")
        ordering = ["-published_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "published_at"]),
            models.Index(fields=["state", "kind"]),
            models.Index(fields=["state", "status"]),
            models.Index(fields=["state", "year"]),
            models.Index(fields=["state", "title"]),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("register:entry", args=[self.collaboration_id])

    @property
    def is_public(self) -> bool:
        return self.state in {self.State.PUBLISHED, self.State.WITHDRAWN}


class RegisterChange(models.Model):
    """A change to a published entry, shown with its date."""

    entry = models.ForeignKey(RegisterEntry, on_delete=models.CASCADE, related_name="changes")
    changed_at = models.DateTimeField(_("changed"), auto_now_add=True)
    fields = models.JSONField(_("fields"), default=list)

    class Meta:
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.entry_id} {self.changed_at:%Y-%m-%d}"


class RegisterTerm(models.Model):
    """The register's vocabulary, for finding a word despite a typo ("Upsala")."""

    term = models.CharField(max_length=100, unique=True)

    def __str__(self) -> str:
        return self.term


class CorrectionRequest(models.Model):
    """A party asks for a correction during the preview period."""

    collaboration = models.ForeignKey(
        "collaborations.Collaboration", on_delete=models.CASCADE, related_name="corrections"
    )
    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("for"), on_delete=models.PROTECT, related_name="+"
    )
    requested_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_by_contact = models.ForeignKey(
        "orgs.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.TextField(_("what should be corrected"))
    created_at = models.DateTimeField(_("asked"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        verbose_name = _("correction request")
        verbose_name_plural = _("correction requests")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.collaboration_id}: {self.text[:40]}"


class RegisterConfirmation(models.Model):
    """A party confirms the preview of its entry, signed in or through its personal link."""

    collaboration = models.ForeignKey(
        "collaborations.Collaboration",
        on_delete=models.CASCADE,
        related_name="register_confirmations",
    )
    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("for"), on_delete=models.PROTECT, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_by_contact = models.ForeignKey(
        "orgs.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed"), auto_now_add=True)

    class Meta:
        verbose_name = _("register confirmation")
        verbose_name_plural = _("register confirmations")
        constraints = [
            models.UniqueConstraint(
                fields=["collaboration", "organisation"], name="unique_register_confirmation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.collaboration_id}: {self.organisation_id}"


class RegisterWorkbook(WorkerFile):
    """The whole register as an Excel workbook, written by the worker and served to every
    visitor until the register changes (its generation, see register.cache)."""

    generation = models.BigIntegerField(_("register generation"))
    rows = models.PositiveIntegerField(_("rows"), default=0)
    file = models.FileField(_("file"), upload_to="register/workbooks/", blank=True)

    class Meta:
        verbose_name = _("register workbook")
        verbose_name_plural = _("register workbooks")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.generation} ({self.get_status_display()})"
