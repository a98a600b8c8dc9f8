from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from samverkan.orgs.forms import OrganisationIdentityFields

from .actions import LinkRequestData, clean_identifier
from .models import User


class SignupDetailsForm(forms.Form):
    """Added to allauth's signup form (ACCOUNT_SIGNUP_FORM_CLASS): who the person is, so a
    coordinator deciding their link request knows whom they are linking."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)

    def signup(self, request: HttpRequest, user: User) -> None:
        # allauth's adapter has already copied the names onto the user.
        pass


class LinkRequestForm(OrganisationIdentityFields):
    note = forms.CharField(
        label=_("Your role at the organisation"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Helps the coordinator confirm that you act for the organisation."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors:
            try:
                number, foreign, country = clean_identifier(
                    data.get("organisation_number", ""),
                    data.get("foreign_identifier", ""),
                    data.get("country", ""),
                )
            except ValidationError as error:
                self.add_error(None, error)
            else:
                data.update(organisation_number=number, foreign_identifier=foreign, country=country)
        return data

    def link_request_data(self) -> LinkRequestData:
        data = self.cleaned_data
        return LinkRequestData(
            organisation_name=data["organisation_name"],
            organisation_number=data["organisation_number"],
            foreign_identifier=data["foreign_identifier"],
            country=data["country"],
            note=data["note"],
        )


class LinkDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve the link")), ("reject", _("Reject the request"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment, sent to the user"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Required when you reject: say why."),
    )
