import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from samverkan.core.models import OrderedRule, TimeStampedModel, VersionedModel


class AgreementPrinciple(OrderedRule):
    """A principle every collaboration agreement is checked against (reference data)."""

    blocks_signing = models.BooleanField(
        _("a “no” blocks signing"),
        default=False,
        help_text=_(
            "When set, an agreement that does not meet the principle cannot be signed; "
            "otherwise a “no” needs a written justification."
        ),
    )

    class Meta(OrderedRule.Meta):
        verbose_name = _("agreement principle")
        verbose_name_plural = _("agreement principles")


class Agreement(TimeStampedModel, VersionedModel):
    class Kind(models.TextChoices):
        COLLABORATION = "collaboration", _("Collaboration agreement")
        CONFIDENTIALITY = "confidentiality", _("Confidentiality agreement (NDA)")
        DATA_PROCESSING = "data_processing", _("Data-processing agreement")
        TRANSFER = "transfer", _("Material or data transfer agreement")
        OTHER = "other", _("Other agreement")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        NEGOTIATION = "negotiation", _("In negotiation")
        SIGNED = "signed", _("Signed")
        EXPIRED = "expired", _("Expired")
        TERMINATED = "terminated", _("Terminated")

    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.DRAFT: frozenset({Status.NEGOTIATION, Status.SIGNED, Status.TERMINATED}),
        Status.NEGOTIATION: frozenset({Status.DRAFT, Status.SIGNED, Status.TERMINATED}),
        Status.SIGNED: frozenset({Status.EXPIRED, Status.TERMINATED}),
        Status.EXPIRED: frozenset(),
        Status.TERMINATED: frozenset(),
    }

    collaboration = models.ForeignKey(
        "collaborations.Collaboration",
        verbose_name=_("collaboration"),
        on_delete=models.CASCADE,
        related_name="agreements",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    parties = models.ManyToManyField(
        "orgs.Organisation", verbose_name=_("parties"), related_name="agreements"
    )
    signed_on = models.DateField(_("signed"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True, db_index=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible coordinator"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    terms = models.TextField(_("terms"), blank=True, help_text=_("Confidential: never published."))

    history = HistoricalRecords(m2m_fields=[parties])

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "valid_to"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("collaborations:agreement", args=[self.collaboration_id, self.pk])

    def allowed_transitions(self) -> frozenset[str]:
        return self.TRANSITIONS[self.status]

    def signing_blockers(self, *, with_date: bool = True) -> list[str]:
        """What is still missing before the agreement can be signed; empty when nothing is.

        The signing date is asked on the signing form itself, so the form leaves it out
        (``with_date=False``) and lists only what must be done elsewhere first.
        """
        problems: list[str] = []
        if with_date and self.signed_on is None:
            problems.append(gettext("Give the date the agreement was signed."))
        if self.parties.count() < 2:
            problems.append(gettext("An agreement needs at least two parties."))
        if not self.documents.exists():
            problems.append(gettext("Upload the signed document first."))
        answers = {a.principle_id: a for a in self.principles.all()}
        for principle in AgreementPrinciple.objects.all():
            answer = answers.get(principle.pk)
            if answer is None:
                problems.append(
                    gettext("Answer the principle “%(principle)s”.") % {"principle": principle.text}
                )
            elif answer.answer != PrincipleAnswer.Answer.NO:
                continue
            elif principle.blocks_signing:
                problems.append(
                    gettext("The agreement does not meet “%(principle)s”, which signing requires.")
                    % {"principle": principle.text}
                )
            elif not answer.justification.strip():
                problems.append(
                    gettext("Justify in writing why the agreement does not meet “%(principle)s”.")
                    % {"principle": principle.text}
                )
        return problems


def document_path(instance: "AgreementDocument", filename: str) -> str:
    # A random name: the stored path reveals nothing and cannot be guessed.
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"agreements/{instance.agreement_id}/{uuid.uuid4().hex}{suffix}"


class AgreementDocument(models.Model):
    """One version of the agreement's document; every version is kept."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="documents")
    number = models.PositiveIntegerField(_("version"))
    file = models.FileField(_("file"), upload_to=document_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("checksum"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("agreement document")
        verbose_name_plural = _("agreement documents")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="unique_document_version")
        ]

    def __str__(self) -> str:
        return f"{self.original_name} (v{self.number})"

    def get_absolute_url(self) -> str:
        return reverse(
            "collaborations:agreement_document",
            args=[self.agreement.collaboration_id, self.agreement_id, self.pk],
        )


class PrincipleAnswer(models.Model):
    """How the agreement meets one principle, with a comment."""

    class Answer(models.TextChoices):
        YES = "yes", _("Yes")
        NO = "no", _("No")
        NOT_APPLICABLE = "na", _("Not applicable")

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="principles")
    principle = models.ForeignKey(
        AgreementPrinciple, verbose_name=_("principle"), on_delete=models.PROTECT
    )
    answer = models.CharField(_("answer"), max_length=3, choices=Answer.choices)
    comment = models.TextField(_("comment"), blank=True)
    justification = models.TextField(
        _("justification"),
        blank=True,
        help_text=_("Why the agreement may be signed although it does not meet the principle."),
    )

    class Meta:
        ordering = ["principle__order"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "principle"], name="unique_principle")
        ]

    def __str__(self) -> str:
        return f"{self.principle_id}: {self.answer}"
