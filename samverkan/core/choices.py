from django.db import models
from django.utils.translation import gettext_lazy as _


class CollaborationKind(models.TextChoices):
    """Kinds of collaboration the strategy names; shared by inquiries, needs and projects."""

    RESEARCH = "research", _("Research")
    DEVELOPMENT = "development", _("Development of methods or software")
    TESTING = "testing", _("Testing of methods or software")
    EDUCATION = "education", _("Education")
    PILOT = "pilot", _("Pilot")
    FUNDING_APPLICATION = "funding_application", _("Joint funding application")
    CLINICAL_STUDY = "clinical_study", _("Clinical study")
    OTHER = "other", _("Other")
