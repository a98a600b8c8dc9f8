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


class HiddenFieldsForm(forms.Form):
    hidden = forms.MultipleChoiceField(
        label=_("Keep these fields out of the register"),
        choices=PublicField.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
