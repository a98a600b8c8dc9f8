from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from samverkan.agreements.forms import DateInput
from samverkan.orgs.models import Organisation

from .actions import CommunicationData
from .models import Approval, CommunicationActivity


class CommunicationForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=CommunicationActivity.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    text = forms.CharField(
        label=_("Draft text"),
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_(
            "Make clear that the communication concerns the infrastructure: name it. "
            "Every party to the signed agreement approves the text; a changed text is "
            "approved again."
        ),
    )
    planned_date = forms.DateField(label=_("Planned date"), required=False, widget=DateInput())
    channel = forms.CharField(
        label=_("Channel"),
        max_length=200,
        required=False,
        help_text=_(
            "Where it is published or given, such as a website, a journal or a conference."
        ),
    )

    @classmethod
    def initial_for(cls, activity: CommunicationActivity) -> dict[str, Any]:
        return {
            "version": activity.version,
            "kind": activity.kind,
            "title": activity.title,
            "text": activity.text,
            "planned_date": activity.planned_date,
            "channel": activity.channel,
        }

    def communication_data(self) -> CommunicationData:
        data = self.cleaned_data
        return CommunicationData(
            kind=data["kind"],
            title=data["title"],
            text=data["text"],
            planned_date=data["planned_date"],
            channel=data["channel"],
        )

    def lacks_infrastructure_name(self) -> bool:
        """True when there is a text and it does not name the infrastructure."""
        title = self["title"].value() or ""
        text = self["text"].value() or ""
        if not (str(title).strip() or str(text).strip()):
            return False
        return not CommunicationActivity(title=str(title), text=str(text)).names_infrastructure


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class DecisionForm(forms.Form):
    """Approve, or ask for changes, for one organisation, on the text version read."""

    text_version = forms.IntegerField(widget=forms.HiddenInput)
    organisation = OrganisationChoiceField(
        label=_("On behalf of"), queryset=Organisation.objects.none(), empty_label=None
    )
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (Approval.Decision.APPROVED, _("Approve")),
            (Approval.Decision.CHANGES_REQUESTED, _("Ask for changes")),
        ],
        widget=forms.RadioSelect(attrs={"class": "inline-choices"}),
    )
    comment = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Required when you ask for changes: say what should change."),
    )

    def __init__(self, *args: Any, organisations: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["organisation"])
        field.queryset = Organisation.objects.filter(pk__in=[o.pk for o in organisations]).order_by(
            "name"
        )
        if not self.is_bound:
            # The page offers the organisations it has read; a posted choice is checked
            # against the database.
            field.choices = [
                (o.pk, field.label_from_instance(o))
                for o in sorted(organisations, key=lambda o: o.name)
            ]
