from typing import Any

from django import forms
from django.conf import settings
from django.db.models import Exists, OuterRef, Subquery
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from samverkan.core.choices import CollaborationKind
from samverkan.core.models import Infrastructure, Parameter
from samverkan.lib import orgnr
from samverkan.needs.models import Need
from samverkan.orgs.forms import OrganisationIdentityFields
from samverkan.orgs.models import Committee
from samverkan.strategy.models import Goal

from .actions import AssessmentInput, IntakeData
from .models import (
    DESCRIPTION_MAX_LENGTH,
    DETAIL_MAX_LENGTH,
    MESSAGE_MAX_LENGTH,
    Assessment,
    CriterionScore,
    Gate,
    GateAnswer,
    Inquiry,
    PriorityCriterion,
)


class CommitteeChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class IntakeForm(OrganisationIdentityFields):
    """The central entry point. The API validates its JSON through this same form."""

    contact_name = forms.CharField(label=_("Contact person"), max_length=200)
    contact_email = forms.EmailField(label=_("E-mail"))
    title = forms.CharField(label=_("Title of your proposal"), max_length=200)
    description = forms.CharField(
        label=_("What do you propose?"), max_length=DESCRIPTION_MAX_LENGTH, widget=forms.Textarea
    )
    kinds = forms.MultipleChoiceField(
        label=_("Kind of collaboration"),
        choices=CollaborationKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    committees = CommitteeChoiceField(
        label=_("Committees it concerns"),
        queryset=Committee.objects.all(),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Optional: we route the inquiry to the right committees in any case."),
    )
    need = forms.ModelChoiceField(
        label=_("Published need you answer"),
        queryset=Need.objects.published(),
        required=False,
    )
    resources_offered = forms.CharField(
        label=_("Resources you offer"),
        max_length=DETAIL_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    mutual_benefit = forms.CharField(
        label=_("The benefit for both parties"),
        max_length=DETAIL_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    other_companies = forms.CharField(
        label=_("Other companies involved"),
        max_length=DETAIL_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    operations_in_sweden = forms.BooleanField(
        label=_("We have, or plan to have, operations in Sweden"), required=False
    )
    consent = forms.BooleanField(
        # The label names the infrastructure; see __init__.
        label=_("I agree to the storing and processing of this information"),
        error_messages={"required": _("We need your consent to handle the inquiry.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consent"].label = _(
            "I agree that %(name)s stores and processes this information to handle the inquiry"
        ) % {"name": Infrastructure.current().short}

    def clean_organisation_number(self) -> str:
        value = self.cleaned_data.get("organisation_number", "").strip()
        if not value:
            return ""
        normalised = orgnr.normalise(value)
        if normalised is None:
            raise forms.ValidationError(
                _(
                    "Not a valid Swedish organisation number: use NNNNNN-NNNN with a correct "
                    "check digit."
                )
            )
        return normalised

    def clean_country(self) -> str:
        value = self.cleaned_data.get("country", "").strip().upper()
        if value and not (len(value) == 2 and value.isalpha()):
            raise forms.ValidationError(_("Use a two-letter country code, such as DK."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        number = data.get("organisation_number")
        foreign = (data.get("foreign_identifier") or "").strip()
        data["foreign_identifier"] = foreign
        if not number and not foreign and "organisation_number" not in self.errors:
            self.add_error(
                "organisation_number",
                _("Give a Swedish organisation number, or a foreign identifier and country."),
            )
        if foreign and not number:
            if not data.get("country") and "country" not in self.errors:
                self.add_error("country", _("Give the country of the foreign identifier."))
            elif data.get("country") == "SE":
                self.add_error(
                    "organisation_number",
                    _("A Swedish organisation needs its organisation number."),
                )
        if number:
            data["country"] = "SE"
            data["foreign_identifier"] = ""
        return data

    def intake_data(self) -> IntakeData:
        data = self.cleaned_data
        return IntakeData(
            organisation_name=data["organisation_name"],
            organisation_number=data["organisation_number"],
            foreign_identifier=data["foreign_identifier"],
            country=data.get("country") or "SE",
            contact_name=data["contact_name"],
            contact_email=data["contact_email"],
            title=data["title"],
            description=data["description"],
            kinds=list(data["kinds"]),
            committees=list(data["committees"]),
            need=data.get("need"),
            resources_offered=data["resources_offered"],
            mutual_benefit=data["mutual_benefit"],
            other_companies=data["other_companies"],
            operations_in_sweden=data["operations_in_sweden"],
        )


class PublicIntakeForm(IntakeForm):
    """The page version: a one-time token against double submits and a honeypot for bots."""

    form_token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class AssignForm(VersionedForm):
    pass


class RequestInformationForm(VersionedForm):
    body = forms.CharField(
        label=_("What do you need to know?"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class SenderReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your answer"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class RouteForm(VersionedForm):
    committees = CommitteeChoiceField(
        label=_("Committees"),
        queryset=Committee.objects.all(),
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("Note to the committees"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    def __init__(
        self, *args: Any, committees: list[Committee] | None = None, **kwargs: Any
    ) -> None:
        """`committees`: every committee, already read by the page, to offer without
        reading them again (a submitted form is still checked against the table)."""
        super().__init__(*args, **kwargs)
        if committees is not None:
            self.fields["committees"].widget.choices = [(c.slug, c.name) for c in committees]


class DecisionForm(VersionedForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(s.value, s.label) for s in Inquiry.DECISIONS],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason, sent to the company"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )


def score_meanings(levels: Any = None) -> dict[int, str]:
    """What each score level means, from the reference data (or `levels`, its value
    already read), in the reader's language."""
    language = (get_language() or settings.LANGUAGE_CODE)[:2]
    if levels is None:
        levels = Parameter.get("score_levels")
    return {
        int(level["score"]): str(level.get(language) or level.get("sv") or "")
        for level in levels or []
    }


class AssessmentForm(forms.Form):
    """Built from the reference data: one yes/no and comment per gate, one score per criterion."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    goals = forms.ModelMultipleChoiceField(
        label=_("Goals it serves"),
        queryset=Goal.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    comment = forms.CharField(
        label=_("Overall comment"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    recommendation = forms.ChoiceField(
        label=_("The committee recommends"),
        choices=Assessment.Recommendation.choices,
        widget=forms.RadioSelect,
        help_text=_("The coordinator decides; your recommendation is shown on the decision."),
        error_messages={"required": _("Give the committee's recommendation.")},
    )

    def __init__(self, *args: Any, assessment: Assessment | None = None, **kwargs: Any) -> None:
        """`assessment`: the committee's earlier assessment, shown to be revised. Its answers
        come with the gates, criteria and goals they belong to: one query for each."""
        super().__init__(*args, **kwargs)
        gates = Gate.objects.all()
        criteria = PriorityCriterion.objects.all()
        goals = Goal.objects.all()
        if assessment is not None:
            answers = GateAnswer.objects.filter(assessment=assessment, gate=OuterRef("pk"))
            gates = gates.annotate(
                answer_passed=Subquery(answers.order_by().values("passed")[:1]),
                answer_comment=Subquery(answers.order_by().values("comment")[:1]),
            )
            scores = CriterionScore.objects.filter(assessment=assessment, criterion=OuterRef("pk"))
            criteria = criteria.annotate(
                answer_score=Subquery(scores.order_by().values("score")[:1])
            )
            chosen = Assessment.goals.through.objects.filter(
                assessment=assessment, goal=OuterRef("pk")
            )
            goals = goals.annotate(chosen=Exists(chosen))
        self.gates = list(gates)
        self.criteria = list(criteria)
        goal_list = list(goals)
        # Offered from the list just read; a submitted choice is still checked in the table.
        self.fields["goals"].widget.choices = [(g.pk, str(g)) for g in goal_list]
        # Whether the score scale (the meanings beside the scores) is still an assumption.
        self.scale = Parameter.objects.filter(key="score_levels").first()
        if assessment is not None and not self.is_bound:
            self.initial = {**self._initial_from(assessment, goal_list), **self.initial}
        for gate in self.gates:
            self.fields[f"gate_{gate.pk}"] = forms.TypedChoiceField(
                label=gate.text,
                choices=[("yes", _("Yes")), ("no", _("No"))],
                widget=forms.RadioSelect,
                error_messages={"required": _("Answer yes or no.")},
            )
            self.fields[f"gate_{gate.pk}_comment"] = forms.CharField(
                label=_("Comment"),
                max_length=MESSAGE_MAX_LENGTH,
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        meanings = score_meanings(
            self.scale.value if self.scale else Parameter.DEFAULTS["score_levels"]
        )
        for criterion in self.criteria:
            self.fields[f"score_{criterion.pk}"] = forms.TypedChoiceField(
                label=criterion.text,
                choices=[
                    (str(i), f"{i} – {meanings[i]}" if i in meanings else str(i))
                    for i in range(criterion.max_score + 1)
                ],
                coerce=int,
                widget=forms.RadioSelect,
                help_text=_("Weight %(weight)s") % {"weight": criterion.weight_display},
                error_messages={"required": _("Give a score.")},
            )

    def _initial_from(self, assessment: Assessment, goals: list[Goal]) -> dict[str, Any]:
        """The earlier assessment's answers, read from what __init__ annotated."""
        initial: dict[str, Any] = {
            "version": assessment.version,
            "comment": assessment.comment,
            "recommendation": assessment.recommendation,
            "goals": [g.pk for g in goals if getattr(g, "chosen", False)],
        }
        for gate in self.gates:
            passed = getattr(gate, "answer_passed", None)
            if passed is not None:
                initial[f"gate_{gate.pk}"] = "yes" if passed else "no"
                initial[f"gate_{gate.pk}_comment"] = getattr(gate, "answer_comment", "")
        for criterion in self.criteria:
            score = getattr(criterion, "answer_score", None)
            if score is not None:
                initial[f"score_{criterion.pk}"] = score
        return initial

    def gate_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"gate_{g.pk}"], self[f"gate_{g.pk}_comment"]) for g in self.gates]

    def score_fields(self) -> list[forms.BoundField]:
        return [self[f"score_{c.pk}"] for c in self.criteria]

    def assessment_input(self) -> AssessmentInput:
        data = self.cleaned_data
        return AssessmentInput(
            gates={
                g.pk: (data[f"gate_{g.pk}"] == "yes", data[f"gate_{g.pk}_comment"])
                for g in self.gates
            },
            scores={c.pk: data[f"score_{c.pk}"] for c in self.criteria},
            goals=list(data["goals"]),
            comment=data["comment"],
            recommendation=data["recommendation"],
        )
