from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from samverkan.core.choices import CollaborationKind
from samverkan.core.models import OrderedRule, TimeStampedModel, VersionedModel

from .querysets import InquiryQuerySet

if TYPE_CHECKING:
    from samverkan.orgs.models import Committee

# Free text is bounded everywhere it enters (form, API schema, model): a proposal fits in
# a few pages, and unbounded text costs every view that reads or matches it.
DESCRIPTION_MAX_LENGTH = 5000
DETAIL_MAX_LENGTH = 2000
MESSAGE_MAX_LENGTH = 5000


class Gate(OrderedRule):
    """A yes/no condition every collaboration must meet (the strategy's gates)."""

    blocks = models.SlugField(
        _("rules out"),
        max_length=40,
        blank=True,
        help_text=_(
            "The role of the gate in the process: what it rules out when it is met, "
            "for example “exclusivity”."
        ),
    )

    class Meta(OrderedRule.Meta):
        verbose_name = _("gate")
        verbose_name_plural = _("gates")


class PriorityCriterion(OrderedRule):
    """A scored criterion that gives a collaboration priority; its weight feeds the formula."""

    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2, default=Decimal(1))
    max_score = models.PositiveSmallIntegerField(_("highest score"), default=3)

    class Meta(OrderedRule.Meta):
        verbose_name = _("priority criterion")
        verbose_name_plural = _("priority criteria")

    @property
    def weight_display(self) -> str:
        """The weight as the reader writes numbers, without trailing zeros: 2, 1,5 or 1.5."""
        weight = self.weight.normalize()
        if weight == weight.to_integral_value():
            weight = weight.quantize(Decimal(1))
        return number_format(weight)

    @classmethod
    def formula(cls, criteria: "list[PriorityCriterion]") -> str:
        """The priority formula with the weights in force, to show beside every priority."""
        # Criteria by their names in the reader's language, never by identifier.
        achieved = " + ".join(f"{c.weight_display} × «{c.text}»" for c in criteria)
        possible = " + ".join(f"{c.weight_display} × {c.max_score}" for c in criteria)
        return f"100 × ({achieved}) / ({possible})"


class ReferenceCounter(models.Model):
    """The last number handed out per prefix and year, for references like REF-2026-00042."""

    prefix = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="unique_reference_counter")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.value}"


