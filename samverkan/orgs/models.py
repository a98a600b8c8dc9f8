from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from samverkan.core.models import (
    BilingualName,
    Sourced,
    TimeStampedModel,
    VersionedModel,
    localized,
)

from .querysets import OrganisationQuerySet
from .storage import private_import_storage


class Organisation(TimeStampedModel, VersionedModel):
    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        REGION = "region", _("Region")
        UNIVERSITY = "university", _("University")
        ASSOCIATION = "association", _("Industry association")
        PATIENT_ORGANISATION = "patient_organisation", _("Patient organisation")
        RESEARCH_INFRASTRUCTURE = "research_infrastructure", _("Research infrastructure")
        AUTHORITY = "authority", _("Government agency")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200, db_index=True)
    kind = models.CharField(
        _("kind"), max_length=30, choices=Kind.choices, default=Kind.COMPANY, db_index=True
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
    is_infrastructure_party = models.BooleanField(
        _("infrastructure party"),
        default=False,
        help_text=_("One of the regions, universities or others the infrastructure is made of."),
    )

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
        indexes = [
            # The list's order: a deep page reads its ids from this index alone.
            models.Index(fields=["name", "id"], name="orgs_organisation_name_id"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("network:organisation", args=[self.pk])

    @property
    def identifier(self) -> str:
        return self.organisation_number or f"{self.country} {self.foreign_identifier}".strip()


class Contact(TimeStampedModel, VersionedModel):
    """A person in the industry network; personal data under GDPR."""

    class LegalBasis(models.TextChoices):
        LEGITIMATE_INTEREST = "legitimate_interest", _("Legitimate interest")
        CONSENT = "consent", _("Consent")
        CONTRACT = "contract", _("Contract")
        PUBLIC_TASK = "public_task", _("Task in the public interest")

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="contacts",
    )
    name = models.CharField(_("name"), max_length=200, db_index=True)
    email = models.EmailField(_("e-mail"), db_index=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    legal_basis = models.CharField(
        _("legal basis"),
        max_length=30,
        choices=LegalBasis.choices,
        default=LegalBasis.LEGITIMATE_INTEREST,
    )
    consent_given_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    consent_withdrawn_at = models.DateTimeField(_("consent withdrawn"), null=True, blank=True)
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True)

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

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None


class AssociationMembership(models.Model):
    """An organisation's membership of an industry association (Lif, Swedish Medtech, ...)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    association = models.ForeignKey(
        Organisation,
        verbose_name=_("association"),
        on_delete=models.PROTECT,
        related_name="members",
        limit_choices_to={"kind": "association"},
    )
    since = models.DateField(_("member since"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "association"], name="unique_membership"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} ∈ {self.association_id}"


class Event(TimeStampedModel, VersionedModel):
    """An industry day, workshop or webinar: knowledge exchange between the infrastructure
    and companies."""

    class Kind(models.TextChoices):
        INDUSTRY_DAY = "industry_day", _("Industry day")
        WORKSHOP = "workshop", _("Workshop")
        WEBINAR = "webinar", _("Webinar")
        CONFERENCE = "conference", _("Conference")
        OTHER = "other", _("Other event")

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    date = models.DateField(_("date"), db_index=True)
    location = models.CharField(_("place"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    committees = models.ManyToManyField(
        "orgs.Committee",
        verbose_name=_("committees"),
        blank=True,
        related_name="events",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("network:event", args=[self.pk])


class EventParticipant(models.Model):
    """Someone who took part in an event, from the infrastructure or from a company."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="participants")
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="event_participations",
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="event_participations",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("participant from the infrastructure"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="event_participations",
    )

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        indexes = [models.Index(fields=["event", "organisation"])]

    def __str__(self) -> str:
        return f"{self.event_id}: {self.organisation_id}"


class Interaction(TimeStampedModel):
    """A meeting, call, e-mail or event with an organisation: the network's log."""

    class Kind(models.TextChoices):
        MEETING = "meeting", _("Meeting")
        CALL = "call", pgettext_lazy("interaction", "Call")
        EMAIL = "email", _("E-mail")
        EVENT = "event", _("Event")

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="interactions",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    date = models.DateField(_("date"))
    subject = models.CharField(_("subject"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    contacts = models.ManyToManyField(
        Contact, verbose_name=_("their participants"), blank=True, related_name="interactions"
    )
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("participants from the infrastructure"),
        blank=True,
        related_name="interactions",
    )
    event = models.ForeignKey(
        Event,
        verbose_name=_("event"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="interactions",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        ordering = ["-date", "-pk"]
        indexes = [
            models.Index(fields=["organisation", "-date"]),
            models.Index(fields=["date"]),
        ]

    def __str__(self) -> str:
        return self.subject


class Centre(BilingualName, Sourced):
    """One of the infrastructure's regional centres (what it calls them is its own label)."""

    slug = models.SlugField(_("identifier"), unique=True)
    city = models.CharField(_("city"), max_length=100)
    partners = models.ManyToManyField(
        Organisation, verbose_name=_("partners"), related_name="centres", blank=True
    )
    # Members work for the centre as committee members work for their committee: they
    # write its needs and see the collaborations it takes part in.
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("members"),
        related_name="centres",
        blank=True,
    )
    history = HistoricalRecords(m2m_fields=[members])

    class Meta:
        verbose_name = _("regional centre")
        verbose_name_plural = _("regional centres")
        ordering = ["name_sv"]


class Committee(BilingualName, Sourced):
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


class ImportJob(TimeStampedModel, VersionedModel):
    """An uploaded file of organisations and contacts: its preview, then its import.

    The file lives outside the web root (see `storage.py`) and is deleted once the import
    has run or been cancelled; the preview keeps what each row did, without contact details.
    """

    class Status(models.TextChoices):
        PREVIEW = "preview", _("Awaiting confirmation")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    FINISHED = (Status.DONE, Status.FAILED, Status.CANCELLED)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    file = models.FileField(
        _("file"), upload_to="%Y/", storage=private_import_storage, blank=True, max_length=300
    )
    original_name = models.CharField(_("file name"), max_length=255)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PREVIEW
    )
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    preview = models.JSONField(_("preview"), default=list, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("network:import_job", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED
