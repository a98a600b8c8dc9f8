import datetime

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samverkan.orgs.models import Committee

from .models import Assessment, Inquiry, Routing

AGE_CHOICES = [
    ("7", _("Older than 7 days")),
    ("14", _("Older than 14 days")),
    ("30", _("Older than 30 days")),
]


STATE_CHOICES = [("open", _("Open inquiries")), ("decided", _("Decided inquiries"))]
GATE_CHOICES = [
    ("passed", _("Every assessment met every gate")),
    ("failed", _("A gate is not met")),
    ("unassessed", _("Not assessed yet")),
]
# The queue opens with the newest first: what just arrived is what needs a first answer.
SORT_CHOICES = [
    ("newest", _("Newest first")),
    ("oldest", _("Oldest first")),
    ("priority", _("Highest priority first")),
]


def with_priority(queryset: QuerySet) -> QuerySet:
    """The computed priority: the highest any committee's assessment gave the inquiry."""
    top = (
        Assessment.objects.filter(inquiry=OuterRef("pk")).order_by("-priority").values("priority")
    )[:1]
    return queryset.annotate(top_priority=Subquery(top))


class InquiryFilter(django_filters.FilterSet):
    """The queue's filters; the API uses the same set."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    # Checkboxes in a fieldset, not a list box that needs Ctrl to choose two.
    status = django_filters.MultipleChoiceFilter(
        label=_("Status"),
        choices=Inquiry.Status.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    committee = django_filters.ModelChoiceFilter(
        label=_("Committee"),
        queryset=Committee.objects.all(),
        to_field_name="slug",
        method="filter_committee",
        empty_label=_("All committees"),
    )
    older_than = django_filters.ChoiceFilter(
        label=_("Age"), choices=AGE_CHOICES, method="filter_age", empty_label=_("Any age")
    )
    state = django_filters.ChoiceFilter(
        label=_("Show"), choices=STATE_CHOICES, method="filter_state", empty_label=_("All")
    )
    gates = django_filters.ChoiceFilter(
        label=_("Gates"), choices=GATE_CHOICES, method="filter_gates", empty_label=_("Any")
    )
    sort = django_filters.ChoiceFilter(
        label=_("Order"), choices=SORT_CHOICES, method="filter_sort", empty_label=None
    )

    class Meta:
        model = Inquiry
        fields = ["q", "status", "committee", "older_than", "state", "gates", "sort"]

    def filter_gates(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        assessed = Assessment.objects.filter(inquiry=OuterRef("pk"))
        failed = assessed.filter(gates_passed=False)
        if value == "unassessed":
            return queryset.exclude(Exists(assessed))
        if value == "failed":
            return queryset.filter(Exists(failed))
        return queryset.filter(Exists(assessed)).exclude(Exists(failed))

    def filter_sort(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "priority":
            if "top_priority" not in queryset.query.annotations:
                queryset = with_priority(queryset)
            return queryset.order_by(F("top_priority").desc(nulls_last=True), "created_at", "pk")
        if value == "newest":
            return queryset.order_by("-created_at", "-pk")
        if value == "oldest":
            return queryset.order_by("created_at", "pk")
        return queryset

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for word in value.split()[:8]:
            queryset = queryset.filter(
                Q(reference__icontains=word)
                | Q(title__icontains=word)
                | Q(organisation_name__icontains=word)
            )
        return queryset

    def filter_committee(self, queryset: QuerySet, name: str, value: Committee) -> QuerySet:
        routed = Routing.objects.filter(inquiry=OuterRef("pk"), committee=value)
        return queryset.filter(Exists(routed))

    def filter_age(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        cutoff = timezone.now() - datetime.timedelta(days=int(value))
        return queryset.filter(created_at__lt=cutoff)

    def filter_state(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "open":
            return queryset.filter(status__in=Inquiry.OPEN_STATUSES)
        return queryset.exclude(status__in=Inquiry.OPEN_STATUSES)
