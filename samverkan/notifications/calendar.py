"""A person's calendar: follow-ups and agreement expiries they may see, as iCalendar."""

import datetime

from django.conf import settings
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from samverkan.accounts.models import Role, User
from samverkan.agreements.models import Agreement
from samverkan.collaborations.models import Collaboration, FollowUp

HORIZON_DAYS = 400


def build_calendar(user: User, today: datetime.date) -> bytes:
    collaborations = Collaboration.objects.visible_to(user)
    until = today + datetime.timedelta(days=HORIZON_DAYS)
    follow_ups = (
        FollowUp.objects.pending()
        .filter(collaboration__in=collaborations, due_date__lte=until)
        .select_related("collaboration")
        .order_by("due_date")[:500]
    )
    agreements = Agreement.objects.filter(
        collaboration__in=collaborations,
        status=Agreement.Status.SIGNED,
        valid_to__gte=today,
        valid_to__lte=until,
    ).select_related("collaboration")
    if user.role == Role.COMPANY:
        agreements = agreements.filter(parties=user.organisation_id)
    calendar = Calendar()
    calendar.add("prodid", "-//Samverkan//samverkan//SV")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Samverkan")
    host = settings.SITE_URL.split("//")[-1]
    for follow_up in follow_ups:
        event = CalendarEvent()
        event.add("uid", f"follow-up-{follow_up.pk}@{host}")
        event.add("summary", f"{follow_up.get_kind_display()}: {follow_up.collaboration.title}")
        event.add("dtstart", follow_up.due_date)
        event.add("dtend", follow_up.due_date + datetime.timedelta(days=1))
        event.add("url", settings.SITE_URL + follow_up.get_absolute_url())
        calendar.add_component(event)
    for agreement in agreements[:500]:
        assert agreement.valid_to is not None  # noqa: S101 - filtered above
        event = CalendarEvent()
        event.add("uid", f"agreement-{agreement.pk}-{agreement.valid_to}@{host}")
        event.add("summary", f"{agreement.title} ({agreement.get_status_display()})")
        event.add("dtstart", agreement.valid_to)
        event.add("dtend", agreement.valid_to + datetime.timedelta(days=1))
        event.add("url", settings.SITE_URL + agreement.get_absolute_url())
        calendar.add_component(event)
    return calendar.to_ical()
