from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from samverkan.core.choices import CollaborationKind
from samverkan.core.models import TimeStampedModel, VersionedModel

from .querysets import NeedQuerySet, search_key

if TYPE_CHECKING:
    from samverkan.orgs.models import Centre, Committee

# Kept at module level so the actions can write one history entry per change, goals
# included, rather than one per save and one per goal added or removed.
_history = HistoricalRecords(m2m_fields=["goals"], excluded_fields=["search_text"])


class Need(TimeStampedModel, VersionedModel):
    """A committee's or a regional centre's need for industry collaboration, published on
    the needs board, and the inquiries and collaborations that answer it."""

    class Status(models.TextChoices):
        """What a person decided; "being addressed" is derived (see `State`)."""

        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        MET = "met", _("Met")
        CLOSED = "closed", _("Closed")

    class State(models.TextChoices):
        """The state shown everywhere: the status, with a published need split by whether
        an inquiry or a collaboration is working on it."""

        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        ADDRESSED = "addressed", _("Being addressed")
        MET = "met", _("Met")
        CLOSED = "closed", _("Closed")

    # Which status may follow which: a need is met only once published, and a met need
    # is reopened or closed, never sent back to draft.
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.DRAFT: frozenset({Status.PUBLISHED, Status.CLOSED}),
        Status.PUBLISHED: frozenset({Status.DRAFT, Status.MET, Status.CLOSED}),
        Status.MET: frozenset({Status.PUBLISHED, Status.CLOSED}),
        Status.CLOSED: frozenset({Status.DRAFT, Status.PUBLISHED}),
    }

    committee = models.ForeignKey(
        "orgs.Committee",
        verbose_name=_("committee"),
        on_delete=models.PROTECT,
        related_name="needs",
        null=True,
        blank=True,
    )
    centre = models.ForeignKey(
        "orgs.Centre",
        verbose_name=_("regional centre"),
        on_delete=models.PROTECT,
        related_name="needs",
        null=True,
        blank=True,
        help_text=_("A need belongs to a committee or to a regional centre."),
    )
    contact_committee = models.ForeignKey(
        "orgs.Committee",
        verbose_name=_("committee to contact"),
        on_delete=models.PROTECT,
        related_name="contact_for_needs",
        null=True,
        blank=True,
        help_text=_("The committee companies talk to; empty means the need's own committee."),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    kind = models.CharField(_("kind"), max_length=30, choices=CollaborationKind.choices)
    desired_partner = models.CharField(_("desired partner"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True, editable=False)
    met_at = models.DateTimeField(_("marked met"), null=True, blank=True, editable=False)
    met_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("marked met by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    goals = models.ManyToManyField("strategy.Goal", verbose_name=_("goals"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Title and description case-folded in Python, so that a search ignores case the same
    # way on SQLite (whose LIKE folds only ASCII) and PostgreSQL: "Ärftlig" finds "ärftlig".
    search_text = models.TextField(editable=False, blank=True, default="")

    objects = NeedQuerySet.as_manager()
    history = _history

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "committee"]),
            models.Index(fields=["status", "centre"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(committee__isnull=False, centre__isnull=True)
                    | models.Q(committee__isnull=True, centre__isnull=False)
                ),
                name="need_has_one_owner",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_text = search_key(f"{self.title}\n{self.description}")
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            extra = {"search_text"} if {"title", "description"} & set(update_fields) else set()
            if "status" in update_fields:
                extra.add("published_at")
            kwargs["update_fields"] = {*update_fields, *extra}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("needs:detail", args=[self.pk])

    @property
    def owner(self) -> "Committee | Centre":
        """The committee or regional centre that has the need."""
        # The database holds one of them (`need_has_one_owner`).
        return self.committee if self.committee_id is not None else self.centre  # type: ignore[return-value]

    @property
    def contact(self) -> "Committee | Centre":
        """Whom companies talk to about this need: the contact committee, else the owner."""
        return self.contact_committee or self.owner

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def state(self) -> str:
        """Open, being addressed, met, closed or draft. A published need is being addressed
        while a linked inquiry is in progress or a linked collaboration is planned or
        active; lists annotate `in_progress` (`NeedQuerySet.with_state`), else it is asked."""
        if self.status != self.Status.PUBLISHED:
            return str(self.status)
        in_progress = getattr(self, "in_progress", None)
        if in_progress is None:
            in_progress = (
                type(self)
                .objects.filter(pk=self.pk)
                .with_state()
                .values_list("in_progress", flat=True)
                .first()
            )
        return self.State.ADDRESSED if in_progress else self.State.OPEN

    def get_state_display(self) -> str:
        return str(self.State(self.state).label)

    def allowed_transitions(self) -> list[str]:
        """The statuses this need may move to now, in the order of `Status`."""
        allowed = self.TRANSITIONS[self.status]
        return [status for status in self.Status.values if status in allowed]

    def save_and_record(
        self,
        actor: Any,
        *,
        goals: Iterable[Any] | None = None,
        update_fields: Iterable[str] | None = None,
    ) -> None:
        """Save, set the goals, and write one history entry for the whole change."""
        history_type = "+" if self._state.adding else "~"
        self.skip_history_when_saving = True
        try:
            self.save(update_fields=update_fields)
            if goals is not None:
                self.goals.set(goals)
        finally:
            del self.skip_history_when_saving
        self._history_user = actor
        _history.create_historical_record(self, history_type)