class Inquiry(TimeStampedModel, VersionedModel):
    """A company's collaboration inquiry, from the central entry point to a decision."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        TRIAGE = "triage", _("In triage")
        AWAITING_INFO = "awaiting_info", _("Awaiting information")
        ASSESSMENT = "assessment", _("In assessment")
        PARKED = "parked", _("Parked")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    # The state machine: every allowed change of status, and nothing else.
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.RECEIVED: frozenset(
            {
                Status.TRIAGE,
                Status.AWAITING_INFO,
                Status.ASSESSMENT,
                Status.PARKED,
                Status.DECLINED,
                Status.WITHDRAWN,
            }
        ),
        Status.TRIAGE: frozenset(
            {
                Status.AWAITING_INFO,
                Status.ASSESSMENT,
                Status.PARKED,
                Status.DECLINED,
                Status.WITHDRAWN,
            }
        ),
        Status.AWAITING_INFO: frozenset(
            {Status.TRIAGE, Status.ASSESSMENT, Status.PARKED, Status.DECLINED, Status.WITHDRAWN}
        ),
        Status.ASSESSMENT: frozenset(
            {
                Status.AWAITING_INFO,
                Status.ACCEPTED,
                Status.PARKED,
                Status.DECLINED,
                Status.WITHDRAWN,
            }
        ),
        Status.PARKED: frozenset(
            {Status.TRIAGE, Status.ASSESSMENT, Status.DECLINED, Status.WITHDRAWN}
        ),
        Status.ACCEPTED: frozenset(),
        Status.DECLINED: frozenset(),
        Status.WITHDRAWN: frozenset(),
    }
    OPEN_STATUSES = frozenset(
        {Status.RECEIVED, Status.TRIAGE, Status.AWAITING_INFO, Status.ASSESSMENT, Status.PARKED}
    )
    DECISIONS = (Status.ACCEPTED, Status.DECLINED, Status.PARKED, Status.WITHDRAWN)

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    organisation = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="inquiries",
    )
    contact = models.ForeignKey(
        "orgs.Contact",
        verbose_name=_("contact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inquiries",
    )

    # What the sender wrote, kept as sent.
    organisation_name = models.CharField(_("organisation"), max_length=200)
    organisation_number = models.CharField(_("organisation number"), max_length=11, blank=True)
    foreign_identifier = models.CharField(_("foreign identifier"), max_length=64, blank=True)
    country = models.CharField(_("country"), max_length=2, default="SE")
    contact_name = models.CharField(_("contact person"), max_length=200)
    contact_email = models.EmailField(_("contact e-mail"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("what you propose"), max_length=DESCRIPTION_MAX_LENGTH)
    kinds = models.JSONField(_("kinds of collaboration"), default=list)
    requested_committees = models.ManyToManyField(
        "orgs.Committee",
        verbose_name=_("committees named by the sender"),
        blank=True,
        related_name="requested_inquiries",
    )
    need = models.ForeignKey(
        "needs.Need",
        verbose_name=_("published need"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inquiries",
    )
    resources_offered = models.TextField(
        _("resources offered"), max_length=DETAIL_MAX_LENGTH, blank=True
    )
    mutual_benefit = models.TextField(_("mutual benefit"), max_length=DETAIL_MAX_LENGTH, blank=True)
    other_companies = models.TextField(
        _("other companies involved"), max_length=DETAIL_MAX_LENGTH, blank=True
    )
    operations_in_sweden = models.BooleanField(
        _("has or plans operations in Sweden"), default=False
    )
    language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default="sv"
    )
    consent_at = models.DateTimeField(_("consent given"))

    # The committees the text matches, worked out once after intake (matching costs more
    # than a page view should): [{"committee": slug, "score", "terms", "tags"}].
    suggested_committees = models.JSONField(
        _("suggested committees"), null=True, blank=True, editable=False
    )

    # Intake bookkeeping.
    idempotency_key = models.CharField(max_length=100, unique=True, null=True, blank=True)
    sender_token = models.CharField(max_length=64, unique=True, editable=False)

    # Triage and decision.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_inquiries",
    )
    routed_committees: "models.ManyToManyField[Committee, Routing]" = models.ManyToManyField(
        "orgs.Committee",
        verbose_name=_("routed to"),
        through="Routing",
        related_name="routed_inquiries",
        blank=True,
    )
    first_response_at = models.DateTimeField(_("first answer"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(
        _("reason for the decision"), max_length=MESSAGE_MAX_LENGTH, blank=True
    )

    objects = InquiryQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["sender_token", "idempotency_key"])

    class Meta:
        verbose_name = _("inquiry")
        verbose_name_plural = _("inquiries")
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            # The queue, newest first: a deep page reads its ids from the index alone.
            models.Index(fields=["created_at", "id"], name="inquiry_newest_idx"),
            models.Index(
                fields=["created_at", "id"],
                # OPEN_STATUSES, which Meta cannot see (a test keeps them equal).
                condition=models.Q(
                    status__in=["assessment", "awaiting_info", "parked", "received", "triage"]
                ),
                name="inquiry_open_newest_idx",
            ),
            models.Index(fields=["assigned_to", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("inquiries:detail", args=[self.pk])

    def allowed_transitions(self) -> frozenset[str]:
        return self.TRANSITIONS[self.status]

    def can_transition_to(self, status: str) -> bool:
        return status in self.allowed_transitions()

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def days_since_arrival(self) -> int:
        return (timezone.now() - self.created_at).days

    def get_kinds_display(self) -> list[str]:
        labels = dict(CollaborationKind.choices)
        return [str(labels.get(kind, kind)) for kind in self.kinds]


class Routing(models.Model):
    """An inquiry sent to a committee for assessment."""

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="routings")
    committee = models.ForeignKey(
        "orgs.Committee",
        verbose_name=_("committee"),
        on_delete=models.PROTECT,
        related_name="routings",
    )
    routed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    routed_at = models.DateTimeField(_("routed"), default=timezone.now)
    note = models.TextField(_("note to the committee"), max_length=MESSAGE_MAX_LENGTH, blank=True)

    class Meta:
        verbose_name = _("routing")
        verbose_name_plural = _("routings")
        constraints = [
            models.UniqueConstraint(fields=["inquiry", "committee"], name="unique_routing")
        ]
        indexes = [models.Index(fields=["committee", "inquiry"])]

    def __str__(self) -> str:
        return f"{self.inquiry_id} → {self.committee_id}"


class Assessment(TimeStampedModel, VersionedModel):
    """One committee's assessment of an inquiry against the strategy."""

    class Recommendation(models.TextChoices):
        ACCEPT = "accept", _("Accept")
        DECLINE = "decline", _("Decline")
        MORE_INFORMATION = "more_information", _("Ask the company for more")

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="assessments")
    committee = models.ForeignKey(
        "orgs.Committee",
        verbose_name=_("committee"),
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assessed by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    goals = models.ManyToManyField("strategy.Goal", verbose_name=_("goals served"), blank=True)
    comment = models.TextField(_("comment"), max_length=MESSAGE_MAX_LENGTH, blank=True)
    gates_passed = models.BooleanField(_("all gates met"), default=False)
    recommendation = models.CharField(
        _("recommendation"),
        max_length=20,
        blank=True,
        choices=Recommendation.choices,
        help_text=_("The committee's recommendation to the coordinator who decides."),
    )
    priority = models.DecimalField(
        _("priority"),
        max_digits=5,
        decimal_places=1,
        default=Decimal(0),
        help_text=_("0 to 100, from the weighted priority scores."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [
            models.UniqueConstraint(fields=["inquiry", "committee"], name="unique_assessment")
        ]

    def __str__(self) -> str:
        return f"{self.inquiry_id} / {self.committee_id}"


class GateAnswer(models.Model):
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="gate_answers"
    )
    gate = models.ForeignKey(Gate, verbose_name=_("gate"), on_delete=models.PROTECT)
    passed = models.BooleanField(_("met"))
    comment = models.TextField(_("comment"), max_length=MESSAGE_MAX_LENGTH, blank=True)

    class Meta:
        ordering = ["gate__order"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "gate"], name="unique_gate_answer")
        ]

    def __str__(self) -> str:
        return f"{self.gate_id}: {self.passed}"


