from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.translation import gettext_lazy as _

from samverkan.collaborations.models import Collaboration, FundingApplication
from samverkan.core.choices import CollaborationKind

from ..actions import reason_label, withholding_reasons
from ..choices import PublicField

register = template.Library()


@register.filter
def kind_label(value: str) -> str:
    return str(dict(CollaborationKind.choices).get(value, value))


@register.filter
def collaboration_status_label(value: str) -> str:
    return str(dict(Collaboration.Status.choices).get(value, value))


@register.filter
def funding_status_label(value: str) -> str:
    return str(dict(FundingApplication.Status.choices).get(value, value))


@register.filter
def money(value: str) -> str:
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError):
        return ""
    return str(intcomma(int(amount)))


FIELD_LABELS = {
    "title": _("Title"),
    "summary": PublicField.SUMMARY.label,
    "kind": _("Kind"),
    "status": _("Status"),
    "parties_text": PublicField.PARTIES.label,
    "companies_text": PublicField.COMPANIES.label,
    "start_date": PublicField.PERIOD.label,
    "end_date": PublicField.PERIOD.label,
    "funding": PublicField.FUNDING.label,
    "withheld": _("Withheld fields"),
}


@register.filter
def field_labels(fields: list[str]) -> str:
    """The changed fields of a published entry, in words, each once."""
    labels = dict.fromkeys(str(FIELD_LABELS.get(name, name)) for name in fields)
    return ", ".join(labels)


@register.simple_tag
def withheld_fields(entry: Any) -> list[tuple[str, str]]:
    """Each withheld field with the public reason it is withheld for."""
    if not entry.withheld:
        return []
    reasons = withholding_reasons()
    return [
        (
            str(PublicField(name).label) if name in PublicField.values else name,
            reason_label(slug, reasons) if slug else "",
        )
        for name, slug in sorted(entry.withheld.items())
    ]
