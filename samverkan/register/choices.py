from django.db import models
from django.utils.translation import gettext_lazy as _


class PublicField(models.TextChoices):
    """The fields a register entry can show. Nothing else ever reaches a public channel:
    internal notes, agreement terms and contacts' personal data are not among them."""

    SUMMARY = "summary", _("Summary")
    PARTIES = "parties", _("Infrastructure parties")
    COMPANIES = "companies", _("Companies")
    PERIOD = "period", _("Period")
    COMMITTEES = "committees", _("Committees")
    CENTRES = "centres", _("Regional centres")
    GOALS = "goals", _("Goals served")
    FUNDING = "funding", _("Joint funding")
