import django_filters
from django.utils.translation import gettext_lazy as _

from .models import Action, Strategy


class StrategyFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=Strategy.Kind.choices, empty_label=_("All kinds")
    )

    class Meta:
        model = Strategy
        fields = ["kind"]


class ActionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Action.Status.choices, empty_label=_("All statuses")
    )

    class Meta:
        model = Action
        fields = ["status"]
