"""The inquiry's domain rules: state machine, gates, priority formula, versions."""

from decimal import Decimal
from itertools import product

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation

from samverkan.core.models import StaleRecordError
from samverkan.inquiries import actions
from samverkan.inquiries.models import (
    Inquiry,
    Message,
    PriorityCriterion,
    StatusChange,
    priority_from_scores,
)
from samverkan.test import BaseTestCase

S = Inquiry.Status

EXPECTED_TRANSITIONS = {
    S.RECEIVED: {S.TRIAGE, S.AWAITING_INFO, S.ASSESSMENT, S.PARKED, S.DECLINED, S.WITHDRAWN},
    S.TRIAGE: {S.AWAITING_INFO, S.ASSESSMENT, S.PARKED, S.DECLINED, S.WITHDRAWN},
    S.AWAITING_INFO: {S.TRIAGE, S.ASSESSMENT, S.PARKED, S.DECLINED, S.WITHDRAWN},
    S.ASSESSMENT: {S.AWAITING_INFO, S.ACCEPTED, S.PARKED, S.DECLINED, S.WITHDRAWN},
    S.PARKED: {S.TRIAGE, S.ASSESSMENT, S.DECLINED, S.WITHDRAWN},
    S.ACCEPTED: set(),
    S.DECLINED: set(),
    S.WITHDRAWN: set(),
}


class StateMachineTestCase(BaseTestCase):
    def test_the_table_is_exactly_the_agreed_one(self):
        self.assertEqual({k: set(v) for k, v in Inquiry.TRANSITIONS.items()}, EXPECTED_TRANSITIONS)

    def test_it_records_every_allowed_transition_and_refuses_every_other(self):
        inquiry = self.submit()
        for source, target in product(S.values, S.values):
            Inquiry.objects.filter(pk=inquiry.pk).update(status=source)
            inquiry.refresh_from_db()
            before = StatusChange.objects.count()
            allowed = target in EXPECTED_TRANSITIONS[source]
            with self.subTest(source=source, target=target):
                if allowed:
                    with transaction.atomic():
                        actions._transition(inquiry, target, self.alice, "test")
                    self.assertEqual(inquiry.status, target)
                    change = StatusChange.objects.latest("pk")
                    self.assertEqual(
                        (change.from_status, change.to_status, change.changed_by),
                        (source, target, self.alice),
                    )
                else:
                    with self.assertRaises(ValidationError):
                        actions._transition(inquiry, target, self.alice)
                    self.assertEqual(StatusChange.objects.count(), before)

    def test_a_decided_inquiry_cannot_be_routed_or_decided_again(self):
        inquiry = self.submit()
        actions.do_decide_inquiry(inquiry, self.alice, S.WITHDRAWN)
        inquiry.refresh_from_db()
        with self.assertRaises(ValidationError):
            actions.do_route_inquiry(inquiry, self.alice, [self.rare])
        with self.assertRaises(ValidationError):
            actions.do_decide_inquiry(inquiry, self.alice, S.DECLINED, reason="x")
        self.assertEqual(Inquiry.objects.get(pk=inquiry.pk).status, S.WITHDRAWN)


class TriageActionsTestCase(BaseTestCase):
    def test_assigning_moves_a_new_inquiry_to_triage(self):
        inquiry = self.submit()
        actions.do_assign_inquiry(inquiry, self.alice, expected_version=inquiry.version)
        inquiry.refresh_from_db()
        self.assertEqual(inquiry.assigned_to, self.alice)
        self.assertEqual(inquiry.status, S.TRIAGE)
        self.assertEqual(inquiry.version, 2)

    def test_only_coordinators_triage(self):
        inquiry = self.submit()
        for user in [self.bob, self.carol, self.dave, self.mallory]:
            with self.subTest(user=user.username), self.assertRaises(PermissionDenied):
                actions.do_assign_inquiry(inquiry, user)
            with self.assertRaises(PermissionDenied):
                actions.do_route_inquiry(inquiry, user, [self.rare])
            with self.assertRaises(PermissionDenied):
                actions.do_decide_inquiry(inquiry, user, S.PARKED)

    def test_asking_for_information_makes_the_inquiry_wait_and_the_reply_resumes_it(self):
        inquiry = self.submit()
        actions.do_request_information(inquiry, self.alice, "Vilka resurser bidrar ni med?")
        inquiry.refresh_from_db()
        self.assertEqual(inquiry.status, S.AWAITING_INFO)
        self.assertIsNotNone(inquiry.first_response_at)
        actions.do_receive_sender_reply(inquiry, "Två bioinformatiker.")
        inquiry.refresh_from_db()
        self.assertEqual(inquiry.status, S.TRIAGE)
        self.assertEqual(
            list(inquiry.messages.values_list("direction", flat=True)),
            [Message.Direction.TO_SENDER, Message.Direction.FROM_SENDER],
        )

    def test_a_reply_during_assessment_returns_it_to_assessment(self):
        inquiry = self.routed()
        actions.do_request_information(inquiry, self.alice, "Fråga")
        inquiry.refresh_from_db()
        actions.do_receive_sender_reply(inquiry, "Svar")
        inquiry.refresh_from_db()
        self.assertEqual(inquiry.status, S.ASSESSMENT)

    def test_routing_adds_committees_and_keeps_earlier_ones(self):
        inquiry = self.routed(self.rare)
        actions.do_route_inquiry(inquiry, self.alice, [self.informatics, self.rare])
        self.assertEqual(
            set(inquiry.routings.values_list("committee__slug", flat=True)),
            {"rare_diseases", "informatics"},
        )
        with self.assertRaises(ValidationError):
            actions.do_route_inquiry(inquiry, self.alice, [self.rare])

    def test_a_stale_version_is_refused_and_nothing_changes(self):
        inquiry = self.submit()
        stale = inquiry.version
        actions.do_assign_inquiry(inquiry, self.alice, expected_version=stale)
        with self.assertRaises(StaleRecordError):
            actions.do_route_inquiry(inquiry, self.alice, [self.rare], expected_version=stale)
        self.assertFalse(inquiry.routings.exists())
        self.assertEqual(Inquiry.objects.get(pk=inquiry.pk).status, S.TRIAGE)


class PriorityTestCase(BaseTestCase):
    def test_the_formula_weights_the_scores(self):
        criteria = {c.slug: c for c in PriorityCriterion.objects.all()}
        # Reference weights: scalable 2, several_companies 1, swedish_operations 1; max 3.
        scores = [
            (criteria["scalable"], 3),
            (criteria["several_companies"], 0),
            (criteria["swedish_operations"], 3),
        ]
        self.assertEqual(priority_from_scores(scores), Decimal("75.0"))
        scores = [
            (criteria["scalable"], 1),
            (criteria["several_companies"], 2),
            (criteria["swedish_operations"], 0),
        ]
        self.assertEqual(priority_from_scores(scores), Decimal("33.3"))
        self.assertEqual(priority_from_scores([]), Decimal(0))

    def test_the_weights_come_from_the_reference_data(self):
        PriorityCriterion.objects.filter(slug="scalable").update(weight=Decimal(0))
        criteria = {c.slug: c for c in PriorityCriterion.objects.all()}
        scores = [
            (criteria["scalable"], 0),
            (criteria["several_companies"], 3),
            (criteria["swedish_operations"], 0),
        ]
        self.assertEqual(priority_from_scores(scores), Decimal("50.0"))

    def test_the_formula_is_written_out_with_the_weights(self):
        with translation.override("en"):
            formula = PriorityCriterion.formula(list(PriorityCriterion.objects.all()))
        self.assertEqual(
            formula,
            "100 × (2 × «Expected to give scalable solutions or knowledge of value for "
            "several GMS parties» + 1 × «Involves several companies» + 1 × «The company has "
            "or wants to develop operations in Sweden») / (2 × 3 + 1 × 3 + 1 × 3)",
        )

    def test_an_assessment_stores_its_priority(self):
        inquiry = self.routed()
        assessment = actions.do_save_assessment(
            inquiry, self.rare, self.bob, self.assessment_input(score=3)
        )
        self.assertEqual(assessment.priority, Decimal("100.0"))
        self.assertTrue(assessment.gates_passed)


class AssessmentTestCase(BaseTestCase):
    def test_only_members_of_a_routed_committee_assess(self):
        inquiry = self.routed()
        with self.assertRaises(PermissionDenied):
            actions.do_save_assessment(inquiry, self.rare, self.oscar, self.assessment_input())
        with self.assertRaises(ValidationError):
            actions.do_save_assessment(inquiry, self.education, self.oscar, self.assessment_input())

    def test_every_gate_and_score_is_required(self):
        inquiry = self.routed()
        data = self.assessment_input()
        data.gates = dict(list(data.gates.items())[:2])
        with self.assertRaises(ValidationError):
            actions.do_save_assessment(inquiry, self.rare, self.bob, data)
        data = self.assessment_input()
        data.scores = dict.fromkeys(data.scores, 9)
        with self.assertRaises(ValidationError):
            actions.do_save_assessment(inquiry, self.rare, self.bob, data)
        self.assertFalse(inquiry.assessments.exists())

    def test_a_revision_needs_the_current_version(self):
        inquiry = self.routed()
        first = actions.do_save_assessment(inquiry, self.rare, self.bob, self.assessment_input())
        actions.do_save_assessment(
            inquiry,
            self.rare,
            self.bob,
            self.assessment_input(score=3),
            expected_version=first.version,
        )
        with self.assertRaises(StaleRecordError):
            actions.do_save_assessment(
                inquiry,
                self.rare,
                self.bob,
                self.assessment_input(score=0),
                expected_version=first.version,
            )
        self.assertEqual(inquiry.assessments.get().priority, Decimal("100.0"))


