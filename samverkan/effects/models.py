from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from samverkan.core.choices import CollaborationKind
from samverkan.core.models import OrderedRule, WorkerFile

from .querysets import ReportQuerySet


class ExpectedEffect(OrderedRule):
    """An effect the infrastructure's strategy expects from industry collaboration, from the
    reference pack, with the indicators (by their id in `effects.indicators`) that measure it.

    Which effects exist and what measures them is the pack's choice: the platform supplies
    the indicators, the pack groups them."""

    indicators = models.JSONField(
        _("indicators"),
        default=list,
        blank=True,
        help_text=_("The ids of the indicators that measure this effect, in the order shown."),
    )

    class Meta(OrderedRule.Meta):
        verbose_name = _("expected effect")
        verbose_name_plural = _("expected effects")


class Report(WorkerFile):
    """An annual report of the expected effects, built by the worker and kept for download."""

    class Format(models.TextChoices):
        PDF = "pdf", _("PDF")
        XLSX = "xlsx", _("Excel workbook")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    committee = models.ForeignKey(
        "orgs.Committee",
        verbose_name=_("committee"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    centre = models.ForeignKey(
        "orgs.Centre",
        verbose_name=_("regional centre"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=CollaborationKind.choices, blank=True)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    format = models.CharField(_("format"), max_length=5, choices=Format.choices)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    file = models.FileField(_("file"), upload_to="effects/reports/%Y/", blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("effects report")
        verbose_name_plural = _("effects reports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.period_start}–{self.period_end} ({self.format}, {self.language})"

    def get_absolute_url(self) -> str:
        return reverse("effects:report", args=[self.pk])

    @property
    def filename(self) -> str:
        return (
            f"samverkan-effects-{self.period_start}-{self.period_end}-{self.language}.{self.format}"
        )
