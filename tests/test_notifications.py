"""Notifications by preference, the daily digest and the personal calendar feed."""

import datetime

from django.utils import timezone
from icalendar import Calendar

from samverkan.agreements.models import Agreement
from samverkan.collaborations import actions as collab
from samverkan.core.models import OutboundEmail
from samverkan.inquiries import actions as inquiry_actions
from samverkan.inquiries.models import Inquiry
from samverkan.notifications.actions import send_digests
from samverkan.notifications.models import CalendarFeed, Event, Notification, Preference
from samverkan.test import BaseTestCase

D = datetime.date


class NotificationTestCase(BaseTestCase):
    def emails_to(self, user) -> int:
        return OutboundEmail.objects.filter(to=user.email).count()

    def test_a_new_inquiry_notifies_the_coordinators(self):
        self.submit_and_work()
        for user in [self.alice, self.erin]:
            self.assertTrue(
                Notification.objects.filter(user=user, event=Event.NEW_INQUIRY).exists()
            )
            self.assertEqual(self.emails_to(user), 1)
        self.assertFalse(Notification.objects.filter(user=self.bob).exists())

    def test_routing_notifies_the_committees_members(self):
        self.routed(self.rare)
        self.assertTrue(
            Notification.objects.filter(user=self.bob, event=Event.INQUIRY_ROUTED).exists()
        )
        self.assertFalse(Notification.objects.filter(user=self.oscar).exists())

    def test_a_decision_notifies_the_companys_users(self):
        inquiry = self.submit()
        inquiry_actions.do_decide_inquiry(inquiry, self.alice, Inquiry.Status.PARKED)
        self.assertTrue(
            Notification.objects.filter(user=self.carol, event=Event.INQUIRY_DECIDED).exists()
        )
        self.assertFalse(Notification.objects.filter(user=self.mallory).exists())

    def test_off_keeps_it_in_the_app_only(self):
        Preference.objects.create(user=self.alice, event=Event.NEW_INQUIRY, delivery="off")
        self.submit_and_work()
        self.assertEqual(Notification.objects.filter(user=self.alice).count(), 1)
        self.assertEqual(self.emails_to(self.alice), 0)
        self.assertEqual(self.emails_to(self.erin), 1)

    def test_the_digest_gathers_a_day_into_one_email(self):
        Preference.objects.create(user=self.alice, event=Event.NEW_INQUIRY, delivery="digest")
        self.submit_and_work(title="Första")
        self.submit_and_work(title="Andra")
        self.assertEqual(self.emails_to(self.alice), 0)
        self.assertEqual(send_digests(D(2026, 5, 1)), 1)
        digest = OutboundEmail.objects.get(to=self.alice.email)
        self.assertIn("Första", digest.body)
        self.assertIn("Andra", digest.body)
        self.assertEqual(send_digests(D(2026, 5, 1)), 0)
        self.submit_and_work(title="Tredje")
        self.assertEqual(send_digests(D(2026, 5, 1)), 0)  # one digest a day
        self.assertEqual(send_digests(D(2026, 5, 2)), 1)

    def test_the_preferences_page_saves_the_choice(self):
        self.login(self.alice)
        data = {event.value: "immediately" for event in Event}
        data[Event.FOLLOW_UP_DUE] = "digest"
        self.client.post("/notifications/preferences/", data)
        self.assertEqual(
            Preference.objects.get(user=self.alice, event=Event.FOLLOW_UP_DUE).delivery, "digest"
        )

    def test_the_list_shows_and_marks_read(self):
        self.submit_and_work(title="Läs mig")
        self.login(self.alice)
        self.assertContains(self.client.get("/notifications/"), "Läs mig")
        self.client.post("/notifications/read/")
        self.assertFalse(
            Notification.objects.filter(user=self.alice, read_at__isnull=True).exists()
        )


class CalendarFeedTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        today = timezone.localdate()
        cls.mine = collab.do_create_collaboration(
            cls.alice, collab.CollaborationData(title="Acmes projekt", kind="pilot")
        )
        collab.do_save_party(cls.mine, cls.alice, collab.PartyData(cls.acme, "company"))
        collab.do_add_follow_up(cls.mine, cls.alice, "interim", today + datetime.timedelta(days=20))
        Agreement.objects.create(
            collaboration=cls.mine,
            kind="collaboration",
            title="Acmes avtal",
            status="signed",
            valid_to=today + datetime.timedelta(days=60),
        ).parties.add(cls.acme)
        cls.theirs = collab.do_create_collaboration(
            cls.alice, collab.CollaborationData(title="Annat projekt", kind="pilot")
        )
        collab.do_save_party(cls.theirs, cls.alice, collab.PartyData(cls.other, "company"))
        collab.do_add_follow_up(cls.theirs, cls.alice, "final", today + datetime.timedelta(days=5))

    def feed(self, user) -> Calendar:
        self.login(user)
        page = self.client.get("/notifications/preferences/")
        self.client.logout()
        url = page.context["calendar_url"].split("testserver")[1]
        response = self.client.get(url)
        self.assertEqual(response["Content-Type"], "text/calendar; charset=utf-8")
        return Calendar.from_ical(response.content)

    def summaries(self, calendar: Calendar) -> set[str]:
        return {str(event["summary"]) for event in calendar.walk("VEVENT")}

    def test_the_feed_parses_and_holds_the_users_follow_ups_and_expiries(self):
        summaries = self.summaries(self.feed(self.alice))
        self.assertEqual(len(summaries), 3)
        self.assertTrue(any("Acmes projekt" in s for s in summaries))
        self.assertTrue(any("Acmes avtal" in s for s in summaries))

    def test_a_company_user_gets_only_their_own(self):
        summaries = self.summaries(self.feed(self.carol))
        self.assertEqual(len(summaries), 2)
        self.assertFalse(any("Annat projekt" in s for s in summaries))

    def test_a_renewed_address_retires_the_old_one(self):
        self.feed(self.alice)
        old = CalendarFeed.objects.get(user=self.alice).token
        self.login(self.alice)
        self.client.post("/notifications/preferences/", {"renew_calendar": "1"})
        self.client.logout()
        self.assertEqual(self.client.get(f"/notifications/calendar/{old}.ics").status_code, 404)