class DecisionTestCase(BaseTestCase):
    def test_accept_is_refused_until_every_routed_committee_has_assessed(self):
        inquiry = self.routed(self.rare, self.informatics)
        actions.do_save_assessment(inquiry, self.rare, self.bob, self.assessment_input())
        with self.assertRaises(ValidationError) as refused:
            actions.do_decide_inquiry(inquiry, self.alice, S.ACCEPTED)
        self.assertIn("Informatik", str(refused.exception))
        actions.do_save_assessment(inquiry, self.informatics, self.alice, self.assessment_input())
        actions.do_decide_inquiry(inquiry, self.alice, S.ACCEPTED)
        self.assertEqual(Inquiry.objects.get(pk=inquiry.pk).status, S.ACCEPTED)

    def test_accept_is_refused_when_a_gate_fails(self):
        for gate in ["shares_goals", "mutual_benefit", "non_exclusive", "follows_rules"]:
            with self.subTest(gate=gate):
                inquiry = self.assessed(failing=(gate,))
                with self.assertRaises(ValidationError):
                    actions.do_decide_inquiry(inquiry, self.alice, S.ACCEPTED)
                self.assertEqual(Inquiry.objects.get(pk=inquiry.pk).status, S.ASSESSMENT)

    def test_a_failed_gate_still_allows_declining(self):
        inquiry = self.assessed(failing=("non_exclusive",))
        actions.do_decide_inquiry(inquiry, self.alice, S.DECLINED, reason="Exklusivitet.")
        inquiry.refresh_from_db()
        self.assertEqual(inquiry.status, S.DECLINED)
        self.assertEqual(inquiry.decision_reason, "Exklusivitet.")
        self.assertIsNotNone(inquiry.decided_at)

    def test_declining_needs_a_reason(self):
        inquiry = self.submit()
        with self.assertRaises(ValidationError):
            actions.do_decide_inquiry(inquiry, self.alice, S.DECLINED, reason="  ")
        self.assertEqual(Inquiry.objects.get(pk=inquiry.pk).status, S.RECEIVED)

    def test_the_company_is_told_the_decision_in_its_language(self):
        from samverkan.core.models import OutboundEmail

        inquiry = self.submit(language="en")
        actions.do_decide_inquiry(inquiry, self.alice, S.DECLINED, reason="Not now.")
        email = OutboundEmail.objects.filter(to=inquiry.contact_email).latest("pk")
        self.assertEqual(email.to, inquiry.contact_email)
        self.assertIn("Answer to your inquiry", email.subject)
        self.assertIn("Not now.", email.body)

    def test_parking_keeps_the_inquiry_open(self):
        inquiry = self.submit()
        actions.do_decide_inquiry(inquiry, self.alice, S.PARKED, reason="Efter sommaren")
        inquiry.refresh_from_db()
        self.assertTrue(inquiry.is_open)
        self.assertIsNone(inquiry.decided_at)
        actions.do_assign_inquiry(inquiry, self.alice)
        self.assertEqual(Inquiry.objects.get(pk=inquiry.pk).status, S.PARKED)


class IntakeIdempotencyTestCase(BaseTestCase):
    def test_the_same_key_gives_the_same_inquiry(self):
        data = actions.IntakeData(
            organisation_name="Acme",
            organisation_number=self.acme.organisation_number,
            contact_name="A",
            contact_email="a@acme.example",
            title="T",
            description="D",
        )
        first, created = actions.do_submit_inquiry(data, language="sv", idempotency_key="k1")
        second, again = actions.do_submit_inquiry(data, language="sv", idempotency_key="k1")
        self.assertTrue(created)
        self.assertFalse(again)
        self.assertEqual(first.pk, second.pk)
        self.assertEqual(Inquiry.objects.count(), 1)

    def test_public_input_never_renames_a_known_organisation(self):
        inquiry = self.submit(organisation_name="Acme Hijacked AB")
        self.assertEqual(inquiry.organisation, self.acme)
        self.acme.refresh_from_db()
        self.assertEqual(self.acme.name, "Acme Genomik AB")
        self.assertEqual(inquiry.organisation_name, "Acme Hijacked AB")
