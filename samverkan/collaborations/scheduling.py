"""Dates of follow-ups and reminders: calendar months, month ends and leap years done right."""

import datetime

from dateutil.relativedelta import relativedelta


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, or the month's last day when it has no such day
    (31 January + 1 month is 28 or 29 February)."""
    return day + relativedelta(months=months)


def follow_up_dates(
    start: datetime.date, end: datetime.date | None, *, every_months: int, final_after_days: int
) -> tuple[list[datetime.date], datetime.date | None]:
    """Interim follow-ups every `every_months` from the start while the project runs,
    and the final one `final_after_days` after the end.

    Each date counts from the start (start + n months), not from the previous date, so a
    project starting on 31 August keeps the end of the month instead of drifting to the 28th.
    """
    if every_months < 1:
        raise ValueError("every_months must be at least 1")
    interim: list[datetime.date] = []
    n = 1
    while True:
        due = add_months(start, n * every_months)
        if end is not None and due >= end:
            break
        if end is None and n > 20:  # an open-ended project: plan ten years ahead at most
            break
        interim.append(due)
        n += 1
    final = end + datetime.timedelta(days=final_after_days) if end is not None else None
    return interim, final


def reminder_dates(
    valid_to: datetime.date, days_before: list[int]
) -> list[tuple[int, datetime.date]]:
    """When to remind before an expiry: (days before, date), earliest first."""
    return sorted(
        ((days, valid_to - datetime.timedelta(days=days)) for days in set(days_before)),
        key=lambda pair: pair[1],
    )
