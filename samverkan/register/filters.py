from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from samverkan.collaborations.models import Collaboration
from samverkan.core.choices import CollaborationKind
from samverkan.orgs.models import Centre, Committee, Organisation
from samverkan.strategy.models import Goal

from . import search
from .models import RegisterEntry

SORTS = {
    "newest": ("-published_at", "-pk"),
    "title": ("title", "pk"),
    "start": ("-start_date", "-pk"),
}


def companies_named(text: str, limit: int = 10) -> list[str]:
    """Names of companies in the published register that contain the text."""
    if len(text.strip()) < 2:
        return []
    return list(
        companies_in_register()
        .filter(name__icontains=text.strip())
        .order_by("name")
        .values_list("name", flat=True)
        .distinct()[:limit]
    )


def companies_in_register(request: object = None) -> QuerySet:
    """Only companies that have a published collaboration: the choice stays short."""
    listed = RegisterEntry.organisations.through.objects.filter(
        registerentry__state="published"
    ).values("organisation_id")
    return Organisation.objects.companies().filter(pk__in=listed)


class RegisterFilter(django_filters.FilterSet):
    """The register's filters: the page, the exports, the feed and the public API share them."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=CollaborationKind.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Collaboration.Status.choices)
    committee = django_filters.ModelChoiceFilter(
        label=_("Committee"),
        queryset=Committee.objects.all(),
        to_field_name="slug",
        field_name="committees",
    )
    centre = django_filters.ModelChoiceFilter(
        label=_("Regional centre"),
        queryset=Centre.objects.all(),
        to_field_name="slug",
        field_name="centres",
    )
    party = django_filters.ModelChoiceFilter(
        label=_("Region or university"),
        queryset=Organisation.objects.infrastructure_parties(),
        field_name="organisations",
    )
    # Typed, not chosen from a list: the register names thousands of companies.
    company_name = django_filters.CharFilter(
        label=_("Company"), field_name="companies_text", lookup_expr="icontains"
    )
    # A company by its id, for links and the API.
    company = django_filters.ModelChoiceFilter(
        label=_("Company"),
        queryset=companies_in_register,
        field_name="organisations",
        widget=forms.HiddenInput,
    )
    goal = django_filters.ModelChoiceFilter(
        label=_("Goal"), queryset=Goal.objects.all(), to_field_name="number", field_name="goals"
    )
    year = django_filters.NumberFilter(
        label=_("Year"), field_name="year", min_value=1900, max_value=2100
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"),
        method="filter_sort",
        empty_label=None,
        choices=[("newest", _("Newest first")), ("title", _("Title")), ("start", _("Start date"))],
    )

    class Meta:
        model = RegisterEntry
        fields = [
            "q",
            "kind",
            "status",
            "committee",
            "centre",
            "party",
            "company_name",
            "company",
            "goal",
            "year",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.form.fields["company_name"].widget.attrs.update(
            {
                "list": "company-names",
                "autocomplete": "off",
                "hx-get": reverse("register:companies"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": "#company-names",
                "hx-swap": "innerHTML",
            }
        )

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return search.apply(queryset, value)

    def filter_sort(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.order_by(*SORTS.get(value, SORTS["newest"]))
