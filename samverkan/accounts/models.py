from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q, Value
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from samverkan.core.models import TimeStampedModel


class Role(models.TextChoices):
    COMPANY = "company", _("Company user")
    COMMITTEE = "committee", _("Committee member")
    COORDINATOR = "coordinator", _("Coordinator")
    VIEWER = "viewer", _("Viewer")
    ADMIN = "admin", _("Administrator")


# Roles that work across the whole platform rather than one organisation or committee.
STAFF_ROLES = frozenset({Role.COORDINATOR, Role.ADMIN})
READ_ALL_ROLES = frozenset({Role.COORDINATOR, Role.ADMIN, Role.VIEWER})


class User(AbstractUser):
    role = models.CharField(
        _("role"), max_length=20, choices=Role.choices, default=Role.COMPANY, db_index=True
    )
    organisation = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_("The company a company user acts for."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def has_role(self, *roles: str) -> bool:
        return self.is_authenticated and self.is_active and self.role in roles

    @property
    def is_coordinator(self) -> bool:
        return self.has_role(*STAFF_ROLES)

    @property
    def reads_everything(self) -> bool:
        return self.has_role(*READ_ALL_ROLES)

    def committee_ids(self) -> list[int]:
        """Ids of the committees this user is a member of, once per request."""
        cached: list[int] | None = getattr(self, "_committee_ids", None)
        if cached is None:
            self._load_memberships()
            cached = self._committee_ids
        return cached

    def centre_ids(self) -> list[int]:
        """Ids of the regional centres this user is a member of, once per request."""
        cached: list[int] | None = getattr(self, "_centre_ids", None)
        if cached is None:
            self._load_memberships()
            cached = self._centre_ids
        return cached

    def _load_memberships(self) -> None:
        """Read the committees and the centres in one query: what a member may see
        depends on both, so a page that needs one needs the other."""
        text: models.CharField[str, str] = models.CharField()
        committees = (
            self.committees.annotate(member_of=Value("committee", output_field=text))
            .values_list("member_of", "pk", "name_sv")
            .order_by()
        )
        centres = (
            self.centres.annotate(member_of=Value("centre", output_field=text))
            .values_list("member_of", "pk", "name_sv")
            .order_by()
        )
        self._committee_ids: list[int] = []
        self._centre_ids: list[int] = []
        rows = committees.union(centres, all=True).order_by("member_of", "name_sv", "pk")
        for member_of, pk, _name in rows:
            (self._committee_ids if member_of == "committee" else self._centre_ids).append(pk)


class OrganisationLinkRequest(TimeStampedModel):
    """A company user asks to act for an organisation; a coordinator decides."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    user = models.ForeignKey(
        User,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="link_requests",
    )
    organisation = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="link_requests",
        help_text=_("The known organisation the request matched; empty when it is new."),
    )
    organisation_name = models.CharField(_("organisation name"), max_length=200)
    organisation_number = models.CharField(
        _("organisation number"), max_length=11, blank=True, help_text=_("NNNNNN-NNNN")
    )
    foreign_identifier = models.CharField(_("foreign identifier"), max_length=64, blank=True)
    country = models.CharField(_("country"), max_length=2, default="SE")
    note = models.TextField(_("note from the user"), blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="sv"
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=Status.choices,
        default=Status.PENDING,
        db_index=True,
    )
    decided_by = models.ForeignKey(
        User,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    comment = models.TextField(
        _("comment"), blank=True, help_text=_("The reason for a rejection, sent to the user.")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organisation link request")
        verbose_name_plural = _("organisation link requests")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One open question at a time: a second request waits for the first decision.
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status="pending"),
                name="one_pending_link_request_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.organisation_name}"

    def get_absolute_url(self) -> str:
        return reverse("accounts:link_request", args=[self.pk])

    @property
    def identifier(self) -> str:
        return self.organisation_number or f"{self.country} {self.foreign_identifier}".strip()

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING
