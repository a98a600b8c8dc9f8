from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from samverkan.core.models import BilingualName, TimeStampedModel, localized

from .querysets import OrganisationQuerySet


class Organisation(TimeStampedModel):
    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        REGION = "region", _("Region")
        UNIVERSITY = "university", _("University")
        ASSOCIATION = "association", _("Industry association")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200, db_index=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind.choices, default=Kind.COMPANY, db_index=True
    )
    organisation_number = models.CharField(
        _("organisation number"), max_length=11, blank=True, help_text=_("NNNNNN-NNNN")
    )
    foreign_identifier = models.CharField(
        _("foreign identifier"),
        max_length=64,
        blank=True,
        help_text=_("VAT or company register number for organisations outside Sweden."),
    )
    country = models.CharField(_("country"), max_length=2, default="SE")
    website = models.URLField(_("website"), blank=True)
    is_gms_party = models.BooleanField(_("GMS party"), default=False)

    objects = OrganisationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation_number"],
                condition=~Q(organisation_number=""),
                name="unique_organisation_number",
            ),
            models.UniqueConstraint(
                fields=["country", "foreign_identifier"],
                condition=~Q(foreign_identifier=""),
                name="unique_foreign_identifier",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def identifier(self) -> str:
        return self.organisation_number or f"{self.country} {self.foreign_identifier}".strip()


class Contact(TimeStampedModel):
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="contacts",
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"), db_index=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "email"], name="unique_contact_email")
        ]

    def __str__(self) -> str:
        return self.name


class GMC(BilingualName):
    """A regional Genomic Medicine Center."""

    slug = models.SlugField(_("identifier"), unique=True)
    city = models.CharField(_("city"), max_length=100)
    partners = models.ManyToManyField(
        Organisation, verbose_name=_("partners"), related_name="gmcs", blank=True
    )

    class Meta:
        verbose_name = _("Genomic Medicine Center")
        verbose_name_plural = _("Genomic Medicine Centers")
        ordering = ["name_sv"]


class Committee(BilingualName):
    """A working committee (arbetsutskott) for a diagnosis area or a central area."""

    class Kind(models.TextChoices):
        DIAGNOSIS = "diagnosis", _("Diagnosis area")
        CENTRAL = "central", _("Central area")

    slug = models.SlugField(_("identifier"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description_sv = models.TextField(_("description (Swedish)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    keywords = models.TextField(
        _("keywords"), blank=True, help_text=_("Words in both languages that inquiries match.")
    )
    is_central_entry_point = models.BooleanField(
        _("central entry point"),
        default=False,
        help_text=_("The committee that triages every company inquiry."),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("members"),
        related_name="committees",
        blank=True,
    )
    history = HistoricalRecords(m2m_fields=[members])

    class Meta:
        verbose_name = _("committee")
        verbose_name_plural = _("committees")
        ordering = ["name_sv"]

    @property
    def description(self) -> str:
        return localized(self, "description")

    def get_absolute_url(self) -> str:
        return reverse("orgs:committee", args=[self.slug])

    def matching_text(self) -> str:
        """What inquiries are matched against: both languages' names, descriptions, keywords."""
        return " ".join(
            [self.name_sv, self.name_en, self.description_sv, self.description_en, self.keywords]
        )
