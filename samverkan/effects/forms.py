import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samverkan.core.choices import CollaborationKind
from samverkan.orgs.models import Centre, Committee

from .indicators import MAX_PERIOD_YEARS, Interval, Scope
from .models import Report


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def presets(
    today: datetime.date | None = None,
) -> list[tuple[str, Any, datetime.date, datetime.date]]:
    """The periods one click away: (key, label, first day, last day)."""
    today = today or timezone.localdate()
    year = today.year
    return [
        ("this_year", _("This year"), datetime.date(year, 1, 1), today),
        (
            "last_year",
            _("Last year"),
            datetime.date(year - 1, 1, 1),
            datetime.date(year - 1, 12, 31),
        ),
        ("last_3_years", _("Last 3 years"), datetime.date(year - 2, 1, 1), today),
    ]


def default_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """This year and the two before it: long enough to show a trend."""
    _key, _label, start, end = presets(today)[2]
    return start, end


class ScopeForm(forms.Form):
    """The period and filters the indicators answer for."""

    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())
    committee = forms.ModelChoiceField(
        label=_("Committee"),
        queryset=Committee.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("All committees"),
    )
    centre = forms.ModelChoiceField(
        label=_("Regional centre"),
        queryset=Centre.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("All regional centres"),
    )
    kind = forms.ChoiceField(
        label=_("Kind of collaboration"),
        choices=[("", _("All kinds")), *CollaborationKind.choices],
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = default_period()
        data["date_from"] = data.get("date_from") or start
        data["date_to"] = data.get("date_to") or (
            end if data["date_from"] <= end else data["date_from"]
        )
        if data["date_to"] < data["date_from"]:
            raise ValidationError({"date_to": _("The end of the period is before its start.")})
        if (data["date_to"] - data["date_from"]).days > MAX_PERIOD_YEARS * 366:
            raise ValidationError(
                {
                    "date_to": _("Choose a period of at most %(years)s years.")
                    % {"years": MAX_PERIOD_YEARS}
                }
            )
        return data

    def scope(self) -> Scope:
        """The scope asked for; call after is_valid()."""
        data = self.cleaned_data
        return Scope(
            start=data["date_from"],
            end=data["date_to"],
            committee=data.get("committee"),
            centre=data.get("centre"),
            kind=data.get("kind") or "",
        )


class DashboardForm(ScopeForm):
    interval = forms.ChoiceField(
        label=_("Series"), choices=Interval.choices, required=False, initial=Interval.QUARTER
    )

    def interval_value(self) -> str:
        return self.cleaned_data.get("interval") or Interval.QUARTER


class ReportForm(ScopeForm):
    """What an annual report covers, its language and its format."""

    date_from = forms.DateField(label=_("From"), widget=DateInput())
    date_to = forms.DateField(label=_("To"), widget=DateInput())
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    format = forms.ChoiceField(
        label=_("Format"), choices=Report.Format.choices, widget=forms.RadioSelect
    )

    @classmethod
    def initial_for(cls, language: str) -> dict[str, Any]:
        _key, _label, start, end = presets()[1]
        return {
            "date_from": start,
            "date_to": end,
            "language": language if language in dict(settings.LANGUAGES) else "sv",
            "format": Report.Format.PDF,
        }
