"""Strategies as data: a strategy has areas, areas have points, actions serve points, and
collaborations are linked to the points they serve. The infrastructure's goals stay `Goal`
rows (used by inquiries, needs and collaborations); its own strategic plan has one point per
goal, linked to its row, so the collaborations that serve a goal are work behind that point.
"""

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from samverkan.core.models import Sourced, TimeStampedModel, VersionedModel, localized

if TYPE_CHECKING:
    from samverkan.collaborations.models import Collaboration


class Goal(Sourced):
    """One of the infrastructure's overall goals."""

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


# Kept at module level so the actions write one history entry per change, the many-to-many
# links included, rather than one per save and one per link added or removed.
_strategy_history = HistoricalRecords(m2m_fields=["sources"])
_point_history = HistoricalRecords(m2m_fields=["implements_points", "sources"])
_action_history = HistoricalRecords(m2m_fields=["points", "sources"])


def record_change(
    instance: models.Model,
    recorder: HistoricalRecords,
    actor: Any,
    *,
    m2m: dict[str, Iterable[Any]] | None = None,
    update_fields: Iterable[str] | None = None,
) -> None:
    """Save, set the many-to-many links, and write one history entry for the whole change."""
    history_type = "+" if instance._state.adding else "~"
    instance.skip_history_when_saving = True  # type: ignore[attr-defined]
    try:
        instance.save(update_fields=update_fields)
        for name, values in (m2m or {}).items():
            getattr(instance, name).set(values)
    finally:
        del instance.skip_history_when_saving  # type: ignore[attr-defined]
    instance._history_user = actor  # type: ignore[attr-defined]
    recorder.create_historical_record(instance, history_type)


def natural_key(number: str) -> str:
    """A sort key that puts point "1.10" after "1.9"."""
    parts = re.split(r"(\d+)", number.strip())
    return "".join(part.zfill(6) if part.isdigit() else part for part in parts)[:60]


