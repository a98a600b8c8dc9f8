"""Forms for writing needs; each builds the data object its action takes."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from samverkan.accounts.models import User
from samverkan.collaborations.models import Collaboration
from samverkan.core.choices import CollaborationKind
from samverkan.orgs.models import Centre, Committee
from samverkan.strategy.models import Goal

from .actions import NeedData
from .models import Need
from .querysets import writable_centres, writable_committees

# The collaborations offered when linking one to a need: the newest this many.
LINK_CHOICES = 200


class CommitteeField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class NeedForm(forms.Form):
    offers_met = False

    committee = CommitteeField(
        label=_("Committee"),
        queryset=Committee.objects.none(),
        to_field_name="slug",
        required=False,
        help_text=_("The committee that has the need."),
    )
    centre = CommitteeField(
        label=_("Regional centre"),
        queryset=Centre.objects.none(),
        to_field_name="slug",
        required=False,
        help_text=_("Or the regional centre that has the need, instead of a committee."),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What the committee needs, why, and what a company could contribute."),
    )
    title_en = forms.CharField(
        label=_("Title in English"),
        max_length=200,
        required=False,
        help_text=_("Shown on the English pages; leave empty to show the Swedish title."),
    )
    description_en = forms.CharField(
        label=_("Description in English"),
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
    )
    kind = forms.ChoiceField(label=_("Kind of collaboration"), choices=CollaborationKind.choices)
    desired_partner = forms.CharField(
        label=_("Desired partner"),
        max_length=300,
        required=False,
        help_text=_("The kind of company or competence you look for."),
    )
    contact_committee = CommitteeField(
        label=_("Committee to contact"),
        queryset=Committee.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("The need's own committee"),
        help_text=_("Where companies' answers go."),
    )
    goals = forms.ModelMultipleChoiceField(
        label=_("Goals the need serves"),
        queryset=Goal.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=Need.Status.choices,
        initial=Need.Status.DRAFT,
        widget=forms.RadioSelect,
        help_text=_("Only published needs are shown to companies."),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["committee"]).queryset = writable_committees(user)
        centres = writable_centres(user)
        if centres.exists():
            cast(forms.ModelChoiceField, self.fields["centre"]).queryset = centres
        else:
            del self.fields["centre"]
        if not self.offers_met:
            # A new need cannot be met yet: that comes after it was published.
            cast(forms.ChoiceField, self.fields["status"]).choices = [
                c for c in Need.Status.choices if c[0] != Need.Status.MET
            ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("committee")) == bool(data.get("centre")):
            message = (
                _("Choose the committee or the regional centre that has the need, not both.")
                if "centre" in self.fields
                else _("Choose the committee that has the need.")
            )
            self.add_error("committee", message)
        return data

    @classmethod
    def initial_for(cls, need: Need) -> dict[str, Any]:
        return {
            "committee": need.committee.slug if need.committee else "",
            "centre": need.centre.slug if need.centre else "",
            "title": need.title,
            "description": need.description,
            "title_en": need.title_en,
            "description_en": need.description_en,
            "kind": need.kind,
            "desired_partner": need.desired_partner,
            "contact_committee": need.contact_committee.slug if need.contact_committee else "",
            "goals": list(need.goals.all()),
            "status": need.status,
            "version": need.version,
        }

    def need_data(self) -> NeedData:
        data = self.cleaned_data
        return NeedData(
            committee=data["committee"],
            centre=data.get("centre"),
            title=data["title"],
            description=data["description"],
            title_en=data["title_en"],
            description_en=data["description_en"],
            kind=data["kind"],
            desired_partner=data["desired_partner"],
            contact_committee=data["contact_committee"],
            status=data["status"],
            goals=list(data["goals"]),
        )


class NeedEditForm(NeedForm):
    offers_met = True
    version = forms.IntegerField(widget=forms.HiddenInput)


class NeedStatusForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("Status"), choices=Need.Status.choices)


class CollaborationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.title} ({obj.get_status_display()})"


class LinkCollaborationForm(forms.Form):
    """Pick a collaboration the user can see that answers the need."""

    collaboration = CollaborationChoiceField(
        label=_("Collaboration that answers the need"),
        queryset=Collaboration.objects.none(),
        empty_label=_("Choose a collaboration"),
    )

    def __init__(self, *args: Any, user: User, need: Need, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        candidates = (
            Collaboration.objects.visible_to(user)
            .exclude(need_links__need=need)
            .order_by("-created_at", "-pk")
        )
        ids = list(candidates.values_list("pk", flat=True)[:LINK_CHOICES])
        field = cast(forms.ModelChoiceField, self.fields["collaboration"])
        field.queryset = Collaboration.objects.filter(pk__in=ids).order_by("title")
