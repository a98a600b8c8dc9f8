"""An inquiry's pages and its intake cost a fixed number of queries, at most twelve, however
many routings, assessments, messages, status changes and history entries it gathers."""

import datetime
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from samverkan.accounts.models import User
from samverkan.inquiries import actions
from samverkan.inquiries.models import Inquiry
from samverkan.inquiries.tasks import announce_new_inquiry
from samverkan.notifications.models import Event, Notification
from samverkan.orgs.models import Committee, Organisation
from samverkan.strategy.models import Goal
from samverkan.test import BaseTestCase, intake_payload

MAX_QUERIES = 12


def counted(client, method: str, path: str, *args, **kwargs) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(path, *args, **kwargs)
    return len(queries), response


class InquiryPagesTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.inquiry = cls.routed(cls.rare)
        # The company's own user sees its page too.
        Inquiry.objects.filter(pk=cls.inquiry.pk).update(organisation=cls.acme)
        # One of each to begin with (a list that is empty is not read at all).
        actions.do_request_information(cls.inquiry, cls.alice, "Första frågan")
        actions.do_receive_sender_reply(cls.inquiry, "Första svaret", author=cls.carol)
        data = cls.assessment_input()
        data.goals = list(Goal.objects.all()[:1])
        actions.do_save_assessment(cls.inquiry, cls.rare, cls.bob, data)

    def grow(self) -> None:
        """Many more of everything the pages show or read."""
        inquiry = Inquiry.objects.get(pk=self.inquiry.pk)
        extra = list(Committee.objects.exclude(pk=self.rare.pk).order_by("pk")[:4])
        actions.do_route_inquiry(inquiry, self.alice, extra, note="Titta på detta")
        goals = list(Goal.objects.all()[:3])
        for committee in [self.rare, *extra]:
            data = self.assessment_input()
            data.goals = goals
            data.comment = f"Bedömt av {committee.slug}"
            actions.do_save_assessment(inquiry, committee, self.alice, data)
        for i in range(4):
            actions.do_request_information(inquiry, self.alice, f"Fråga {i}")
            actions.do_receive_sender_reply(inquiry, f"Svar {i}", author=self.carol)
        actions.do_assign_inquiry(inquiry, self.alice)

    def measure(self, users: list[User], path: str) -> dict[str, int]:
        counts = {}
        for user in users:
            self.login(user)
            self.client.get(path)  # the text is matched to the committees once
            count, response = counted(self.client, "get", path)
            self.assertEqual(response.status_code, 200, (user.username, path))
            counts[user.username] = count
        return counts

    def assert_constant(self, users: list[User], path: str) -> None:
        few = self.measure(users, path)
        self.grow()
        many = self.measure(users, path)
        for name, count in few.items():
            with self.subTest(user=name, path=path):
                self.assertLessEqual(count, MAX_QUERIES)
                self.assertEqual(many[name], count)

    def test_the_detail_page_is_constant_for_every_role(self):
        # Before: one routing, assessment and question; after: five routings, five
        # assessments with their gates, scores and goals, ten messages and a dozen status
        # changes.
        self.assert_constant(
            [self.alice, self.bob, self.carol, self.dave, self.erin],
            self.inquiry.get_absolute_url(),
        )

    def test_the_detail_page_still_shows_every_section(self):
        self.grow()
        self.login(self.alice)
        response = self.client.get(self.inquiry.get_absolute_url())
        self.assertContains(response, "<p>Bedömt av ", count=5)
        self.assertContains(response, "Svar 3")
        self.assertContains(response, "Titta på detta")
        self.assertContains(response, 'name="committees"', count=len(Committee.objects.all()))
        self.assertContains(response, f'value="{self.education.slug}"')

    def test_the_assessment_page_is_constant(self):
        path = f"/inquiries/{self.inquiry.pk}/assess/{self.rare.slug}/"
        self.assert_constant([self.alice, self.bob], path)

    def test_the_assessment_page_shows_the_earlier_answers(self):
        goal = Goal.objects.order_by("pk").first()
        assert goal is not None
        data = self.assessment_input(failing=("non_exclusive",), score=1)
        data.goals = [goal]
        data.comment = "Första bedömningen"
        inquiry = Inquiry.objects.get(pk=self.inquiry.pk)
        actions.do_save_assessment(inquiry, self.rare, self.bob, data, expected_version=1)
        self.login(self.bob)
        response = self.client.get(f"/inquiries/{inquiry.pk}/assess/{self.rare.slug}/")
        form = response.context["form"]
        self.assertEqual(form.initial["comment"], "Första bedömningen")
        self.assertEqual(form.initial["goals"], [goal.pk])
        for gate in form.gates:
            self.assertEqual(
                form.initial[f"gate_{gate.pk}"], "no" if gate.slug == "non_exclusive" else "yes"
            )
        for criterion in form.criteria:
            self.assertEqual(form.initial[f"score_{criterion.pk}"], 1)
        checked = re.findall(
            r'<input type="checkbox" name="goals" value="(\d+)"[^>]*checked',
            str(response.content, "utf-8"),
        )
        self.assertEqual(checked, [str(goal.pk)])

    def test_a_member_of_another_committee_gets_404_on_the_assessment_page(self):
        self.login(self.oscar)
        path = f"/inquiries/{self.inquiry.pk}/assess/{self.rare.slug}/"
        self.assertEqual(self.client.get(path).status_code, 404)
        self.login(self.bob)
        self.assertEqual(
            self.client.get(f"/inquiries/{self.inquiry.pk}/assess/education/").status_code, 404
        )

    def test_the_history_page_is_constant(self):
        self.assert_constant(
            [self.alice, self.bob, self.carol], f"{self.inquiry.get_absolute_url()}history/"
        )

    def test_the_queue_with_filters_is_constant(self):
        paths = [
            "/inquiries/",
            "/inquiries/?state=all&sort=oldest",
            f"/inquiries/?committee={self.rare.slug}&status=assessment",
            "/inquiries/?q=sjukdomar",
        ]
        for path in paths:
            few = self.measure([self.alice, self.bob], path)
            for i in range(30):
                self.routed(self.rare, self.informatics, title=f"Förfrågan {i}")
            many = self.measure([self.alice, self.bob], path)
            for name, count in few.items():
                with self.subTest(user=name, path=path):
                    self.assertLessEqual(count, MAX_QUERIES)
                    self.assertEqual(many[name], count)


class IntakeQueriesTestCase(BaseTestCase):
    """The sender's request stores the inquiry and the acknowledgement; telling the
    coordinators is one task for the worker."""

    def api(self, **overrides) -> tuple[int, object]:
        return counted(
            self.client,
            "post",
            "/api/v1/inquiries",
            intake_payload(**overrides),
            content_type="application/json",
        )

    def setUp(self) -> None:
        super().setUp()
        self.submit()  # the year's reference counter exists, as it does after the first

    def test_a_known_company_costs_at_most_twelve(self):
        count, response = self.api()
        self.assertEqual(response.status_code, 201)
        self.assertLessEqual(count, MAX_QUERIES)

    def test_a_new_company_costs_only_its_organisation_and_contact_more(self):
        known, _response = self.api()
        count, response = self.api(
            organisation_name="Nytt Bolag ApS",
            organisation_number="",
            foreign_identifier="DK87654321",
            country="DK",
        )
        self.assertEqual(response.status_code, 201)
        self.assertTrue(Organisation.objects.filter(foreign_identifier="DK87654321").exists())
        # Storing the organisation and its first contact, each with its history entry, in
        # place of looking up the contact; get_or_create guards the organisation against a
        # concurrent first inquiry from the same company with a savepoint.
        self.assertLessEqual(count, known + 5)

    def test_the_form_costs_at_most_twelve(self):
        data = {k: v for k, v in intake_payload().items() if not isinstance(v, list | bool)} | {
            "kinds": ["research"],
            "consent": "on",
            "form_token": "t-1",
            "website": "",
        }
        count, response = counted(self.client, "post", "/inquiries/new/", data)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, Inquiry.objects.latest("pk").reference)
        self.assertLessEqual(count, MAX_QUERIES)

    def test_the_coordinators_are_told_by_one_task_once(self):
        Notification.objects.all().delete()
        with self.captureOnCommitCallbacks(execute=True):
            _count, response = self.api(title="Ett nytt förslag")
        self.assertEqual(response.status_code, 201)
        inquiry = Inquiry.objects.get(title="Ett nytt förslag")
        # Nothing for the coordinators in the request, one task for all of them.
        self.assertFalse(Notification.objects.exists())
        tasks = DBTaskResult.objects.filter(task_path=announce_new_inquiry.module_path)
        self.assertEqual([t.args_kwargs["args"] for t in tasks], [[inquiry.pk]])

        self.assertEqual(announce_new_inquiry.call(inquiry.pk), "notified 2")
        self.assertEqual(announce_new_inquiry.call(inquiry.pk), "notified 0")  # run twice
        told = Notification.objects.filter(event=Event.NEW_INQUIRY)
        self.assertEqual(sorted(told.values_list("user__username", flat=True)), ["alice", "erin"])
        self.assertIn(inquiry.reference, told.first().title)

    def test_a_second_worker_finds_them_told(self):
        inquiry = self.submit(title="Två arbetare")
        self.assertEqual(actions.do_announce_new_inquiry(inquiry), 2)
        self.assertEqual(actions.do_announce_new_inquiry(inquiry), 0)
        self.assertEqual(Notification.objects.filter(event=Event.NEW_INQUIRY).count(), 2)

    def test_the_sweep_announces_what_a_lost_task_never_did(self):
        Notification.objects.all().delete()
        lost = self.submit(title="Uppgiften försvann")  # its task never runs
        told = self.submit(title="Redan meddelad")
        actions.do_announce_new_inquiry(told)
        fresh = self.submit(title="Alldeles ny")  # its task may still be waiting
        old = timezone.now() - datetime.timedelta(minutes=30)
        Inquiry.objects.filter(pk__in=[lost.pk, told.pk]).update(created_at=old)
        self.assertEqual(actions.announce_missed_inquiries(), 1)
        titles = set(Notification.objects.values_list("title", flat=True))
        self.assertTrue(any(lost.reference in t for t in titles))
        self.assertFalse(any(fresh.reference in t for t in titles))
        self.assertEqual(actions.announce_missed_inquiries(), 0)
