from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


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
            cached = list(self.committees.values_list("pk", flat=True))
            self._committee_ids = cached
        return cached