class CriterionScore(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(
        PriorityCriterion, verbose_name=_("criterion"), on_delete=models.PROTECT
    )
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(0), MaxValueValidator(10)]
    )

    class Meta:
        ordering = ["criterion__order"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "criterion"], name="unique_score")
        ]

    def __str__(self) -> str:
        return f"{self.criterion_id}: {self.score}"


class StatusChange(models.Model):
    """Who moved an inquiry from which status to which, when, and why."""

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(
        _("from"), max_length=20, choices=Inquiry.Status.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=20, choices=Inquiry.Status.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    comment = models.TextField(_("comment"), max_length=MESSAGE_MAX_LENGTH, blank=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["changed_at", "pk"]
        indexes = [models.Index(fields=["inquiry", "changed_at"])]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class Message(models.Model):
    """A message between the platform's people and the sender of an inquiry."""

    class Direction(models.TextChoices):
        TO_SENDER = "to_sender", _("To the sender")
        FROM_SENDER = "from_sender", _("From the sender")

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(_("direction"), max_length=20, choices=Direction.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    body = models.TextField(_("message"), max_length=MESSAGE_MAX_LENGTH)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.created_at:%Y-%m-%d}"


def priority_from_scores(scores: list[tuple[PriorityCriterion, int]]) -> Decimal:
    """priority = 100 × Σ(weight × score) / Σ(weight × highest score), one decimal."""
    achieved = sum((c.weight * score for c, score in scores), Decimal(0))
    possible = sum((c.weight * c.max_score for c, _ in scores), Decimal(0))
    if not possible:
        return Decimal(0)
    return (Decimal(100) * achieved / possible).quantize(Decimal("0.1"))
