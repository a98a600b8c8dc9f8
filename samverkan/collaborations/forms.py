"""Forms for the collaboration pages; each builds the data object its action takes."""

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.formats import get_format
from django.utils.translation import gettext_lazy as _

from samverkan.accounts.models import STAFF_ROLES, Role, User
from samverkan.core.choices import CollaborationKind
from samverkan.inquiries.models import Gate
from samverkan.orgs.models import Centre, Committee, Contact, Organisation
from samverkan.strategy.models import Goal

from .actions import CollaborationData, FollowUpRecord, FundingData, PartyData
from .models import (
    Collaboration,
    CollaborationParty,
    FollowUp,
    Funder,
    FundingApplication,
    PartyRequest,
)


class DateInput(forms.DateInput):
    """The browser's date picker; it sends and expects ISO dates in every language."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class NameChoiceField(forms.ModelMultipleChoiceField):
    """Committees and centres by their name in the active language."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj} ({obj.get_role_display()})"


def apply_errors(form: forms.Form, error: ValidationError) -> None:
    """Show an action's refusal on the fields it names, the rest above the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            target = name if name in form.fields else None
            for item in errors:
                form.add_error(target, item.messages)
    else:
        form.add_error(None, error.messages)


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


def staff_users() -> QuerySet[User]:
    return User.objects.filter(is_active=True, role__in=STAFF_ROLES).order_by(
        "first_name", "last_name", "username"
    )


class CollaborationForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind of collaboration"), choices=CollaborationKind.choices)
    summary = forms.CharField(
        label=_("Public summary"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("May be published in the transparency register."),
    )
    internal_notes = forms.CharField(
        label=_("Internal notes"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("Confidential: never shown to the companies."),
    )
    start_date = forms.DateField(label=_("Start date"), widget=DateInput(), required=False)
    end_date = forms.DateField(label=_("End date"), widget=DateInput(), required=False)
    committees = NameChoiceField(
        label=_("Committees"),
        queryset=Committee.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    centres = NameChoiceField(
        label=_("Regional centres"),
        queryset=Centre.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    goals = forms.ModelMultipleChoiceField(
        label=_("Goals served"),
        queryset=Goal.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    responsible = UserChoiceField(
        label=_("Responsible coordinator"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("You, when left empty."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = staff_users()  # type: ignore[attr-defined]

    @classmethod
    def initial_for(cls, collaboration: Collaboration) -> dict[str, Any]:
        return {
            "version": collaboration.version,
            "title": collaboration.title,
            "kind": collaboration.kind,
            "summary": collaboration.summary,
            "internal_notes": collaboration.internal_notes,
            "start_date": collaboration.start_date,
            "end_date": collaboration.end_date,
            "committees": list(collaboration.committees.all()),
            "centres": list(collaboration.centres.all()),
            "goals": list(collaboration.goals.all()),
            "responsible": collaboration.responsible,
        }

    def collaboration_data(self) -> CollaborationData:
        data = self.cleaned_data
        return CollaborationData(
            title=data["title"],
            kind=data["kind"],
            summary=data["summary"],
            internal_notes=data["internal_notes"],
            start_date=data["start_date"],
            end_date=data["end_date"],
            committees=list(data["committees"]),
            centres=list(data["centres"]),
            goals=list(data["goals"]),
            responsible=data["responsible"],
        )


class CollaborationEditForm(VersionedForm, CollaborationForm):
    pass


class StatusForm(VersionedForm):
    status = forms.ChoiceField(label=_("New status"), choices=Collaboration.Status.choices)

    def __init__(self, *args: Any, collaboration: Collaboration | None, **kwargs: Any) -> None:
        """Offer only the moves the collaboration allows; None accepts any status, so that
        the action can explain why a move is refused."""
        super().__init__(*args, **kwargs)
        if collaboration is None:
            return
        allowed = collaboration.allowed_transitions()
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            (value, label) for value, label in Collaboration.Status.choices if value in allowed
        ]


class PartyForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.all()
    )
    role = forms.ChoiceField(label=_("Role"), choices=CollaborationParty.Role.choices)
    role_description = forms.CharField(
        label=_("Role in the project"), max_length=200, required=False
    )
    resources = forms.CharField(
        label=_("Resources it brings"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    approver = UserChoiceField(
        label=_("Approves communication"),
        queryset=User.objects.none(),
        required=False,
        help_text=_(
            "Who approves communication for the organisation. When empty, a company's own users "
            "approve, and coordinators approve for the infrastructure's parties."
        ),
    )

    def __init__(self, *args: Any, party: CollaborationParty | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.party = party
        self.fields["approver"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            is_active=True, role__in=[Role.COMPANY, Role.COMMITTEE, *STAFF_ROLES]
        ).order_by("first_name", "last_name", "username")
        if party is not None:
            # The organisation is what identifies a party; change it by removing and adding.
            del self.fields["organisation"]
            self.fields["contact"] = forms.ModelChoiceField(
                label=_("Contact person"),
                queryset=Contact.objects.filter(
                    organisation_id=party.organisation_id, erased_at__isnull=True
                ).exclude(email=""),
                required=False,
                help_text=_(
                    "Receives personal links by e-mail to approve communication, answer "
                    "follow-ups and check the register entry, without an account."
                ),
            )

    @classmethod
    def initial_for(cls, party: CollaborationParty) -> dict[str, Any]:
        return {
            "role": party.role,
            "role_description": party.role_description,
            "resources": party.resources,
            "approver": party.approver,
            "contact": party.contact_id,
        }

    def party_data(self) -> PartyData:
        data = self.cleaned_data
        organisation = self.party.organisation if self.party else data["organisation"]
        return PartyData(
            organisation=organisation,
            role=data["role"],
            role_description=data["role_description"],
            resources=data["resources"],
            approver=data["approver"],
            contact=data.get("contact"),
        )


class GatesForm(VersionedForm):
    """The same gate form as a committee's assessment: one yes/no and comment per gate,
    for a collaboration the infrastructure starts itself."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.gates = list(Gate.objects.all())
        for gate in self.gates:
            self.fields[f"gate_{gate.pk}"] = forms.ChoiceField(
                label=gate.text,
                choices=[("yes", _("Yes")), ("no", _("No"))],
                widget=forms.RadioSelect,
                error_messages={"required": _("Answer yes or no.")},
            )
            self.fields[f"gate_{gate.pk}_comment"] = forms.CharField(
                label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
            )

    @classmethod
    def initial_for(cls, collaboration: Collaboration) -> dict[str, Any]:
        initial: dict[str, Any] = {"version": collaboration.version}
        for answer in collaboration.gate_answers.all():
            initial[f"gate_{answer.gate_id}"] = "yes" if answer.passed else "no"
            initial[f"gate_{answer.gate_id}_comment"] = answer.comment
        return initial

    def gate_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"gate_{g.pk}"], self[f"gate_{g.pk}_comment"]) for g in self.gates]

    def answers(self) -> dict[int, tuple[bool, str]]:
        data = self.cleaned_data
        return {
            g.pk: (data[f"gate_{g.pk}"] == "yes", data[f"gate_{g.pk}_comment"]) for g in self.gates
        }


