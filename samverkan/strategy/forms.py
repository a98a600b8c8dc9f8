"""Forms for keeping strategies; each builds the data its action takes."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from samverkan.collaborations.models import Collaboration
from samverkan.orgs.models import Organisation

from .actions import ActionData, SourceData
from .models import Action, Point, Source, Strategy

MAX_IMPORT_BYTES = 2 * 1024 * 1024


class DateInput(forms.DateInput):
    """The browser's date picker; it sends and expects ISO dates in every language."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class PointChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.number} {obj.title}"


class OwnerField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class ActionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    owner_organisation = OwnerField(
        label=_("Owner organisation"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("None of these"),
        help_text=_("A region, university or other organisation in the platform."),
    )
    owner_name = forms.CharField(
        label=_("Owner"),
        max_length=200,
        required=False,
        help_text=_("Who is responsible, when it is not one of the organisations above."),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=Action.Status.choices,
        initial=Action.Status.PLANNED,
        widget=forms.RadioSelect,
    )
    progress = forms.IntegerField(
        label=_("Progress (%)"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=_("0 to 100; leave empty when not estimated. A done action is at 100."),
    )
    start_date = forms.DateField(label=_("Start date"), widget=DateInput(), required=False)
    end_date = forms.DateField(label=_("End date"), widget=DateInput(), required=False)
    points = PointChoiceField(
        label=_("Points it serves"),
        queryset=Point.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    sources = forms.ModelMultipleChoiceField(
        label=_("Sources"),
        queryset=Source.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    new_source_title = forms.CharField(
        label=_("New source: title"),
        max_length=400,
        required=False,
        help_text=_("Fill in to add a source that is not listed yet."),
    )
    new_source_publisher = forms.CharField(
        label=_("New source: publisher"), max_length=200, required=False
    )
    new_source_url = forms.URLField(
        label=_("New source: link"), max_length=500, required=False, assume_scheme="https"
    )
    new_source_published_on = forms.DateField(
        label=_("New source: published"), widget=DateInput(), required=False
    )

    def __init__(self, *args: Any, strategy: Strategy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.strategy = strategy
        owners = Organisation.objects.exclude(kind=Organisation.Kind.COMPANY).order_by("name")
        cast(forms.ModelChoiceField, self.fields["owner_organisation"]).queryset = owners
        cast(forms.ModelChoiceField, self.fields["points"]).queryset = Point.objects.filter(
            strategy=strategy
        ).order_by("sort_key")
        cast(
            forms.ModelChoiceField, self.fields["sources"]
        ).queryset = strategy.listed_sources.order_by("position", "pk")

    @classmethod
    def initial_for(cls, action: Action) -> dict[str, Any]:
        return {
            "title": action.title,
            "description": action.description,
            "owner_organisation": action.owner_organisation_id,
            "owner_name": action.owner_name,
            "status": action.status,
            "progress": action.progress,
            "start_date": action.start_date,
            "end_date": action.end_date,
            "points": list(action.points.all()),
            "sources": list(action.sources.all()),
            "version": action.version,
        }

    def clean(self) -> dict[str, Any]:
        data = cast(dict[str, Any], super().clean())
        new_source = [
            data.get(name)
            for name in ("new_source_publisher", "new_source_url", "new_source_published_on")
        ]
        if any(new_source) and not data.get("new_source_title"):
            self.add_error("new_source_title", _("A new source has a title."))
        return data

    def action_data(self) -> ActionData:
        data = self.cleaned_data
        new_source = None
        if data["new_source_title"]:
            new_source = SourceData(
                title=data["new_source_title"],
                publisher=data["new_source_publisher"],
                url=data["new_source_url"],
                published_on=data["new_source_published_on"],
            )
        return ActionData(
            title=data["title"],
            description=data["description"],
            owner_organisation=data["owner_organisation"],
            owner_name=data["owner_name"],
            status=data["status"],
            progress=data["progress"],
            start_date=data["start_date"],
            end_date=data["end_date"],
            points=list(data["points"]),
            sources=list(data["sources"]),
            new_source=new_source,
        )


class ActionEditForm(ActionForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class ActionProgressForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("Status"), choices=Action.Status.choices)
    progress = forms.IntegerField(
        label=_("Progress (%)"), min_value=0, max_value=100, required=False
    )


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class LinkCollaborationForm(VersionForm):
    collaboration = forms.ModelChoiceField(
        label=_("Collaboration number"),
        queryset=Collaboration.objects.all(),
        widget=forms.NumberInput(attrs={"min": 1}),
        error_messages={"invalid_choice": _("No collaboration has this number.")},
        help_text=_("The number in the collaboration's address, /collaborations/<number>/."),
    )


class ActionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.title)


class LinkActionForm(VersionForm):
    action = ActionChoiceField(
        label=pgettext_lazy("strategy", "Action"), queryset=Action.objects.none()
    )

    def __init__(self, *args: Any, point: Point, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["action"]).queryset = (
            Action.objects.filter(strategy_id=point.strategy_id)
            .exclude(points=point)
            .order_by("position", "pk")
        )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Strategy file"),
        widget=forms.FileInput(attrs={"accept": ".yaml,.yml,.csv"}),
        help_text=_(
            "A YAML or CSV file as exported here, of at most 2 MB. The strategy with the "
            "file's key becomes exactly what the file says; a new key creates a strategy."
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".yaml", ".yml", ".csv")):
            raise forms.ValidationError(_("Choose a .yaml, .yml or .csv file."))
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        return upload