class Strategy(TimeStampedModel, VersionedModel):
    """A strategy, plan or programme: national, regional or an infrastructure's own."""

    class Kind(models.TextChoices):
        NATIONAL = "national", _("National strategy")
        REGIONAL = "regional", _("Regional plan")
        INFRASTRUCTURE = "infrastructure", _("Infrastructure strategy")

    slug = models.SlugField(
        _("key"), max_length=80, unique=True, help_text=_("Identifies the strategy in files.")
    )
    title_sv = models.CharField(_("title (Swedish)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    adopted_on = models.DateField(_("adopted or published"), null=True, blank=True)
    period_start = models.PositiveSmallIntegerField(_("period from (year)"), null=True, blank=True)
    period_end = models.PositiveSmallIntegerField(_("period to (year)"), null=True, blank=True)
    implements = models.ForeignKey(
        "self",
        verbose_name=_("implements"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="implemented_by",
        help_text=_("The strategy this one puts into practice, such as a regional plan's."),
    )
    note_sv = models.TextField(_("note (Swedish)"), blank=True)
    note_en = models.TextField(_("note (English)"), blank=True)
    sources: "models.ManyToManyField[Source, Any]" = models.ManyToManyField(
        "Source", verbose_name=_("sources"), blank=True, related_name="strategies"
    )
    position = models.PositiveSmallIntegerField(_("position in lists"), default=0)
    owner_organisation = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("owned by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_strategies",
        help_text=_("The region, agency or other organisation whose strategy this is."),
    )
    editors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("editors"),
        blank=True,
        related_name="edited_strategies",
        help_text=_(
            "People at the owning organisation who keep this strategy's actions and progress "
            "up to date; coordinators always may."
        ),
    )

    history = _strategy_history

    class Meta:
        verbose_name = _("strategy")
        verbose_name_plural = _("strategies")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__isnull=True)
                | Q(period_start__isnull=True)
                | Q(period_end__gte=F("period_start")),
                name="strategy_period_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("strategy:detail", args=[self.pk])

    @property
    def title(self) -> str:
        return localized(self, "title")

    @property
    def note(self) -> str:
        return localized(self, "note")

    @property
    def period(self) -> str:
        if self.period_start and self.period_end:
            return f"{self.period_start}–{self.period_end}"
        return str(self.period_start or self.period_end or "")


class Source(TimeStampedModel):
    """A document that backs a strategy, a point or an action: title, publisher, link, date."""

    strategy = models.ForeignKey(
        Strategy,
        verbose_name=_("listed in"),
        on_delete=models.CASCADE,
        related_name="listed_sources",
    )
    key = models.SlugField(_("key"), max_length=80)
    title = models.CharField(_("title"), max_length=400)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    url = models.URLField(_("link"), max_length=500, blank=True)
    published_on = models.DateField(_("published"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["strategy", "key"], name="unique_source_key"),
        ]

    def __str__(self) -> str:
        return self.title


class Area(TimeStampedModel):
    """A priority area (or focus area) of a strategy."""

    strategy = models.ForeignKey(
        Strategy, verbose_name=_("strategy"), on_delete=models.CASCADE, related_name="areas"
    )
    number = models.PositiveSmallIntegerField(_("number"))
    title_sv = models.CharField(_("title (Swedish)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    note_sv = models.TextField(_("note (Swedish)"), blank=True)
    note_en = models.TextField(_("note (English)"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["strategy_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["strategy", "number"], name="unique_area_number"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    @property
    def title(self) -> str:
        return localized(self, "title")

    @property
    def note(self) -> str:
        return localized(self, "note")


class Point(TimeStampedModel, VersionedModel):
    """A point of a strategy ("1.2"), served by actions and by collaborations."""

    strategy = models.ForeignKey(
        Strategy,
        verbose_name=_("strategy"),
        on_delete=models.CASCADE,
        related_name="points",
        editable=False,
    )
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.CASCADE, related_name="points"
    )
    number = models.CharField(_("number"), max_length=20)
    sort_key = models.CharField(max_length=60, editable=False, db_index=True)
    title_sv = models.CharField(_("title (Swedish)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    note_sv = models.TextField(_("note (Swedish)"), blank=True)
    note_en = models.TextField(_("note (English)"), blank=True)
    implements_points = models.ManyToManyField(
        "self",
        verbose_name=_("implements points"),
        symmetrical=False,
        blank=True,
        related_name="implemented_by",
        help_text=_("Points of the strategy this one implements, such as the national one."),
    )
    goal = models.ForeignKey(
        Goal,
        verbose_name=_("goal"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="strategy_points",
        help_text=_("The infrastructure goal this point is; collaborations serving it count."),
    )
    sources = models.ManyToManyField(
        Source, verbose_name=_("sources"), blank=True, related_name="points"
    )
    collaborations: "models.ManyToManyField[Collaboration, PointCollaboration]" = (
        models.ManyToManyField(
            "collaborations.Collaboration",
            verbose_name=_("collaborations"),
            through="PointCollaboration",
            blank=True,
            related_name="strategy_points",
        )
    )

    history = _point_history

    class Meta:
        verbose_name = _("point")
        verbose_name_plural = _("points")
        ordering = ["strategy_id", "sort_key"]
        constraints = [
            models.UniqueConstraint(fields=["strategy", "number"], name="unique_point_number"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.strategy_id = self.area.strategy_id
        self.sort_key = natural_key(self.number)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "strategy", "sort_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("strategy:point", args=[self.pk])

    @property
    def title(self) -> str:
        return localized(self, "title")

    @property
    def note(self) -> str:
        return localized(self, "note")


class PointCollaboration(models.Model):
    """A collaboration serves a point: who linked it and when, kept in the history."""

    point = models.ForeignKey(
        Point, verbose_name=_("point"), on_delete=models.CASCADE, related_name="collaboration_links"
    )
    collaboration = models.ForeignKey(
        "collaborations.Collaboration",
        verbose_name=_("collaboration"),
        on_delete=models.CASCADE,
        related_name="strategy_point_links",
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("linked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    linked_at = models.DateTimeField(_("linked"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("collaboration serving a point")
        verbose_name_plural = _("collaborations serving points")
        constraints = [
            models.UniqueConstraint(
                fields=["point", "collaboration"], name="unique_point_collaboration"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.point_id} ← {self.collaboration_id}"


class Action(TimeStampedModel, VersionedModel):
    """Something done for one or more points, with an owner, a status, dates and progress."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        ONGOING = "ongoing", _("Ongoing")
        DONE = "done", _("Done")

    # An action in these states is work behind its points; a planned one is not yet.
    ACTIVE = (Status.ONGOING, Status.DONE)

    strategy = models.ForeignKey(
        Strategy, verbose_name=_("strategy"), on_delete=models.CASCADE, related_name="actions"
    )
    key = models.SlugField(_("key"), max_length=80, help_text=_("Identifies the action in files."))
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    owner_organisation = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("owner organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="strategy_actions",
    )
    owner_name = models.CharField(
        _("owner"),
        max_length=200,
        blank=True,
        help_text=_("Who is responsible, when it is not an organisation in the platform."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED, db_index=True
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text=_("0 to 100; leave empty when not estimated. A done action is at 100."),
    )
    points = models.ManyToManyField(
        Point, verbose_name=_("points"), blank=True, related_name="actions"
    )
    sources = models.ManyToManyField(
        Source, verbose_name=_("sources"), blank=True, related_name="actions"
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    history = _action_history

    class Meta:
        verbose_name = pgettext_lazy("strategy", "action")
        verbose_name_plural = pgettext_lazy("strategy", "actions")
        ordering = ["strategy_id", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["strategy", "key"], name="unique_action_key"),
            models.CheckConstraint(
                condition=Q(progress__isnull=True) | Q(progress__lte=100),
                name="action_progress_at_most_100",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="action_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def owner(self) -> str:
        if self.owner_organisation_id:
            return self.owner_organisation.name  # type: ignore[union-attr]
        return self.owner_name

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE
