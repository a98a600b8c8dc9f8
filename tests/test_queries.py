"""Lists keep a constant number of queries however many rows they show."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from samverkan.inquiries import actions
from samverkan.inquiries.models import Inquiry, Routing
from samverkan.test import BaseTestCase

QUEUE_QUERIES = 7  # session, user, infrastructure, count, committees for the filter, page, routings
API_LIST_QUERIES = 5


class QueryCountTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        for i in range(60):
            inquiry = cls.submit(title=f"Förfrågan {i}")
            if i % 2:
                Routing.objects.create(inquiry=inquiry, committee=cls.rare, routed_by=cls.alice)
                Routing.objects.create(
                    inquiry=inquiry, committee=cls.informatics, routed_by=cls.alice
                )
                Inquiry.objects.filter(pk=inquiry.pk).update(
                    status=Inquiry.Status.ASSESSMENT, assigned_to=cls.alice
                )

    def count(self, url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return len(queries)

    def test_the_queue_page(self):
        self.login(self.alice)
        with self.assertNumQueries(QUEUE_QUERIES):
            response = self.client.get("/inquiries/?page_size=50")
        self.assertEqual(len(response.context["page"]), 25)
        # The same on a page of fewer rows: nothing per row.
        self.assertEqual(self.count("/inquiries/?page=3"), QUEUE_QUERIES)

    def test_the_queue_for_a_committee_member(self):
        self.login(self.bob)
        self.assertEqual(self.count("/inquiries/"), self.count("/inquiries/?page=2"))

    def test_the_api_list(self):
        self.login(self.alice)
        with self.assertNumQueries(API_LIST_QUERIES):
            response = self.client.get("/api/v1/inquiries?page_size=60")
        self.assertEqual(len(response.json()["items"]), 60)
        self.assertEqual(self.count("/api/v1/inquiries?page_size=5"), API_LIST_QUERIES)

    def test_the_detail_page_does_not_grow_with_assessments(self):
        inquiry = Inquiry.objects.filter(status=Inquiry.Status.ASSESSMENT).first()
        assert inquiry is not None
        self.login(self.alice)
        # The first view matches the text once (the worker's job, not yet run here).
        self.client.get(inquiry.get_absolute_url())
        actions.do_save_assessment(inquiry, self.rare, self.bob, self.assessment_input())
        one = self.count(inquiry.get_absolute_url())
        actions.do_save_assessment(inquiry, self.informatics, self.alice, self.assessment_input())
        self.assertEqual(self.count(inquiry.get_absolute_url()), one)

    def test_every_page_of_the_coordinators_queue_keeps_its_defaults(self):
        open_statuses = {s.value for s in Inquiry.OPEN_STATUSES}
        Inquiry.objects.filter(pk__in=Inquiry.objects.order_by("pk")[:20].values("pk")).update(
            status=Inquiry.Status.DECLINED
        )
        self.login(self.alice)
        shown = []
        for number in (1, 2):
            response = self.client.get("/inquiries/", {"page": number})
            shown += [i.status for i in response.context["page"]]
        self.assertEqual(len(shown), 40)
        self.assertTrue(set(shown) <= open_statuses, shown)
        # Choosing every state is still possible.
        response = self.client.get("/inquiries/", {"state": "", "page": 2})
        self.assertEqual(response.context["page"].paginator.count, 60)

    def test_the_open_queue_index_names_the_open_statuses(self):
        index = next(i for i in Inquiry._meta.indexes if i.name == "inquiry_open_newest_idx")
        self.assertEqual(set(dict(index.condition.children)["status__in"]), Inquiry.OPEN_STATUSES)
