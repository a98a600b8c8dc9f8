import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .models import OrganisationLinkRequest


class LinkRequestFilter(django_filters.FilterSet):
    """The coordinators' list of link requests; pending ones unless they ask for others."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=OrganisationLinkRequest.Status.choices,
        empty_label=_("All"),
    )

    class Meta:
        model = OrganisationLinkRequest
        fields = ["q", "status"]

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for word in value.split()[:8]:
            queryset = queryset.filter(
                Q(organisation_name__icontains=word)
                | Q(organisation_number__icontains=word)
                | Q(foreign_identifier__icontains=word)
                | Q(user__username__icontains=word)
                | Q(user__email__icontains=word)
                | Q(user__first_name__icontains=word)
                | Q(user__last_name__icontains=word)
            )
        return queryset
