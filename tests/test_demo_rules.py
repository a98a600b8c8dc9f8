"""The demo data shows every state the collaboration rules allow, and nothing they forbid."""

import datetime

from django.utils import timezone, translation
from django.utils.translation import gettext

from samverkan.agreements.models import Agreement
from samverkan.collaborations.links import has_account
from samverkan.collaborations.models import (
    Collaboration,
    CommunicationActivity,
    FollowUp,
    PartyRequest,
)
from samverkan.collaborations.reminders import send_due_reminders
from samverkan.inquiries.models import Inquiry
from samverkan.needs.models import Need
from samverkan.orgs.models import Event
from samverkan.register.models import RegisterEntry
from samverkan.test import DemoStoryTestCase


class DemoRulesTestCase(DemoStoryTestCase):
    def test_every_started_collaboration_met_its_gates_and_has_both_kinds_of_party(self):
        started = Collaboration.objects.exclude(status="planned")
        self.assertTrue(started.exists())
        for collaboration in started:
            with self.subTest(collaboration=collaboration.title):
                self.assertEqual(collaboration.gate_blockers(), [])
                roles = set(collaboration.parties.values_list("role", flat=True))
                self.assertLessEqual({"company", "infrastructure_party"}, roles)

    def test_every_started_collaboration_is_in_the_register(self):
        for collaboration in Collaboration.objects.exclude(status="planned"):
            with self.subTest(collaboration=collaboration.title):
                self.assertTrue(RegisterEntry.objects.filter(collaboration=collaboration).exists())
        newborn = Collaboration.objects.get(title="Snabb helgenomsekvensering för nyfödda")
        self.assertEqual(newborn.register_entry.state, "published")
        self.assertEqual(
            set(RegisterEntry.objects.values_list("state", flat=True)),
            {"preview", "published", "withdrawn"},
        )
        self.assertTrue(RegisterEntry.objects.exclude(withheld={}).exists())
        self.assertFalse(
            Collaboration.objects.filter(status="planned", register_entry__isnull=False)
        )

    def test_signed_agreements_meet_the_principles(self):
        signed = Agreement.objects.filter(status="signed")
        self.assertTrue(signed.exists())
        for agreement in signed:
            with self.subTest(agreement=agreement.title):
                self.assertEqual(agreement.signing_blockers(), [])
        self.assertTrue(
            signed.filter(principles__answer="no", principles__justification__gt="").exists()
        )

    def test_approved_communication_names_the_infrastructure(self):
        approved = CommunicationActivity.objects.filter(approved_at__isnull=False)
        self.assertTrue(approved.exists())
        for activity in approved:
            self.assertTrue(activity.names_infrastructure)

    def test_an_early_ending_waits_for_its_final_follow_up(self):
        ending = list(Collaboration.objects.filter(status="ended_early"))
        self.assertTrue(any(c.final_follow_up_due() for c in ending))
        completed = Collaboration.objects.filter(status="completed")
        for collaboration in completed:
            self.assertFalse(collaboration.final_follow_up_due())

    def test_every_started_collaboration_that_ended_has_its_final_follow_up_or_shows_it_due(self):
        # Starting is what puts a collaboration in the register; ended, it owes its parties
        # the final conversation, whatever the ending.
        ended = Collaboration.objects.filter(
            status__in=["completed", "ended_early"], register_entry__isnull=False
        )
        self.assertEqual(set(ended.values_list("status", flat=True)), {"completed", "ended_early"})
        due = gettext("Ending, follow-up due")
        for collaboration in ended:
            with self.subTest(collaboration=collaboration.title):
                finals = collaboration.follow_ups.filter(kind=FollowUp.Kind.FINAL)
                self.assertTrue(finals.exists())
                if finals.filter(held_on__isnull=False).exists():
                    self.assertNotEqual(collaboration.phase_label, due)
                else:
                    self.assertTrue(collaboration.final_follow_up_due())
                    self.assertEqual(collaboration.phase_label, due)
        self.assertTrue(any(c.final_follow_up_due() for c in ended))
        self.assertTrue(any(not c.final_follow_up_due() for c in ended))

    def test_a_withdrawn_entry_is_a_public_stub_without_its_content(self):
        withdrawn = RegisterEntry.objects.filter(state="withdrawn")
        self.assertTrue(withdrawn.exists())
        for entry in withdrawn:
            with self.subTest(entry=entry.title):
                self.assertTrue(entry.withdrawal_reason and entry.withdrawn_at)
                self.assertEqual((entry.summary, entry.companies_text), ("", ""))
                self.assertFalse(entry.organisations.exists())

    def test_the_reminder_job_sends_links_only_to_contacts_without_an_account(self):
        today = timezone.localdate()
        send_due_reminders(today + datetime.timedelta(days=400))
        asked = PartyRequest.objects.filter(purpose="follow_up").select_related("contact")
        self.assertTrue(asked.exists())
        for request in asked:
            with self.subTest(contact=request.contact.name):
                self.assertFalse(has_account(request.contact))
                self.assertFalse(request.organisation.is_infrastructure_party)

    def test_parties_without_an_account_have_links_waiting(self):
        self.assertTrue(PartyRequest.objects.filter(answered_at__isnull=True).exists())

    def test_needs_are_shown_in_every_state_and_a_centre_takes_part(self):
        from samverkan.needs.models import Need

        states = {need.state for need in Need.objects.with_state()}
        self.assertEqual(states - {"draft"}, {"open", "addressed", "met", "closed"})
        met = Need.objects.get(status=Need.Status.MET)
        self.assertIsNotNone(met.met_by)
        self.assertTrue(met.collaborations.exists())
        # A centre member wrote the centre's own need, answered by a collaboration that the
        # centre now takes part in and the member sees.
        centre_need = Need.objects.get(centre__isnull=False)
        member = centre_need.created_by
        self.assertEqual(member.username, "centre")
        self.assertEqual(member.centre_ids(), [centre_need.centre_id])
        collaboration = centre_need.collaborations.get()
        self.assertIn(centre_need.centre, collaboration.centres.all())
        self.assertIn(collaboration, Collaboration.objects.visible_to(member))
        self.assertEqual(centre_need.state, "addressed")
        # An inquiry answers a need, too.
        self.assertTrue(Need.objects.filter(inquiries__isnull=False).exists())


