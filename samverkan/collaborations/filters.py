import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from samverkan.core.choices import CollaborationKind
from samverkan.orgs.models import Committee

from .models import Collaboration, FollowUp

MAX_SEARCH_WORDS = 8


def _with_committee(queryset: QuerySet, committee: Committee, path: str) -> QuerySet:
    """Rows whose collaboration (reached by `path`) is in the committee, without duplicates."""
    through = Collaboration.committees.through
    linked = through.objects.filter(collaboration_id=OuterRef(path), committee=committee)
    return queryset.filter(Exists(linked))


class CommitteeFilter(django_filters.ModelChoiceFilter):
    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("label", _("Committee"))
        kwargs.setdefault("queryset", Committee.objects.all())
        kwargs.setdefault("to_field_name", "slug")
        super().__init__(*args, **kwargs)


class CollaborationFilter(django_filters.FilterSet):
    """The collaboration list's filters."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Collaboration.Status.choices, empty_label=_("Any status")
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=CollaborationKind.choices, empty_label=_("Any kind")
    )
    committee = CommitteeFilter(method="filter_committee", empty_label=_("Any committee"))
    year = django_filters.NumberFilter(
        label=_("Year of start"),
        field_name="start_date",
        lookup_expr="year",
        min_value=1900,
        max_value=2100,
    )
    register = django_filters.ChoiceFilter(
        label=_("Register"),
        choices=[
            ("preview", _("In the correction period")),
            ("published", _("Public")),
            ("withdrawn", _("Withdrawn")),
            ("none", _("Not in the register")),
        ],
        empty_label=_("Any"),
        method="filter_register",
    )

    class Meta:
        model = Collaboration
        fields = ["q", "status", "kind", "committee", "year", "register"]

    def filter_register(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "none":
            return queryset.filter(register_entry__isnull=True)
        return queryset.filter(register_entry__state=value)

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for word in value.split()[:MAX_SEARCH_WORDS]:
            queryset = queryset.filter(Q(title__icontains=word) | Q(summary__icontains=word))
        return queryset

    def filter_committee(self, queryset: QuerySet, name: str, value: Committee) -> QuerySet:
        return _with_committee(queryset, value, "pk")


class LessonFilter(django_filters.FilterSet):
    """The lessons-learned library: held follow-ups, searched in what they taught."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    kind = django_filters.ChoiceFilter(
        label=_("Kind of collaboration"),
        field_name="collaboration__kind",
        choices=CollaborationKind.choices,
        empty_label=_("Any kind"),
    )
    committee = CommitteeFilter(method="filter_committee", empty_label=_("Any committee"))
    year = django_filters.NumberFilter(
        label=_("Year held"),
        field_name="held_on",
        lookup_expr="year",
        min_value=1900,
        max_value=2100,
    )

    class Meta:
        model = FollowUp
        fields = ["q", "kind", "committee", "year"]

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for word in value.split()[:MAX_SEARCH_WORDS]:
            queryset = queryset.filter(
                Q(lessons__icontains=word)
                | Q(what_worked__icontains=word)
                | Q(what_to_change__icontains=word)
            )
        return queryset

    def filter_committee(self, queryset: QuerySet, name: str, value: Committee) -> QuerySet:
        return _with_committee(queryset, value, "collaboration_id")
