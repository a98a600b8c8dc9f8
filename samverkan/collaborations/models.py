import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from samverkan.core.choices import CollaborationKind
from samverkan.core.models import Parameter, Sourced, TimeStampedModel, VersionedModel
from samverkan.inquiries.models import Gate

from .querysets import CollaborationQuerySet, CommunicationQuerySet, FollowUpQuerySet

if TYPE_CHECKING:
    from samverkan.needs.models import Need
    from samverkan.orgs.models import Organisation


def names_the_infrastructure(text: str, required: list[Any] | None = None) -> bool:
    """Whether the text names the infrastructure by one of the names the reference data
    gives (``communication_must_name``, or `required` when already read), as a whole
    word, in any case."""
    if required is None:
        required = Parameter.get("communication_must_name")
    names = [str(n).strip() for n in required or []]
    names = [n for n in names if n]
    if not names:
        return True
    pattern = "|".join(r"\s+".join(re.escape(w) for w in n.split()) for n in names)
    return re.search(rf"(?<!\w)(?:{pattern})(?!\w)", text, re.IGNORECASE) is not None


class Collaboration(TimeStampedModel, VersionedModel):
    """A collaboration between infrastructure parties and one or more companies; never exclusive."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        ENDED_EARLY = "ended_early", _("Ended early")

    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.PLANNED: frozenset({Status.ACTIVE, Status.ENDED_EARLY}),
        Status.ACTIVE: frozenset({Status.COMPLETED, Status.ENDED_EARLY}),
        Status.COMPLETED: frozenset(),
        Status.ENDED_EARLY: frozenset(),
    }

    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("public summary"), blank=True)
    internal_notes = models.TextField(_("internal notes"), blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=CollaborationKind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNED
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    inquiry = models.OneToOneField(
        "inquiries.Inquiry",
        verbose_name=_("inquiry"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="collaboration",
    )
    organisations: "models.ManyToManyField[Organisation, CollaborationParty]" = (
        models.ManyToManyField(
            "orgs.Organisation",
            verbose_name=_("parties"),
            through="CollaborationParty",
            related_name="collaborations",
        )
    )
    committees = models.ManyToManyField(
        "orgs.Committee", verbose_name=_("committees"), blank=True, related_name="collaborations"
    )
    centres = models.ManyToManyField(
        "orgs.Centre",
        verbose_name=_("regional centres"),
        blank=True,
        related_name="collaborations",
    )
    goals = models.ManyToManyField(
        "strategy.Goal",
        verbose_name=_("goals served"),
        blank=True,
        related_name="collaborations",
    )
    needs: "models.ManyToManyField[Need, CollaborationNeed]" = models.ManyToManyField(
        "needs.Need",
        verbose_name=_("needs answered"),
        through="CollaborationNeed",
        blank=True,
        related_name="collaborations",
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible coordinator"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    withheld_register_fields = models.JSONField(
        _("fields withheld from the register"),
        default=dict,
        blank=True,
        help_text=_(
            "Public field → reason category, for the fields the reference data allows to be "
            "withheld; the register shows each as “withheld” with its reason."
        ),
    )
    non_exclusivity_note = models.TextField(
        _("non-exclusivity"),
        blank=True,
        help_text=_("How the assessment found the collaboration non-exclusive."),
    )

    objects = CollaborationQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[committees, goals])

    class Meta:
        verbose_name = _("collaboration")
        verbose_name_plural = _("collaborations")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["kind", "status"]),
            models.Index(fields=["start_date"]),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("collaborations:detail", args=[self.pk])

    def allowed_transitions(self) -> frozenset[str]:
        return self.TRANSITIONS[self.status]

    @property
    def is_closed(self) -> bool:
        return self.status in {self.Status.COMPLETED, self.Status.ENDED_EARLY}

    def inherited_gates(self) -> bool:
        """Whether the accepted inquiry's assessments already passed every gate."""
        annotated = getattr(self, "gates_met_in_inquiry", None)  # with_gates_met_in_inquiry()
        if annotated is not None:
            return bool(annotated)
        inquiry = self.inquiry
        if inquiry is None or inquiry.status != inquiry.Status.ACCEPTED:
            return False
        assessments = list(inquiry.assessments.all())
        return bool(assessments) and all(a.gates_passed for a in assessments)

    def gate_blockers(self) -> list[str]:
        """Which gates are not yet recorded as passed; empty when the gates hold.

        The gates come from the accepted inquiry's assessments, or, for a collaboration
        the infrastructure starts itself, from the gate answers recorded on it.
        """
        if self.inherited_gates():
            return []
        return gate_problems(Gate.objects.all(), {a.gate_id: a for a in self.gate_answers.all()})

    def start_blockers(self) -> list[str]:
        """Why the collaboration cannot start now; empty when it can."""
        roles = set(self.parties.values_list("role", flat=True))
        return self.gate_blockers() + self.setup_blockers(roles)

    def setup_blockers(self, roles: set[str]) -> list[str]:
        """What besides the gates keeps it from starting, given its parties' roles."""
        problems = []
        if CollaborationParty.Role.COMPANY not in roles:
            problems.append(gettext("Add at least one company as a party."))
        if CollaborationParty.Role.INFRASTRUCTURE not in roles:
            problems.append(gettext("Add at least one party of the infrastructure."))
        if self.start_date is None:
            problems.append(gettext("Give the start date before the collaboration starts."))
        return problems

    @property
    def phase_label(self) -> str:
        """The status as people should read it: an ended collaboration whose final
        follow-up is not yet recorded is still ending."""
        if self.final_follow_up_due():
            return gettext("Ending, follow-up due")
        return str(self.get_status_display())

    def never_really_started(self) -> bool:
        """Ended early with nothing done: no agreement signed and no follow-up held. Only
        such a collaboration may be withdrawn from the register (leaving a stub)."""
        return (
            self.status == self.Status.ENDED_EARLY
            and not self.agreements.filter(signed_on__isnull=False).exists()
            and not self.follow_ups.filter(held_on__isnull=False).exists()
        )

    def final_follow_up_due(self) -> bool:
        """Ended after it started, but the final follow-up with the parties is not yet
        recorded. (A collaboration that ends before it starts has no follow-ups.)"""
        if not self.is_closed:
            return False
        finals = [f for f in self.follow_ups.all() if f.kind == FollowUp.Kind.FINAL]
        return bool(finals) and not any(f.held_on is not None for f in finals)