class DemoIsCurrentTestCase(DemoStoryTestCase):
    """The story is dated from the day it is loaded, so it never looks years old."""

    def test_no_active_collaboration_is_past_its_end_date(self):
        today = timezone.localdate()
        active = Collaboration.objects.filter(status="active")
        self.assertTrue(active.exists())
        self.assertFalse(active.filter(end_date__lt=today).exists())
        # What has ended is completed with its final follow-up recorded, or ended early.
        for collaboration in Collaboration.objects.filter(end_date__lt=today):
            with self.subTest(collaboration=collaboration.title):
                self.assertIn(collaboration.status, {"completed", "ended_early"})
        for collaboration in Collaboration.objects.filter(status="completed"):
            self.assertTrue(collaboration.follow_ups.filter(kind="final", held_on__isnull=False))
        self.assertTrue(Collaboration.objects.filter(status="planned", start_date__gt=today))

    def test_references_carry_the_year_their_inquiry_was_sent(self):
        years = set()
        for inquiry in Inquiry.objects.all():
            year = timezone.localtime(inquiry.created_at).year
            years.add(year)
            with self.subTest(inquiry=inquiry.reference):
                self.assertEqual(inquiry.reference.split("-")[-2], str(year))
        # Within a year the numbers count up with the days.
        for year in years:
            sent = Inquiry.objects.filter(reference__contains=f"-{year}-").order_by("created_at")
            numbers = [int(i.reference.rsplit("-", 1)[1]) for i in sent]
            self.assertEqual(numbers, sorted(numbers))

    def test_the_queue_is_days_and_weeks_old_not_years(self):
        now = timezone.now()
        newest = Inquiry.objects.order_by("-created_at").first()
        assert newest is not None
        self.assertLess(now - newest.created_at, datetime.timedelta(days=7))
        open_statuses = ["received", "triage", "awaiting_info", "assessment"]
        oldest_open = Inquiry.objects.filter(status__in=open_statuses).order_by("created_at")[0]
        self.assertLess(now - oldest_open.created_at, datetime.timedelta(days=70))
        # Nothing happens in the future, and the whole story fits in the last two years.
        self.assertFalse(Inquiry.objects.filter(created_at__gt=now))
        self.assertFalse(Inquiry.objects.filter(created_at__lt=now - datetime.timedelta(days=731)))
        self.assertFalse(Event.objects.filter(date__gt=timezone.localdate()))

    def test_needs_have_english_texts_shown_on_english_pages(self):
        self.assertFalse(Need.objects.filter(title_en=""))
        need = Need.objects.get(title="Digital utbildning om genomik för vårdpersonal")
        english = self.client.get(need.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(english, "<h1>Digital training in genomics for healthcare staff</h1>")
        self.assertContains(english, "online courses and interactive material")
        swedish = self.client.get(need.get_absolute_url())
        self.assertContains(swedish, "<h1>Digital utbildning om genomik för vårdpersonal</h1>")
        board = self.client.get("/needs/", HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(board, "Rapid genomic diagnostics near the patient in Skåne")
        with translation.override("en"):
            self.assertEqual(str(need), "Digital training in genomics for healthcare staff")
