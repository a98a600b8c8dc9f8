"""Figures as people read them, in the active language: the page, the PDF and the CSV
headers use it; the CSV and Excel cells keep plain numbers."""

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.formats import number_format

COUNT = "count"
PERCENT = "percent"
DAYS = "days"
MONEY = "money"

NO_VALUE = "–"


def format_value(value: Any, unit: str = COUNT, currency: str = "") -> str:
    if value is None:
        return NO_VALUE
    if unit == PERCENT:
        return f"{number_format(value, 1, force_grouping=True)} %"
    if unit == DAYS:
        return number_format(value, 1, force_grouping=True)
    if unit == MONEY:
        amount = number_format(
            Decimal(value).quantize(Decimal(1), ROUND_HALF_UP), 0, force_grouping=True
        )
        return f"{amount} {currency}".strip()
    return number_format(value, force_grouping=True)
