import django_filters
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from samverkan.core.choices import CollaborationKind
from samverkan.orgs.models import Centre, Committee
from samverkan.strategy.models import Goal

from .models import Need
from .querysets import NeedQuerySet, writable_centres, writable_committees

# The states a visitor of the board can choose: what is on it, and what was met.
BOARD_STATES = [(s.value, s.label) for s in (Need.State.OPEN, Need.State.ADDRESSED, Need.State.MET)]


class NeedFilter(django_filters.FilterSet):
    """The needs board's search and filters; they combine (every one must match)."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    committee = django_filters.ModelChoiceFilter(
        label=_("Committee"),
        queryset=Committee.objects.all(),
        to_field_name="slug",
        empty_label=_("All committees"),
    )
    centre = django_filters.ModelChoiceFilter(
        label=_("Regional centre"),
        queryset=Centre.objects.all(),
        to_field_name="slug",
        empty_label=_("All regional centres"),
    )
    state = django_filters.ChoiceFilter(
        label=_("State"),
        choices=BOARD_STATES,
        empty_label=_("Open or being addressed"),
        method="filter_state",
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind of collaboration"),
        choices=CollaborationKind.choices,
        empty_label=_("All kinds"),
    )
    goal = django_filters.ModelChoiceFilter(
        label=_("Goal"),
        field_name="goals",
        queryset=Goal.objects.all(),
        to_field_name="number",
        empty_label=_("All goals"),
    )

    class Meta:
        model = Need
        fields = ["q", "committee", "centre", "state", "kind", "goal"]

    def filter_search(self, queryset: NeedQuerySet, name: str, value: str) -> NeedQuerySet:
        return queryset.search(value)

    def filter_state(self, queryset: NeedQuerySet, name: str, value: str) -> NeedQuerySet:
        return queryset.in_state(value)


def _writable_centres(request: HttpRequest | None) -> QuerySet[Centre]:
    return writable_centres(getattr(request, "user", None))


def _writable_committees(request: HttpRequest | None) -> QuerySet[Committee]:
    return writable_committees(getattr(request, "user", None))


class MyNeedFilter(NeedFilter):
    """The same, with the status, for those who write needs; build it with the request."""

    committee = django_filters.ModelChoiceFilter(
        label=_("Committee"),
        queryset=_writable_committees,
        to_field_name="slug",
        empty_label=_("All your committees"),
    )

    centre = django_filters.ModelChoiceFilter(
        label=_("Regional centre"),
        queryset=_writable_centres,
        to_field_name="slug",
        empty_label=_("All your regional centres"),
    )
    state = django_filters.ChoiceFilter(
        label=_("State"),
        choices=Need.State.choices,
        empty_label=_("Any state"),
        method="filter_state",
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Need.Status.choices, empty_label=_("Any status")
    )

    class Meta(NeedFilter.Meta):
        fields = ["q", "committee", "centre", "kind", "goal", "status"]
