from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from samverkan.accounts.models import Role, User
from samverkan.collaborations.models import Collaboration
from samverkan.orgs.models import Organisation

from .choices import PublicField


class CorrectionForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("On behalf of"), queryset=Organisation.objects.none(), empty_label=None
    )
    text = forms.CharField(
        label=_("What should be corrected?"), widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, user: User, collaboration: Collaboration, **kwargs: Any):
        super().__init__(*args, **kwargs)
        parties = Organisation.objects.filter(collaboration_parties__collaboration=collaboration)
        if user.role == Role.COMPANY:
            parties = parties.filter(pk=user.organisation_id)
        self.fields["organisation"].queryset = parties  # type: ignore[attr-defined]


class WithheldFieldsForm(forms.Form):
    """Per withholdable field (reference data): keep it public, or withhold it for a reason."""

    def __init__(
        self,
        *args: Any,
        fields: list[str],
        reasons: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("Public"))] + [
            (slug, _("Withheld: %(reason)s") % {"reason": label}) for slug, label in reasons
        ]
        for name in fields:
            self.fields[name] = forms.ChoiceField(
                label=PublicField(name).label, choices=choices, required=False
            )

    def withheld(self) -> dict[str, str]:
        return {name: value for name, value in self.cleaned_data.items() if value}


class PartyCorrectionForm(forms.Form):
    """Through a party's personal link: confirm as it is, or say what should be corrected."""

    text = forms.CharField(
        label=_("What should be corrected?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.data.get("action") != "confirm" and not data.get("text", "").strip():
            self.add_error("text", _("Say what should be corrected."))
        return data


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the collaboration never really started (shown publicly)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
    )
