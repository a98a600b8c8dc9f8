"""Filters of the network's lists; the same sets serve the pages and their exports."""

from typing import Any

import django_filters
from django.core.cache import caches
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from .models import AssociationMembership, Committee, Event, Organisation

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


# The countries change seldom and reading them scans every organisation: each process
# keeps the list a few minutes, so a new country reaches the filter that much later.
COUNTRIES_TIMEOUT = 5 * 60


def _countries(request: Any = None) -> list[tuple[str, str]]:
    def read() -> list[str]:
        return list(
            Organisation.objects.order_by("country").values_list("country", flat=True).distinct()
        )

    codes = caches["local"].get_or_set("orgs:countries", read, COUNTRIES_TIMEOUT) or []
    named = [(code, str(countries.name(code) or code)) for code in codes if code]
    return sorted(named, key=lambda choice: choice[1])


class NullsLastOrderingFilter(django_filters.OrderingFilter):
    """Sort empty values last in both directions, as SQLite does and PostgreSQL does not."""

    def get_ordering_value(self, param: str) -> Any:
        field = self.param_map[param.lstrip("-")]
        if param.startswith("-"):
            return F(field).desc(nulls_last=True)
        return F(field).asc(nulls_last=True)


class OrganisationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        help_text=_("Name, organisation number or foreign identifier."),
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=Organisation.Kind.choices, empty_label=_("All kinds")
    )
    country = django_filters.ChoiceFilter(
        label=_("Country"), choices=_countries, empty_label=_("All countries")
    )
    association = django_filters.ModelChoiceFilter(
        label=_("Member of"),
        queryset=Organisation.objects.filter(kind=Organisation.Kind.ASSOCIATION),
        method="filter_association",
        empty_label=_("Any association"),
    )
    collaborations = django_filters.ChoiceFilter(
        label=_("Has collaborations"),
        choices=YES_NO,
        method="filter_collaborations",
        empty_label=_("Either"),
    )
    sort = NullsLastOrderingFilter(
        label=_("Sort by"),
        fields=(
            ("name", "name"),
            ("country", "country"),
            ("kind", "kind"),
            ("last_interaction", "last_interaction"),
            ("created_at", "created"),
        ),
        field_labels={
            "name": _("Name"),
            "country": _("Country"),
            "kind": _("Kind"),
            "last_interaction": _("Latest interaction"),
            "created_at": _("Added"),
        },
        empty_label=_("Name"),
    )

    class Meta:
        model = Organisation
        fields = ["q", "kind", "country", "association", "collaborations", "sort"]

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.search(value)  # type: ignore[attr-defined]

    def filter_association(self, queryset: QuerySet, name: str, value: Organisation) -> QuerySet:
        member = AssociationMembership.objects.filter(
            organisation=OuterRef("pk"), association=value
        )
        return queryset.filter(Exists(member))

    def filter_collaborations(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        from samverkan.collaborations.models import CollaborationParty

        party = Exists(CollaborationParty.objects.filter(organisation=OuterRef("pk")))
        return queryset.filter(party) if value == "yes" else queryset.exclude(party)

    @property
    def qs(self) -> QuerySet:
        # A stable order beneath the chosen one, so pages never overlap.
        queryset = super().qs
        return queryset.order_by(*queryset.query.order_by, "name", "pk")


class EventFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=Event.Kind.choices, empty_label=_("All kinds")
    )
    year = django_filters.NumberFilter(
        label=_("Year"), field_name="date", lookup_expr="year", min_value=1900, max_value=2100
    )
    committee = django_filters.ModelChoiceFilter(
        label=_("Committee"),
        queryset=Committee.objects.all(),
        to_field_name="slug",
        field_name="committees",
        empty_label=_("All committees"),
    )

    class Meta:
        model = Event
        fields = ["q", "kind", "year", "committee"]

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for word in value.split()[:8]:
            queryset = queryset.filter(Q(title__icontains=word) | Q(location__icontains=word))
        return queryset
