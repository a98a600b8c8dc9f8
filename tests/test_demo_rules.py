"""The demo data shows every state the collaboration rules allow, and nothing they forbid."""

import datetime
import shutil
import tempfile

from django.core.management import call_command
from django.test import TestCase, override_settings
from django.utils import timezone, translation

from samverkan.agreements.models import Agreement
from samverkan.collaborations.models import Collaboration, CommunicationActivity, PartyRequest
from samverkan.demo.story import load_demo
from samverkan.inquiries.models import Inquiry
from samverkan.needs.models import Need
from samverkan.orgs.models import Event
from samverkan.register.models import RegisterEntry


class DemoRulesTestCase(TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.media = tempfile.mkdtemp()  # before setUpTestData, which stores documents
        super().setUpClass()

    @classmethod
    def tearDownClass(cls) -> None:
        shutil.rmtree(cls.media, True)
        super().tearDownClass()

    @classmethod
    def setUpTestData(cls) -> None:
        with override_settings(MEDIA_ROOT=cls.media):
            call_command("load_reference", verbosity=0)
            load_demo("demo-password")

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

    def test_parties_without_an_account_have_links_waiting(self):
        self.assertTrue(PartyRequest.objects.filter(answered_at__isnull=True).exists())


class DemoIsCurrentTestCase(TestCase):
    """The story is dated from the day it is loaded, so it never looks years old."""

    @classmethod
    def setUpClass(cls) -> None:
        cls.media = tempfile.mkdtemp()
        super().setUpClass()

    @classmethod
    def tearDownClass(cls) -> None:
        shutil.rmtree(cls.media, True)
        super().tearDownClass()

    @classmethod
    def setUpTestData(cls) -> None:
        with override_settings(MEDIA_ROOT=cls.media):
            call_command("load_reference", verbosity=0)
            load_demo("demo-password")

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
        need = Need.objects.get(title="Flytande biopsi för uppföljning av behandling")
        self.assertEqual(need.title_en, "Liquid biopsy to follow treatment")
        english = self.client.get(need.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(english, "<h1>Liquid biopsy to follow treatment</h1>", html=True)
        self.assertContains(english, "validating ctDNA assays")
        swedish = self.client.get(need.get_absolute_url())
        self.assertContains(swedish, "<h1>Flytande biopsi för uppföljning av behandling</h1>")
        board = self.client.get("/needs/", HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(board, "Long-read sequencing for patients without a diagnosis")
        with translation.override("en"):
            self.assertEqual(str(need), "Liquid biopsy to follow treatment")