def _contact_label(contact: Contact) -> str:
    """A party's contact persons may share a name; their addresses tell them apart."""
    return f"{contact.name} <{contact.email}>"


class ResendForm(forms.Form):
    contact = forms.ModelChoiceField(
        label=_("Send to"), queryset=Contact.objects.none(), required=False, empty_label=None
    )

    def __init__(
        self,
        *args: Any,
        request: PartyRequest,
        other: bool = False,
        contacts: list[Contact] | None = None,
        **kwargs: Any,
    ) -> None:
        """With `other`, only the party's other contact persons are offered: the form
        chooses another contact, and resending to the same one is a button of its own.
        `contacts`, the party's reachable contact persons when already read, become the
        choices without a query of their own."""
        super().__init__(*args, **kwargs)
        field = self.fields["contact"]
        field.label_from_instance = _contact_label  # type: ignore[attr-defined]
        field.queryset = self.reachable([request.organisation_id])  # type: ignore[attr-defined]
        field.initial = None if other else request.contact_id
        if self.is_bound:
            return
        if other:
            field.queryset = field.queryset.exclude(pk=request.contact_id)  # type: ignore[attr-defined]
        if contacts is not None:
            field.choices = [  # type: ignore[attr-defined]
                (c.pk, _contact_label(c))
                for c in contacts
                if not (other and c.pk == request.contact_id)
            ]

    @staticmethod
    def reachable(organisation_ids: Iterable[int]) -> "QuerySet[Contact]":
        """The contact persons a link can be sent to: not erased, with an address."""
        return Contact.objects.filter(
            organisation_id__in=organisation_ids, erased_at__isnull=True
        ).exclude(email="")


def resend_forms(
    requests: list[PartyRequest], *, other: bool = False
) -> list[tuple[PartyRequest, ResendForm]]:
    """A resend form for each waiting request, the contact persons of all of them read
    in one query."""
    contacts: dict[int, list[Contact]] = defaultdict(list)
    if requests:
        for contact in ResendForm.reachable({r.organisation_id for r in requests}):
            contacts[contact.organisation_id].append(contact)
    return [
        (
            r,
            ResendForm(
                request=r, prefix=f"resend{r.pk}", other=other, contacts=contacts[r.organisation_id]
            ),
        )
        for r in requests
    ]


