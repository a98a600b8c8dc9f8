from django.db import models
from django.utils.translation import gettext_lazy as _

from samverkan.core.models import localized


class Goal(models.Model):
    """One of the infrastructure's overall goals (GMS has five)."""

    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    text_sv = models.CharField(_("text (Swedish)"), max_length=300)
    text_en = models.CharField(_("text (English)"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number}. {self.text}"

    @property
    def text(self) -> str:
        return localized(self, "text")
