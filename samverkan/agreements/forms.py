from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from samverkan.accounts.models import STAFF_ROLES, User
from samverkan.collaborations.models import Collaboration
from samverkan.orgs.models import Organisation

from .actions import AgreementData
from .models import Agreement, AgreementPrinciple, PrincipleAnswer


class DateInput(forms.DateInput):
    """The browser's date picker; it always sends ISO dates, whatever the language."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class OrganisationChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class AgreementForm(forms.Form):
    """Create or edit an agreement; the parties are limited to the collaboration's."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=Agreement.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    parties = OrganisationChoiceField(
        label=_("Parties"),
        queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choices"}),
        required=False,
        help_text=_("Only the collaboration's parties can sign its agreements."),
    )
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=DateInput())
    valid_to = forms.DateField(label=_("Valid to"), required=False, widget=DateInput())
    responsible = forms.ModelChoiceField(
        label=_("Responsible coordinator"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Receives the reminders before the agreement expires."),
    )
    terms = forms.CharField(
        label=_("Terms"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        help_text=_(
            "Confidential: shown only to the infrastructure's staff and the agreement's parties."
        ),
    )

    def __init__(self, *args: Any, collaboration: Collaboration, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelMultipleChoiceField, self.fields["parties"]).queryset = (
            Organisation.objects.filter(collaboration_parties__collaboration=collaboration)
            .distinct()
            .order_by("name")
        )
        cast(forms.ModelChoiceField, self.fields["responsible"]).queryset = User.objects.filter(
            role__in=STAFF_ROLES, is_active=True
        ).order_by("first_name", "last_name", "username")

    @classmethod
    def initial_for(cls, agreement: Agreement) -> dict[str, Any]:
        return {
            "version": agreement.version,
            "kind": agreement.kind,
            "title": agreement.title,
            "parties": list(agreement.parties.all()),
            "valid_from": agreement.valid_from,
            "valid_to": agreement.valid_to,
            "responsible": agreement.responsible,
            "terms": agreement.terms,
        }

    def agreement_data(self) -> AgreementData:
        data = self.cleaned_data
        return AgreementData(
            kind=data["kind"],
            title=data["title"],
            parties=list(data["parties"]),
            valid_from=data["valid_from"],
            valid_to=data["valid_to"],
            responsible=data["responsible"],
            terms=data["terms"],
        )


class AgreementStatusForm(forms.Form):
    """Only the moves the agreement allows from where it is."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(
        label=_("New status"), widget=forms.RadioSelect(attrs={"class": "inline-choices"})
    )
    signed_on = forms.DateField(
        label=_("Signing date"),
        required=False,
        widget=DateInput(),
        help_text=_("Needed when the agreement is signed."),
    )

    def __init__(self, *args: Any, agreement: Agreement, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"version": agreement.version})
        super().__init__(*args, **kwargs)
        allowed = agreement.allowed_transitions()
        cast(forms.ChoiceField, self.fields["status"]).choices = [
            (value, label) for value, label in Agreement.Status.choices if value in allowed
        ]


class DocumentUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Document"),
        # The action decides what is acceptable, empty files included, in one place.
        allow_empty_file=True,
        widget=forms.FileInput(attrs={"accept": ".pdf,.docx,.odt"}),
        help_text=_("A PDF, Word (.docx) or OpenDocument (.odt) file of at most 20 MB."),
    )


class PrinciplesForm(forms.Form):
    """The checklist: per principle, yes / no / not applicable and a comment."""

    def __init__(self, *args: Any, principles: list[AgreementPrinciple], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.principles = principles
        for principle in principles:
            self.fields[f"answer_{principle.slug}"] = forms.ChoiceField(
                label=principle.text,
                choices=PrincipleAnswer.Answer.choices,
                widget=forms.RadioSelect(attrs={"class": "inline-choices"}),
                required=False,
            )
            self.fields[f"comment_{principle.slug}"] = forms.CharField(
                label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
            )
            if not principle.blocks_signing:
                self.fields[f"justification_{principle.slug}"] = forms.CharField(
                    label=_("Justification if the answer is “no”"),
                    help_text=_(
                        "A “no” is allowed for this principle only with a written "
                        "justification, shown on the agreement."
                    ),
                    required=False,
                    widget=forms.Textarea(attrs={"rows": 2}),
                )

    @classmethod
    def initial_for(cls, answers: list[PrincipleAnswer]) -> dict[str, str]:
        initial = {}
        for answer in answers:
            initial[f"answer_{answer.principle.slug}"] = answer.answer
            initial[f"comment_{answer.principle.slug}"] = answer.comment
            initial[f"justification_{answer.principle.slug}"] = answer.justification
        return initial

    def rows(self) -> list[tuple[AgreementPrinciple, list[forms.BoundField]]]:
        rows = []
        for p in self.principles:
            names = ["answer", "comment"] + ([] if p.blocks_signing else ["justification"])
            rows.append((p, [self[f"{name}_{p.slug}"] for name in names]))
        return rows

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for principle in self.principles:
            if data.get(f"comment_{principle.slug}") and not data.get(f"answer_{principle.slug}"):
                self.add_error(f"answer_{principle.slug}", _("Answer yes, no or not applicable."))
        return data

    def answers(self) -> dict[str, tuple[str, str]]:
        """What the action takes: the answered principles only."""
        data = self.cleaned_data
        return {
            p.slug: (data[f"answer_{p.slug}"], data[f"comment_{p.slug}"])
            for p in self.principles
            if data.get(f"answer_{p.slug}")
        }

    def justifications(self) -> dict[str, str]:
        data = self.cleaned_data
        return {
            p.slug: data.get(f"justification_{p.slug}", "")
            for p in self.principles
            if data.get(f"justification_{p.slug}")
        }
