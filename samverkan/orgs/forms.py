"""Forms of the network pages; each builds the data object its action takes."""

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from samverkan.accounts.models import Role, User

from . import importing
from .actions import ContactData, EventData, InteractionData, OrganisationData
from .linking import LinkRequestData, clean_identifier
from .models import Committee, Contact, Event, Interaction, Organisation


def country_choices() -> list[tuple[str, str]]:
    """The ISO 3166 countries by name in the page's language, after an empty choice."""
    return [("", str(_("Choose a country"))), *((code, str(name)) for code, name in countries)]


class CountryField(forms.ChoiceField):
    """A country chosen from the list, not typed: a name typed where a code was wanted
    ("Danmark") was cut to "DA" and accepted. A code sent by another system may come in
    lower case."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=country_choices, **kwargs)

    def to_python(self, value: Any) -> str:
        return str(super().to_python(value)).strip().upper()


class OrganisationIdentityFields(forms.Form):
    """Who an organisation is, as a person outside the infrastructure gives it: the public
    intake and the company link request ask the same way."""

    organisation_name = forms.CharField(label=_("Organisation"), max_length=200)
    organisation_number = forms.CharField(
        label=_("Swedish organisation number"),
        max_length=13,
        required=False,
        help_text=_("NNNNNN-NNNN. Leave empty for an organisation outside Sweden."),
    )
    foreign_identifier = forms.CharField(
        label=_("Foreign identifier"),
        max_length=64,
        required=False,
        help_text=_("VAT or company register number, for organisations outside Sweden."),
    )
    country = CountryField(
        label=_("Country"),
        required=False,
        help_text=_("For an organisation outside Sweden."),
    )


class DateInput(forms.DateInput):
    """The browser's date picker; it sends and expects ISO dates in every language."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def apply_errors(form: forms.Form, error: ValidationError) -> None:
    """Show an action's refusal on the fields it names, the rest above the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            target = name if name in form.fields else None
            for item in errors:
                form.add_error(target, item.messages)
    else:
        form.add_error(None, error.messages)


def staff_users() -> QuerySet[User]:
    """People from the infrastructure: everyone with an account who is not a company user."""
    return (
        User.objects.filter(is_active=True)
        .exclude(role=Role.COMPANY)
        .order_by("first_name", "last_name", "username")
    )


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj} ({obj.get_role_display()})"


class UserMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj} ({obj.get_role_display()})"


class CommitteeChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class OrganisationForm(VersionedForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Organisation.Kind.choices)
    organisation_number = forms.CharField(
        label=_("Organisation number"),
        max_length=13,
        required=False,
        help_text=_("Swedish organisations: NNNNNN-NNNN."),
    )
    foreign_identifier = forms.CharField(
        label=_("Foreign identifier"),
        max_length=64,
        required=False,
        help_text=_("VAT or company register number for organisations outside Sweden."),
    )
    country = CountryField(label=_("Country"), initial="SE")
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")

    @classmethod
    def initial_for(cls, organisation: Organisation) -> dict[str, Any]:
        return {
            "version": organisation.version,
            "name": organisation.name,
            "kind": organisation.kind,
            "organisation_number": organisation.organisation_number,
            "foreign_identifier": organisation.foreign_identifier,
            "country": organisation.country,
            "website": organisation.website,
        }

    def organisation_data(self) -> OrganisationData:
        data = self.cleaned_data
        return OrganisationData(
            name=data["name"],
            kind=data["kind"],
            organisation_number=data["organisation_number"],
            foreign_identifier=data["foreign_identifier"],
            country=data["country"],
            website=data["website"],
        )


class ContactForm(VersionedForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    email = forms.EmailField(label=_("E-mail"))
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    legal_basis = forms.ChoiceField(
        label=_("Legal basis"),
        choices=Contact.LegalBasis.choices,
        help_text=_("Why the infrastructure may keep this person's data (GDPR article 6)."),
    )
    consent_given_on = forms.DateField(
        label=_("Consent given"),
        widget=DateInput(),
        required=False,
        help_text=_("Needed when the legal basis is consent."),
    )
    consent_withdrawn_on = forms.DateField(
        label=_("Consent withdrawn"), widget=DateInput(), required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("legal_basis") == Contact.LegalBasis.CONSENT and not data.get(
            "consent_given_on"
        ):
            self.add_error("consent_given_on", _("Give the day the person consented."))
        return data

    @classmethod
    def initial_for(cls, contact: Contact) -> dict[str, Any]:
        return {
            "version": contact.version,
            "name": contact.name,
            "email": contact.email,
            "phone": contact.phone,
            "title": contact.title,
            "legal_basis": contact.legal_basis,
            "consent_given_on": _local_date(contact.consent_given_at),
            "consent_withdrawn_on": _local_date(contact.consent_withdrawn_at),
        }

    def contact_data(self, contact: Contact | None = None) -> ContactData:
        data = self.cleaned_data
        return ContactData(
            name=data["name"],
            email=data["email"],
            phone=data["phone"],
            title=data["title"],
            legal_basis=data["legal_basis"],
            consent_given_at=_moment(
                data["consent_given_on"], contact.consent_given_at if contact else None
            ),
            consent_withdrawn_at=_moment(
                data["consent_withdrawn_on"], contact.consent_withdrawn_at if contact else None
            ),
        )


def _local_date(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localdate(moment) if moment else None


def _moment(
    day: datetime.date | None, current: datetime.datetime | None
) -> datetime.datetime | None:
    """A day as a moment: the stored one when it is the same day, else local midnight."""
    if day is None:
        return None
    if current is not None and timezone.localdate(current) == day:
        return current
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


class MembershipForm(forms.Form):
    association = forms.ModelChoiceField(
        label=_("Association"),
        queryset=Organisation.objects.filter(kind=Organisation.Kind.ASSOCIATION),
        empty_label=_("Choose an association"),
    )
    since = forms.DateField(label=_("Member since"), widget=DateInput(), required=False)

    def __init__(self, *args: Any, organisation: Organisation | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if organisation is not None:
            field: Any = self.fields["association"]
            field.queryset = field.queryset.exclude(pk=organisation.pk).exclude(
                members__organisation=organisation
            )


class InteractionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[c for c in Interaction.Kind.choices if c[0] != Interaction.Kind.EVENT],
        help_text=_("Events are logged from the event's page."),
    )
    date = forms.DateField(label=_("Date"), widget=DateInput())
    subject = forms.CharField(label=_("Subject"), max_length=200)
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    contacts = forms.ModelMultipleChoiceField(
        label=_("Their participants"),
        queryset=Contact.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    participants = UserMultipleChoiceField(
        label=_("Participants from the infrastructure"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        contacts: Any = self.fields["contacts"]
        contacts.queryset = organisation.contacts.filter(erased_at__isnull=True).order_by("name")
        participants: Any = self.fields["participants"]
        participants.queryset = staff_users()

    def interaction_data(self) -> InteractionData:
        data = self.cleaned_data
        return InteractionData(
            kind=data["kind"],
            date=data["date"],
            subject=data["subject"],
            notes=data["notes"],
            contacts=list(data["contacts"]),
            participants=list(data["participants"]),
        )


class EventForm(VersionedForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Event.Kind.choices)
    date = forms.DateField(label=_("Date"), widget=DateInput())
    location = forms.CharField(label=_("Place"), max_length=200, required=False)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    committees = CommitteeChoiceField(
        label=_("Committees"),
        queryset=Committee.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    @classmethod
    def initial_for(cls, event: Event) -> dict[str, Any]:
        return {
            "version": event.version,
            "title": event.title,
            "kind": event.kind,
            "date": event.date,
            "location": event.location,
            "description": event.description,
            "committees": list(event.committees.all()),
        }

    def event_data(self) -> EventData:
        data = self.cleaned_data
        return EventData(
            title=data["title"],
            kind=data["kind"],
            date=data["date"],
            location=data["location"],
            description=data["description"],
            committees=list(data["committees"]),
        )


class StaffParticipantForm(forms.Form):
    """Someone from the infrastructure, for the party (region or university) they came for."""

    user = UserChoiceField(label=_("Person from the infrastructure"), queryset=User.objects.none())
    organisation = forms.ModelChoiceField(
        label=_("For the infrastructure party"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_("Their own organisation when left empty."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user: Any = self.fields["user"]
        user.queryset = staff_users().select_related("organisation")
        organisation: Any = self.fields["organisation"]
        organisation.queryset = Organisation.objects.infrastructure_parties()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        user = data.get("user")
        if user is not None and data.get("organisation") is None:
            if user.organisation is None:
                self.add_error("organisation", _("Choose the infrastructure party they came for."))
            else:
                data["organisation"] = user.organisation
        return data


class CompanyParticipantForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.exclude(is_infrastructure_party=True),
    )
    contact_email = forms.EmailField(
        label=_("Contact's e-mail"),
        required=False,
        help_text=_("One of the organisation's contacts; empty when no one is named."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        organisation, email = data.get("organisation"), data.get("contact_email")
        data["contact"] = None
        if organisation is not None and email:
            contact = organisation.contacts.filter(
                email__iexact=email, erased_at__isnull=True
            ).first()
            if contact is None:
                self.add_error(
                    "contact_email", _("The organisation has no contact with this e-mail.")
                )
            data["contact"] = contact
        return data


class MergeForm(forms.Form):
    KEEP_THIS, KEEP_OTHER = "this", "other"
    keep = forms.ChoiceField(
        label=_("Keep"),
        choices=[(KEEP_THIS, _("This organisation")), (KEEP_OTHER, _("The other one"))],
        widget=forms.RadioSelect,
        initial=KEEP_THIS,
    )
    other = forms.IntegerField(widget=forms.HiddenInput)
    this_version = forms.IntegerField(widget=forms.HiddenInput)
    other_version = forms.IntegerField(widget=forms.HiddenInput)


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV or Excel (.xlsx), at most 30 MB, with the columns of the template."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > importing.MAX_BYTES:
            raise ValidationError(
                _("The file is larger than %(size)s MB.")
                % {"size": importing.MAX_BYTES // (1024 * 1024)}
            )
        if not upload.name.lower().endswith(importing.EXTENSIONS):
            raise ValidationError(_("Upload a CSV file or an Excel workbook (.xlsx)."))
        return upload


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=200, required=False)


# Linking a company user to their organisation (samverkan.orgs.linking) ---------------------


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
