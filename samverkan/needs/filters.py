import django_filters
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from samverkan.core.choices import CollaborationKind
from samverkan.orgs.models import Committee
from samverkan.strategy.models import Goal

from .models import Need
from .querysets import NeedQuerySet, writable_committees


class NeedFilter(django_filters.FilterSet):
    """The needs board's search and filters; they combine (every one must match)."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    committee = django_filters.ModelChoiceFilter(
        label=_("Committee"),
        queryset=Committee.objects.all(),
        to_field_name="slug",
        empty_label=_("All committees"),
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
        fields = ["q", "committee", "kind", "goal"]

    def filter_search(self, queryset: NeedQuerySet, name: str, value: str) -> NeedQuerySet:
        return queryset.search(value)


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

    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Need.Status.choices, empty_label=_("Any status")
    )

    class Meta(NeedFilter.Meta):
        fields = ["q", "committee", "kind", "goal", "status"]