class AmountField(forms.DecimalField):
    """An amount shown and read as the page's language writes numbers: "4 800 000,50" in
    Swedish, "4,800,000.50" in English (a number input would show "4800000.50")."""

    widget = forms.TextInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", 0)
        super().__init__(localize=True, **kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        # No min/step: they are for number inputs, and a text input gets the decimal keypad.
        return {"inputmode": "decimal"}

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            thousands = str(get_format("THOUSAND_SEPARATOR"))
            value = "".join(value.split())  # spaces and no-break spaces between groups
            if thousands.strip() and thousands != str(get_format("DECIMAL_SEPARATOR")):
                value = value.replace(thousands, "")
        return super().to_python(value)


class FundingForm(forms.Form):
    funder = forms.ChoiceField(label=_("Funder"))
    funder_name = forms.CharField(
        label=_("Funder's name"),
        max_length=200,
        required=False,
        help_text=_("Needed when the funder is “Other”."),
    )
    call = forms.CharField(label=_("Call"), max_length=300)
    applicants = forms.ModelMultipleChoiceField(
        label=_("Applicants"),
        queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    amount_applied = AmountField(label=_("Amount applied for"))
    amount_granted = AmountField(label=_("Amount granted"), required=False)
    currency = forms.CharField(
        label=_("Currency"),
        max_length=3,
        min_length=3,
        initial="SEK",
        help_text=_("Three-letter code, such as SEK or EUR."),
    )
    status = forms.ChoiceField(label=_("Status"), choices=FundingApplication.Status.choices)
    submitted_on = forms.DateField(label=_("Submitted"), widget=DateInput(), required=False)
    decided_on = forms.DateField(label=_("Decided"), widget=DateInput(), required=False)

    def __init__(self, *args: Any, collaboration: Collaboration, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The reference data's funders, and any other by name.
        self.fields["funder"].choices = [  # type: ignore[attr-defined]
            *Funder.objects.values_list("slug", "name"),
            (Funder.OTHER, _("Other")),
        ]
        self.fields["applicants"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            collaboration_parties__collaboration=collaboration
        ).order_by("name")

    def clean_currency(self) -> str:
        value = str(self.cleaned_data["currency"]).strip().upper()
        if not value.isalpha():
            raise forms.ValidationError(_("Use a three-letter currency code, such as SEK."))
        return value

    @classmethod
    def initial_for(cls, application: FundingApplication) -> dict[str, Any]:
        return {
            "version": application.version,
            "funder": application.funder_slug,
            "funder_name": application.funder_name,
            "call": application.call,
            "applicants": list(application.applicants.all()),
            "amount_applied": application.amount_applied,
            "amount_granted": application.amount_granted,
            "currency": application.currency,
            "status": application.status,
            "submitted_on": application.submitted_on,
            "decided_on": application.decided_on,
        }

    def funding_data(self) -> FundingData:
        data = self.cleaned_data
        return FundingData(
            funder=data["funder"],
            funder_name=data["funder_name"],
            call=data["call"],
            amount_applied=data["amount_applied"],
            amount_granted=data["amount_granted"],
            currency=data["currency"],
            status=data["status"],
            submitted_on=data["submitted_on"],
            decided_on=data["decided_on"],
            applicants=list(data["applicants"]),
        )


class FundingEditForm(VersionedForm, FundingForm):
    pass


class FollowUpCreateForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=FollowUp.Kind.choices)
    due_date = forms.DateField(label=_("Due"), widget=DateInput())


RATING_CHOICES = [("", _("No answer")), *[(str(i), str(i)) for i in range(1, 6)]]


def rating_field() -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=_("Would collaborate again (1–5)"),
        choices=RATING_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("1 means not at all, 5 means certainly."),
    )


def text_field(label: Any, *, rows: int = 3, required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label, widget=forms.Textarea(attrs={"rows": rows}), required=required
    )


class FollowUpRecordForm(VersionedForm):
    """The coordinator's record of the follow-up conversation."""

    held_on = forms.DateField(label=_("Held on"), widget=DateInput())
    participants = text_field(_("Participants"), rows=2)
    what_worked = text_field(_("What worked"))
    what_to_change = text_field(_("What to change"))
    lessons = text_field(_("Lessons"))
    would_collaborate_again = rating_field()
    notes = text_field(_("Notes"))

    @classmethod
    def initial_for(cls, follow_up: FollowUp) -> dict[str, Any]:
        return {
            "version": follow_up.version,
            "held_on": follow_up.held_on,
            "participants": follow_up.participants,
            "what_worked": follow_up.what_worked,
            "what_to_change": follow_up.what_to_change,
            "lessons": follow_up.lessons,
            "would_collaborate_again": follow_up.would_collaborate_again,
            "notes": follow_up.notes,
        }

    def record(self) -> FollowUpRecord:
        data = self.cleaned_data
        return FollowUpRecord(
            held_on=data["held_on"],
            participants=data["participants"],
            what_worked=data["what_worked"],
            what_to_change=data["what_to_change"],
            lessons=data["lessons"],
            would_collaborate_again=data["would_collaborate_again"],
            notes=data["notes"],
        )


class FollowUpAnswerForm(forms.Form):
    """A party's own answers. Coordinators choose the party; company users answer for theirs."""

    organisation = forms.ModelChoiceField(
        label=_("Answer for"), queryset=Organisation.objects.none()
    )
    value_created = text_field(_("Value created for the organisation"), required=True)
    what_worked = text_field(_("What worked"))
    what_to_change = text_field(_("What to change"))
    would_collaborate_again = rating_field()

    def __init__(
        self, *args: Any, collaboration: Collaboration, choose_party: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if choose_party:
            self.fields["organisation"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
                collaboration_parties__collaboration=collaboration
            ).order_by("name")
        else:
            del self.fields["organisation"]