def gate_problems(
    gates: Iterable[Gate], answers: Mapping[int, "CollaborationGateAnswer"]
) -> list[str]:
    """What the gates lack, given the answers recorded on a collaboration by gate id."""
    problems = []
    for gate in gates:
        answer = answers.get(gate.pk)
        if answer is None:
            problems.append(
                gettext("Record whether the gate is met: %(gate)s") % {"gate": gate.text}
            )
        elif not answer.passed:
            problems.append(gettext("The gate is not met: %(gate)s") % {"gate": gate.text})
    return problems


class CollaborationGateAnswer(models.Model):
    """A gate answered on the collaboration itself, for one the infrastructure starts
    without an inquiry (for example from a committee's need): by whom and when."""

    collaboration = models.ForeignKey(
        Collaboration, on_delete=models.CASCADE, related_name="gate_answers"
    )
    gate = models.ForeignKey(Gate, verbose_name=_("gate"), on_delete=models.PROTECT)
    passed = models.BooleanField(_("met"))
    comment = models.TextField(_("comment"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("gate answer")
        verbose_name_plural = _("gate answers")
        ordering = ["gate__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["collaboration", "gate"], name="unique_collaboration_gate_answer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.gate_id}: {self.passed}"


class CollaborationNeed(models.Model):
    """A committee's or centre's need that the collaboration answers: inherited from the
    inquiry that answered the need, or linked by a coordinator or the need's owners
    (`needs.actions.do_link_collaboration`), by whom and when."""

    collaboration = models.ForeignKey(
        Collaboration, on_delete=models.CASCADE, related_name="need_links"
    )
    need = models.ForeignKey(
        "needs.Need",
        verbose_name=_("need"),
        on_delete=models.CASCADE,
        related_name="collaboration_links",
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("linked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    linked_at = models.DateTimeField(_("linked"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("need answered")
        verbose_name_plural = _("needs answered")
        ordering = ["linked_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["collaboration", "need"], name="unique_collaboration_need"
            )
        ]

    def __str__(self) -> str:
        return f"{self.collaboration_id} → {self.need_id}"


class CollaborationParty(models.Model):
    """An organisation taking part, with its role, what it brings and who approves for it."""

    class Role(models.TextChoices):
        INFRASTRUCTURE = "infrastructure_party", _("Infrastructure party")
        COMPANY = "company", _("Company")
        OTHER = "other", _("Other party")

    collaboration = models.ForeignKey(
        Collaboration, on_delete=models.CASCADE, related_name="parties"
    )
    organisation = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="collaboration_parties",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    role_description = models.CharField(_("role in the project"), max_length=200, blank=True)
    resources = models.TextField(_("resources it brings"), blank=True)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approves communication"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    contact = models.ForeignKey(
        "orgs.Contact",
        verbose_name=_("contact person"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_(
            "Receives personal links by e-mail to approve communication, answer follow-ups "
            "and check the register entry, without an account."
        ),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["role", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["collaboration", "organisation"], name="unique_collaboration_party"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_role_display()})"


class Funder(Sourced):
    """A research funder joint applications go to, from the reference pack. Any other funder
    is named on the application itself."""

    # What the API and forms call a funder the pack does not list.
    OTHER = "other"

    slug = models.SlugField(_("identifier"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("research funder")
        verbose_name_plural = _("research funders")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class FundingApplication(TimeStampedModel, VersionedModel):
    """A joint application to a research funder, with money applied for and granted."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        SUBMITTED = "submitted", _("Submitted")
        GRANTED = "granted", _("Granted")
        REJECTED = "rejected", _("Rejected")

    collaboration = models.ForeignKey(
        Collaboration, on_delete=models.CASCADE, related_name="funding_applications"
    )
    funder = models.ForeignKey(
        Funder,
        verbose_name=_("funder"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        help_text=_("Empty for a funder the reference data does not list: name it below."),
    )
    funder_name = models.CharField(_("funder's name"), max_length=200, blank=True)
    call = models.CharField(_("call"), max_length=300)
    applicants = models.ManyToManyField(
        "orgs.Organisation", verbose_name=_("applicants"), blank=True, related_name="+"
    )
    amount_applied = models.DecimalField(
        _("amount applied for"),
        max_digits=14,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    amount_granted = models.DecimalField(
        _("amount granted"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    currency = models.CharField(_("currency"), max_length=3, default="SEK")
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.PLANNED,
        db_index=True,
    )
    submitted_on = models.DateField(_("submitted"), null=True, blank=True)
    decided_on = models.DateField(_("decided"), null=True, blank=True)

    history = HistoricalRecords(m2m_fields=[applicants])

    class Meta:
        verbose_name = _("funding application")
        verbose_name_plural = _("funding applications")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.funder_label}: {self.call}"

    @property
    def funder_label(self) -> str:
        return self.funder.name if self.funder else self.funder_name

    @property
    def funder_slug(self) -> str:
        """The funder as the API names it: the pack's identifier, or "other"."""
        return self.funder.slug if self.funder else Funder.OTHER


class CommunicationActivity(TimeStampedModel, VersionedModel):
    """A press release, news item, talk, article or post that every party must approve."""

    class Kind(models.TextChoices):
        PRESS_RELEASE = "press_release", _("Press release")
        NEWS = "news", _("News item")
        TALK = "talk", _("Talk")
        ARTICLE = "article", _("Article")
        SOCIAL_MEDIA = "social_media", _("Social-media post")

    collaboration = models.ForeignKey(
        Collaboration, on_delete=models.CASCADE, related_name="communications"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("draft text"))
    text_version = models.PositiveIntegerField(_("text version"), default=1)
    planned_date = models.DateField(_("planned date"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=200, blank=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = CommunicationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("communication activity")
        verbose_name_plural = _("communication activities")
        ordering = ["planned_date", "pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("collaborations:communication", args=[self.collaboration_id, self.pk])

    @property
    def names_infrastructure(self) -> bool:
        """The strategy requires every communication to make clear that it concerns the
        infrastructure: the title or the text names it."""
        # Read with the activity when it comes from `with_required_names()`.
        return names_the_infrastructure(
            f"{self.title}\n{self.text}", getattr(self, "required_names", None)
        )

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None


class Approval(models.Model):
    """One organisation's answer to one version of a communication's text."""

    class Decision(models.TextChoices):
        APPROVED = "approved", _("Approved")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")

    activity = models.ForeignKey(
        CommunicationActivity, on_delete=models.CASCADE, related_name="approvals"
    )
    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("for"), on_delete=models.PROTECT, related_name="+"
    )
    text_version = models.PositiveIntegerField(_("text version"))
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices)
    comment = models.TextField(_("comment"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    decided_by_contact = models.ForeignKey(
        "orgs.Contact",
        verbose_name=_("by contact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        ordering = ["decided_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "organisation", "text_version"], name="unique_approval"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}: {self.decision} (v{self.text_version})"


class FollowUp(TimeStampedModel, VersionedModel):
    """A follow-up conversation with the parties, during the project or after it ends."""

    class Kind(models.TextChoices):
        INTERIM = "interim", _("During the project")
        FINAL = "final", _("Final")

    collaboration = models.ForeignKey(
        Collaboration, on_delete=models.CASCADE, related_name="follow_ups"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    due_date = models.DateField(_("due"))
    held_on = models.DateField(_("held"), null=True, blank=True)
    participants = models.TextField(_("participants"), blank=True)
    what_worked = models.TextField(_("what worked"), blank=True)
    what_to_change = models.TextField(_("what to change"), blank=True)
    lessons = models.TextField(_("lessons"), blank=True)
    would_collaborate_again = models.PositiveSmallIntegerField(
        _("would collaborate again (1–5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = FollowUpQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_date", "pk"]
        indexes = [models.Index(fields=["held_on", "due_date"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_date}"

    def get_absolute_url(self) -> str:
        return reverse("collaborations:follow_up", args=[self.collaboration_id, self.pk])

    @property
    def is_done(self) -> bool:
        return self.held_on is not None


class FollowUpAnswer(TimeStampedModel):
    """One party's answers in a follow-up: the value it got, and what it thinks."""

    follow_up = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="answers")
    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("party"), on_delete=models.PROTECT, related_name="+"
    )
    value_created = models.TextField(_("value created for the party"), blank=True)
    what_worked = models.TextField(_("what worked"), blank=True)
    what_to_change = models.TextField(_("what to change"), blank=True)
    would_collaborate_again = models.PositiveSmallIntegerField(
        _("would collaborate again (1–5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_by_contact = models.ForeignKey(
        "orgs.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("follow-up answer")
        verbose_name_plural = _("follow-up answers")
        constraints = [
            models.UniqueConstraint(
                fields=["follow_up", "organisation"], name="unique_follow_up_answer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.follow_up_id} / {self.organisation_id}"


class PartyRequestPurpose(models.TextChoices):
    APPROVE_COMMUNICATION = "communication", _("Approve communication")
    ANSWER_FOLLOW_UP = "follow_up", _("Answer a follow-up")
    CONFIRM_REGISTER = "register", _("Check the register entry")


class PartyRequest(models.Model):
    """Something one party must do, asked of its contact person through a personal,
    single-purpose, expiring link sent by e-mail, so that nobody needs an account."""

    collaboration = models.ForeignKey(
        Collaboration, on_delete=models.CASCADE, related_name="party_requests"
    )
    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("party"), on_delete=models.PROTECT, related_name="+"
    )
    contact = models.ForeignKey(
        "orgs.Contact", verbose_name=_("contact person"), on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.CharField(_("for"), max_length=20, choices=PartyRequestPurpose.choices)
    # The communication activity or follow-up the request is about; 0 for the register.
    object_id = models.PositiveIntegerField(default=0)
    nonce = models.CharField(max_length=32, editable=False)
    sent_at = models.DateTimeField(_("sent"))
    times_sent = models.PositiveSmallIntegerField(_("times sent"), default=1)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("request to a party")
        verbose_name_plural = _("requests to parties")
        ordering = ["sent_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["collaboration", "organisation", "purpose", "object_id"],
                name="unique_party_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.collaboration_id}/{self.organisation_id}: {self.purpose}"
