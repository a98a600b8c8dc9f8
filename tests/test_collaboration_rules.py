"""The collaboration's domain rules: scheduling, completion, approvals, agreements, reminders."""

import datetime

from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import TransactionTestCase, override_settings
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from samverkan.agreements import actions as agreement_actions
from samverkan.agreements.models import Agreement
from samverkan.collaborations import actions
from samverkan.collaborations.models import Approval, Collaboration, CollaborationParty, FollowUp
from samverkan.collaborations.reminders import send_due_reminders
from samverkan.collaborations.scheduling import add_months, follow_up_dates, reminder_dates
from samverkan.core.models import OutboundEmail, Parameter, ReminderLog
from samverkan.core.tasks import ensure_periodic_sweeps, run_periodic_sweeps, sweep_outbox
from samverkan.inquiries.models import Inquiry
from samverkan.orgs.models import Organisation
from samverkan.test import BaseTestCase

D = datetime.date
Status = Collaboration.Status


def test_months_are_added_by_the_calendar():
    assert add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert add_months(D(2028, 1, 31), 1) == D(2028, 2, 29)  # leap year
    assert add_months(D(2027, 8, 31), 6) == D(2028, 2, 29)
    assert add_months(D(2026, 11, 30), 3) == D(2027, 2, 28)
    assert add_months(D(2026, 12, 15), 1) == D(2027, 1, 15)


def test_follow_ups_count_from_the_start_and_keep_month_ends():
    interim, final = follow_up_dates(
        D(2027, 8, 31), D(2029, 3, 1), every_months=6, final_after_days=30
    )
    assert interim == [D(2028, 2, 29), D(2028, 8, 31), D(2029, 2, 28)]
    assert final == D(2029, 3, 31)


def test_no_interim_follow_up_falls_on_or_after_the_end():
    interim, final = follow_up_dates(
        D(2026, 1, 1), D(2026, 7, 1), every_months=6, final_after_days=0
    )
    assert interim == []
    assert final == D(2026, 7, 1)


def test_the_final_follow_up_crosses_year_and_leap_day():
    _, final = follow_up_dates(D(2027, 1, 1), D(2028, 2, 1), every_months=12, final_after_days=30)
    assert final == D(2028, 3, 2)  # February 2028 has 29 days


def test_reminder_dates_before_an_expiry():
    assert reminder_dates(D(2028, 3, 31), [90, 30, 7]) == [
        (90, D(2028, 1, 1)),
        (30, D(2028, 3, 1)),
        (7, D(2028, 3, 24)),
    ]
    assert reminder_dates(D(2027, 3, 31), [30]) == [(30, D(2027, 3, 1))]


class CollaborationRulesTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        translation.activate("en")  # the tests read the refusals in English

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.skane = Organisation.objects.get(name="Region Skåne")

    def make(self, **extra) -> Collaboration:
        data = actions.CollaborationData(
            title="Långläst sekvensering",
            kind="testing",
            start_date=D(2026, 1, 31),
            end_date=D(2027, 1, 31),
            committees=[self.rare],
            **extra,
        )
        collaboration = actions.do_create_collaboration(self.alice, data)
        actions.do_save_party(collaboration, self.alice, actions.PartyData(self.acme, "company"))
        actions.do_save_party(
            collaboration, self.alice, actions.PartyData(self.skane, "infrastructure_party")
        )
        self.pass_gates(collaboration)
        return collaboration

    def test_only_coordinators_create(self):
        data = actions.CollaborationData(title="x", kind="other")
        for user in [self.bob, self.carol, self.dave]:
            with self.assertRaises(PermissionDenied):
                actions.do_create_collaboration(user, data)

    def test_activation_schedules_follow_ups_from_the_reference_cadence(self):
        collaboration = self.make()
        actions.do_change_collaboration_status(collaboration, self.alice, Status.ACTIVE)
        dues = list(collaboration.follow_ups.values_list("kind", "due_date"))
        self.assertEqual(dues, [("interim", D(2026, 7, 31)), ("final", D(2027, 3, 2))])
        Parameter.objects.update_or_create(key="follow_up_interval_months", defaults={"value": 3})
        collaboration.refresh_from_db()
        data = actions.CollaborationData(
            title=collaboration.title,
            kind="testing",
            start_date=D(2026, 1, 31),
            end_date=D(2026, 12, 31),
        )
        actions.do_update_collaboration(
            collaboration, self.alice, data, expected_version=collaboration.version
        )
        self.assertEqual(
            list(collaboration.follow_ups.values_list("due_date", flat=True)),
            [D(2026, 4, 30), D(2026, 7, 31), D(2026, 10, 31), D(2027, 1, 30)],
        )

    def test_completion_is_refused_until_the_final_follow_up_is_recorded(self):
        collaboration = self.make()
        actions.do_change_collaboration_status(collaboration, self.alice, Status.ACTIVE)
        with self.assertRaisesMessage(ValidationError, "final follow-up"):
            actions.do_change_collaboration_status(collaboration, self.alice, Status.COMPLETED)
        final = collaboration.follow_ups.get(kind=FollowUp.Kind.FINAL)
        actions.do_record_follow_up(
            final,
            self.alice,
            actions.FollowUpRecord(held_on=D(2026, 11, 1), lessons="Tidigt avtal"),
        )
        actions.do_change_collaboration_status(collaboration, self.alice, Status.COMPLETED)
        self.assertEqual(Collaboration.objects.get(pk=collaboration.pk).status, Status.COMPLETED)

    def test_status_changes_follow_the_table(self):
        collaboration = self.make()
        with self.assertRaises(ValidationError):
            actions.do_change_collaboration_status(collaboration, self.alice, Status.COMPLETED)
        actions.do_change_collaboration_status(collaboration, self.alice, Status.ENDED_EARLY)
        with self.assertRaises(ValidationError):
            actions.do_change_collaboration_status(collaboration, self.alice, Status.ACTIVE)

    def test_a_stale_edit_is_refused(self):
        collaboration = self.make()
        data = actions.CollaborationData(title="Ny titel", kind="testing")
        actions.do_update_collaboration(collaboration, self.alice, data, expected_version=1)
        with self.assertRaises(Exception) as stale:
            actions.do_update_collaboration(collaboration, self.alice, data, expected_version=1)
        self.assertEqual(type(stale.exception).__name__, "StaleRecordError")

    def test_a_company_user_answers_only_for_their_own_organisation(self):
        collaboration = self.make()
        follow_up = actions.do_add_follow_up(collaboration, self.alice, "interim", D(2026, 6, 1))
        actions.do_answer_follow_up(follow_up, self.carol, self.acme, value_created="Data")
        with self.assertRaises(PermissionDenied):
            actions.do_answer_follow_up(follow_up, self.carol, self.skane, value_created="x")
        with self.assertRaises(PermissionDenied):
            actions.do_answer_follow_up(follow_up, self.mallory, self.acme, value_created="x")
        with self.assertRaises(ValidationError):
            actions.do_answer_follow_up(follow_up, self.mallory, self.other, value_created="x")

    def test_a_company_approver_must_belong_to_the_company(self):
        collaboration = self.make()
        with self.assertRaises(ValidationError):
            actions.do_save_party(
                collaboration,
                self.alice,
                actions.PartyData(self.acme, "company", approver=self.mallory),
            )


class ApprovalTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.skane = Organisation.objects.get(name="Region Skåne")

    def setUp(self) -> None:
        super().setUp()
        self.collaboration = actions.do_create_collaboration(
            self.alice, actions.CollaborationData(title="Pilot", kind="pilot")
        )
        for org, role in [(self.acme, "company"), (self.skane, "infrastructure_party")]:
            actions.do_save_party(self.collaboration, self.alice, actions.PartyData(org, role))
        self.activity = actions.do_save_communication(
            self.collaboration,
            self.alice,
            actions.CommunicationData(
                kind="press_release",
                title="Pressmeddelande",
                text="Acme och GMS startar ett samarbete.",
            ),
        )

    def sign(self) -> Agreement:
        agreement = agreement_actions.do_save_agreement(
            self.collaboration,
            self.alice,
            agreement_actions.AgreementData(
                kind="collaboration", title="Avtal", parties=[self.acme, self.skane]
            ),
        )
        with self.settings(MEDIA_ROOT=self.media):
            agreement_actions.do_upload_agreement_document(
                agreement, self.alice, SimpleUploadedFile("avtal.pdf", b"%PDF-1.7 signed")
            )
        self.meet_principles(agreement)
        return agreement_actions.do_change_agreement_status(
            agreement, self.alice, Agreement.Status.SIGNED, signed_on=D(2026, 5, 1)
        )

    @property
    def media(self) -> str:
        import tempfile

        if not hasattr(self, "_media"):
            self._media = tempfile.mkdtemp()
            self.addCleanup(__import__("shutil").rmtree, self._media, True)
        return self._media

    def test_before_an_agreement_every_party_of_the_collaboration_decides(self):
        actions.do_save_party(
            self.collaboration, self.alice, actions.PartyData(self.other, "company")
        )
        self.assertEqual(
            {o.name for o in actions.required_approvers(self.activity)},
            {self.acme.name, self.skane.name, self.other.name},
        )
        actions.do_decide_communication(self.activity, self.carol, self.acme, "approved")
        actions.do_decide_communication(self.activity, self.alice, self.skane, "approved")
        self.activity.refresh_from_db()
        self.assertFalse(self.activity.is_approved)
        self.assertEqual(actions.missing_approvals(self.activity), [self.other])

    def test_after_signing_the_agreement_parties_decide(self):
        actions.do_save_party(
            self.collaboration, self.alice, actions.PartyData(self.other, "company")
        )
        self.sign()
        self.assertEqual(
            {o.name for o in actions.required_approvers(self.activity)},
            {self.acme.name, self.skane.name},
        )
        translation.activate("en")
        with self.assertRaisesMessage(ValidationError, "does not decide"):
            actions.do_decide_communication(self.activity, self.alice, self.other, "approved")

    def test_a_text_that_does_not_name_the_infrastructure_cannot_be_approved(self):
        translation.activate("en")
        self.activity.text = "Acme startar ett samarbete med regionen."
        self.activity.title = "Nytt samarbete"
        self.activity.save()
        with self.assertRaisesMessage(ValidationError, "does not name the infrastructure"):
            actions.do_decide_communication(self.activity, self.carol, self.acme, "approved")
        self.assertFalse(Approval.objects.exists())
        # Asking for changes is still possible.
        actions.do_decide_communication(
            self.activity, self.carol, self.acme, "changes_requested", comment="Nämn GMS"
        )

    def test_the_names_come_from_the_reference_data(self):
        Parameter.objects.update_or_create(
            key="communication_must_name", defaults={"value": ["Biobanknätet"]}
        )
        self.assertFalse(self.activity.names_infrastructure)
        self.activity.text = "Tillsammans med biobanknätet."
        self.assertTrue(self.activity.names_infrastructure)

    def test_it_is_approved_only_when_every_party_has_approved(self):
        self.sign()
        actions.do_decide_communication(self.activity, self.carol, self.acme, "approved")
        self.activity.refresh_from_db()
        self.assertFalse(self.activity.is_approved)
        actions.do_decide_communication(self.activity, self.alice, self.skane, "approved")
        self.activity.refresh_from_db()
        self.assertTrue(self.activity.is_approved)

    def test_a_changed_text_resets_the_approvals(self):
        self.sign()
        for user, org in [(self.carol, self.acme), (self.alice, self.skane)]:
            actions.do_decide_communication(self.activity, user, org, "approved")
        self.activity.refresh_from_db()
        actions.do_save_communication(
            self.collaboration,
            self.alice,
            actions.CommunicationData(
                kind="press_release",
                title="Pressmeddelande",
                text="Acme och GMS startar ett nytt samarbete.",
            ),
            activity=self.activity,
            expected_version=self.activity.version,
        )
        self.activity.refresh_from_db()
        self.assertEqual(self.activity.text_version, 2)
        self.assertFalse(self.activity.is_approved)
        with self.assertRaises(ValidationError):
            actions.do_decide_communication(
                self.activity, self.carol, self.acme, "approved", text_version=1
            )
        self.assertEqual(self.activity.approvals.filter(text_version=2).count(), 0)

    def test_only_those_entitled_approve_for_an_organisation(self):
        self.sign()
        with self.assertRaises(PermissionDenied):
            actions.do_decide_communication(self.activity, self.mallory, self.acme, "approved")
        with self.assertRaises(PermissionDenied):
            actions.do_decide_communication(self.activity, self.carol, self.skane, "approved")
        CollaborationParty.objects.filter(organisation=self.skane).update(approver=self.erin)
        with self.assertRaises(PermissionDenied):
            actions.do_decide_communication(self.activity, self.alice, self.skane, "approved")
        actions.do_decide_communication(self.activity, self.erin, self.skane, "approved")

    def test_asking_for_changes_needs_a_comment(self):
        self.sign()
        with self.assertRaises(ValidationError):
            actions.do_decide_communication(
                self.activity, self.carol, self.acme, Approval.Decision.CHANGES_REQUESTED
            )

    def test_the_infrastructure_must_be_named(self):
        self.assertTrue(self.activity.names_infrastructure)
        self.activity.text = "Acme startar ett samarbete med regionen."
        self.assertFalse(self.activity.names_infrastructure)
        self.activity.text = "Tillsammans med Genomic  Medicine Sweden."
        self.assertTrue(self.activity.names_infrastructure)

    def test_signing_needs_a_document_and_a_date(self):
        agreement = agreement_actions.do_save_agreement(
            self.collaboration,
            self.alice,
            agreement_actions.AgreementData(
                kind="confidentiality", title="NDA", parties=[self.acme, self.skane]
            ),
        )
        translation.activate("en")
        with self.assertRaises(ValidationError) as refused:
            agreement_actions.do_change_agreement_status(agreement, self.alice, "signed")
        messages = refused.exception.messages
        self.assertIn("Give the date the agreement was signed.", messages)
        self.assertIn("Upload the signed document first.", messages)

    def test_agreement_parties_must_be_collaboration_parties(self):
        with self.assertRaises(ValidationError):
            agreement_actions.do_save_agreement(
                self.collaboration,
                self.alice,
                agreement_actions.AgreementData(kind="other", title="X", parties=[self.other]),
            )


class ReminderSweepTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.skane = Organisation.objects.get(name="Region Skåne")

    def setUp(self) -> None:
        super().setUp()
        self.collaboration = actions.do_create_collaboration(
            self.alice, actions.CollaborationData(title="Pilot", kind="pilot")
        )
        for org, role in [(self.acme, "company"), (self.skane, "infrastructure_party")]:
            actions.do_save_party(self.collaboration, self.alice, actions.PartyData(org, role))
        self.agreement = Agreement.objects.create(
            collaboration=self.collaboration,
            kind="collaboration",
            title="Avtal",
            status=Agreement.Status.SIGNED,
            valid_to=D(2028, 3, 31),
            responsible=self.alice,
        )

    def sent_subjects(self) -> list[str]:
        return list(OutboundEmail.objects.order_by("pk").values_list("subject", flat=True))

    def test_it_reminds_90_30_and_7_days_before_expiry_once_each(self):
        self.assertEqual(send_due_reminders(D(2027, 12, 31))["agreements"], 0)
        self.assertEqual(send_due_reminders(D(2028, 1, 1))["agreements"], 1)
        self.assertEqual(send_due_reminders(D(2028, 1, 2))["agreements"], 0)  # already sent
        self.assertEqual(send_due_reminders(D(2028, 3, 1))["agreements"], 1)
        self.assertEqual(send_due_reminders(D(2028, 3, 24))["agreements"], 1)
        self.assertEqual(send_due_reminders(D(2028, 3, 30))["agreements"], 0)
        self.assertEqual(ReminderLog.objects.filter(key__startswith="agreement:").count(), 3)
        self.assertEqual(len(self.sent_subjects()), 3)
        self.assertTrue(all(self.agreement.title in s for s in self.sent_subjects()))
        self.assertEqual(
            set(OutboundEmail.objects.values_list("to", flat=True)), {self.alice.email}
        )

    def test_a_late_sweep_sends_only_the_nearest_reminder(self):
        self.assertEqual(send_due_reminders(D(2028, 3, 25))["agreements"], 1)
        self.assertEqual(send_due_reminders(D(2028, 3, 26))["agreements"], 0)

    def test_a_new_expiry_date_starts_the_reminders_over(self):
        send_due_reminders(D(2028, 3, 24))
        Agreement.objects.filter(pk=self.agreement.pk).update(valid_to=D(2028, 12, 31))
        self.assertEqual(send_due_reminders(D(2028, 12, 24))["agreements"], 1)

    def test_unsigned_agreements_are_not_reminded(self):
        Agreement.objects.filter(pk=self.agreement.pk).update(status=Agreement.Status.DRAFT)
        self.assertEqual(send_due_reminders(D(2028, 3, 24))["agreements"], 0)

    def test_follow_ups_are_reminded_before_and_after_the_due_date(self):
        actions.do_add_follow_up(self.collaboration, self.alice, "interim", D(2026, 3, 10))
        self.assertEqual(send_due_reminders(D(2026, 3, 2))["follow_ups"], 0)
        self.assertEqual(send_due_reminders(D(2026, 3, 3))["follow_ups"], 1)  # 7 days before
        self.assertEqual(send_due_reminders(D(2026, 3, 10))["follow_ups"], 0)
        self.assertEqual(send_due_reminders(D(2026, 3, 11))["follow_ups"], 1)  # overdue
        self.assertEqual(send_due_reminders(D(2026, 3, 16))["follow_ups"], 0)
        # Until it is recorded, the reminder comes again every week.
        self.assertEqual(send_due_reminders(D(2026, 3, 17))["follow_ups"], 1)
        self.assertEqual(send_due_reminders(D(2026, 3, 18))["follow_ups"], 0)
        self.assertTrue(ReminderLog.objects.filter(key__contains=":overdue:").exists())
        self.assertEqual(len(self.sent_subjects()), 3)
        self.assertEqual(FollowUp.objects.overdue(D(2026, 3, 11)).count(), 1)


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
class AcceptanceTestCase(BaseTestCase):
    def test_accepting_an_inquiry_creates_its_collaboration(self):
        inquiry = self.assessed()
        from samverkan.inquiries import actions as inquiry_actions

        inquiry_actions.do_decide_inquiry(inquiry, self.alice, Inquiry.Status.ACCEPTED)
        collaboration = Collaboration.objects.get(inquiry=inquiry)
        self.assertEqual(collaboration.title, inquiry.title)
        self.assertEqual(collaboration.status, Status.PLANNED)
        self.assertEqual(list(collaboration.committees.all()), [self.rare])
        party = collaboration.parties.get()
        self.assertEqual((party.organisation, party.role), (self.acme, "company"))
        self.assertIn("Sällsynta diagnoser", collaboration.non_exclusivity_note)


class PeriodicSweepTestCase(TransactionTestCase):
    """The worker commits in its own transactions, so this test does too."""

    def test_the_sweep_runs_in_the_worker_and_plans_the_next(self):
        self.assertTrue(ensure_periodic_sweeps())
        self.assertFalse(ensure_periodic_sweeps())
        call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", verbosity=0)
        finished = DBTaskResult.objects.get(
            status="SUCCESSFUL", task_path=run_periodic_sweeps.module_path
        )
        self.assertEqual(
            finished.return_value,
            {
                "inquiries_announced_late": 0,
                "agreements": 0,
                "follow_ups": 0,
                "follow_up_links": 0,
                "published": 0,
                "digests": 0,
                "anonymised": 0,
                "rate_counters_deleted": 0,
            },
        )
        # The next sweep, and the outbox's next look (the minute after), wait in the queue.
        waiting = DBTaskResult.objects.filter(status="READY")
        self.assertEqual(
            sorted(w.task_path for w in waiting),
            sorted([run_periodic_sweeps.module_path, sweep_outbox.module_path]),
        )
        self.assertTrue(all(w.run_after > timezone.now() for w in waiting))
        self.assertEqual(len(mail.outbox), 0)
