"""The coordinator's and the committee's pages, through real HTTP requests."""

import datetime
import json

from django.utils import timezone

from samverkan.inquiries.models import Assessment, Gate, Inquiry, PriorityCriterion
from samverkan.strategy.models import Goal
from samverkan.test import BaseTestCase

S = Inquiry.Status


class QueueTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.old = cls.submit(title="Gammal förfrågan")
        Inquiry.objects.filter(pk=cls.old.pk).update(
            created_at=timezone.now() - datetime.timedelta(days=20)
        )
        cls.new = cls.submit(title="Ny förfrågan")
        cls.closed = cls.submit(title="Återkallad förfrågan")
        Inquiry.objects.filter(pk=cls.closed.pk).update(status=S.WITHDRAWN)
        cls.routed_one = cls.routed(cls.informatics, title="Fördelad förfrågan")

    def setUp(self) -> None:
        super().setUp()
        self.login(self.alice)

    def test_it_lists_open_inquiries_newest_first_with_their_age(self):
        response = self.client.get("/inquiries/")
        body = response.content.decode()
        self.assertLess(body.index("Ny förfrågan"), body.index("Gammal förfrågan"))
        oldest = self.client.get("/inquiries/?state=open&sort=oldest").content.decode()
        self.assertLess(oldest.index("Gammal förfrågan"), oldest.index("Ny förfrågan"))
        self.assertNotIn("Återkallad förfrågan", body)
        self.assertContains(response, '<td class="num">20</td>', html=True)

    def test_it_filters_by_status_committee_and_age(self):
        by_status = self.client.get("/inquiries/?status=withdrawn")
        self.assertContains(by_status, "Återkallad förfrågan")
        self.assertNotContains(by_status, "Ny förfrågan")
        by_committee = self.client.get("/inquiries/?committee=informatics")
        self.assertContains(by_committee, "Fördelad förfrågan")
        self.assertNotContains(by_committee, "Gammal förfrågan")
        by_age = self.client.get("/inquiries/?older_than=14")
        self.assertContains(by_age, "Gammal förfrågan")
        self.assertNotContains(by_age, "Ny förfrågan")

    def test_htmx_gets_only_the_table(self):
        response = self.client.get("/inquiries/?status=received", HTTP_HX_REQUEST="true")
        self.assertContains(response, 'id="queue"')
        self.assertNotContains(response, "<html")

    def test_it_searches_reference_title_and_organisation(self):
        response = self.client.get(f"/inquiries/?q={self.new.reference}")
        self.assertContains(response, "Ny förfrågan")
        self.assertNotContains(response, "Gammal förfrågan")


class TriageFlowTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.inquiry = self.submit(
            title="Bioinformatik för variantdatabas",
            description="Vi erbjuder programvara för bioinformatik och en variantdatabas i molnet.",
        )
        self.login(self.alice)

    def test_the_page_suggests_committees_and_says_why(self):
        response = self.client.get(self.inquiry.get_absolute_url())
        best, fit = response.context["suggestions"][0]
        self.assertEqual(best.key, self.informatics)
        self.assertIn("bioinformatik", best.terms)
        self.assertEqual(fit, "passar bäst")
        self.assertContains(response, "bioinformatik")
        # The best suggestion is ticked in the routing form.
        self.assertEqual(response.context["route_form"].initial["committees"][0], self.informatics)

    def test_scores_carry_words_not_a_bare_number(self):
        Inquiry.objects.filter(pk=self.inquiry.pk).update(
            suggested_committees=[
                {"committee": "informatics", "score": 20.165, "terms": ["bioinformatik"]},
                {"committee": "rare_diseases", "score": 15.2, "terms": ["variant"]},
                {"committee": "education", "score": 2.5, "terms": ["moln"]},
            ]
        )
        response = self.client.get(self.inquiry.get_absolute_url())
        self.assertContains(response, "(passar bäst, poäng 20,2)")
        self.assertContains(response, "(passar nästan lika bra, poäng 15,2)")
        self.assertContains(response, "(passar dåligt, poäng 2,5)")
        self.assertContains(response, "sällsynta ord väger mer")
        self.assertNotContains(response, "(20,165)")
        english = self.client.get(self.inquiry.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(english, "(closest fit, score 20.2)")

    def test_assign_route_and_decide_through_the_pages(self):
        url = self.inquiry.get_absolute_url()
        self.client.post(f"{url}assign/", {"version": 1})
        self.inquiry.refresh_from_db()
        self.assertEqual((self.inquiry.status, self.inquiry.assigned_to), (S.TRIAGE, self.alice))

        response = self.client.post(
            f"{url}route/",
            {"version": 2, "committees": ["rare_diseases"], "note": "Titta"},
            follow=True,
        )
        self.assertContains(response, "Sällsynta diagnoser")
        self.inquiry.refresh_from_db()
        self.assertEqual(self.inquiry.status, S.ASSESSMENT)

        response = self.client.post(
            f"{url}decide/", {"version": 3, "decision": "accepted"}, follow=True
        )
        self.assertContains(response, "Sällsynta diagnoser")  # named as not yet assessed
        self.assertEqual(Inquiry.objects.get(pk=self.inquiry.pk).status, S.ASSESSMENT)

    def test_a_stale_form_is_refused_with_a_message(self):
        url = self.inquiry.get_absolute_url()
        self.client.post(f"{url}assign/", {"version": 1}, follow=True)
        response = self.client.post(
            f"{url}route/",
            {"version": 1, "committees": ["rare_diseases"]},
            follow=True,
            HTTP_ACCEPT_LANGUAGE="en",
        )
        messages = [str(m) for m in response.context["messages"]]
        self.assertEqual(len(messages), 1)
        self.assertIn("Someone else changed this record", messages[0])
        self.assertFalse(self.inquiry.routings.exists())

    def test_asking_for_information_reaches_the_sender_page(self):
        url = self.inquiry.get_absolute_url()
        self.client.post(
            f"{url}request-information/", {"version": 1, "body": "Hur stor är budgeten?"}
        )
        self.client.logout()
        sender_page = self.client.get(f"/inquiries/s/{self.inquiry.sender_token}/")
        self.assertContains(sender_page, "Hur stor är budgeten?")
        self.client.post(f"/inquiries/s/{self.inquiry.sender_token}/", {"body": "200 000 kr."})
        self.inquiry.refresh_from_db()
        self.assertEqual(self.inquiry.status, S.TRIAGE)
        self.assertEqual(self.inquiry.messages.last().body, "200 000 kr.")

    def test_declining_without_a_reason_is_refused_on_the_page(self):
        response = self.client.post(
            f"{self.inquiry.get_absolute_url()}decide/",
            {"version": 1, "decision": "declined", "reason": ""},
            follow=True,
            HTTP_ACCEPT_LANGUAGE="en",
        )
        self.assertContains(response, "Give the company a reason for declining.")
        self.assertEqual(Inquiry.objects.get(pk=self.inquiry.pk).status, S.RECEIVED)


class AssessmentPageTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.inquiry = self.routed(self.rare)
        self.url = f"/inquiries/{self.inquiry.pk}/assess/rare_diseases/"
        self.login(self.bob)

    def form(self, gate="yes", score=3, **extra):
        data = {f"gate_{g.pk}": gate for g in Gate.objects.all()}
        data |= {f"score_{c.pk}": score for c in PriorityCriterion.objects.all()}
        goal = Goal.objects.get(number=1)
        data |= {
            "goals": [str(goal.pk)],
            "comment": "Bra förslag",
            "recommendation": "accept",
            **extra,
        }
        return data

    def test_it_shows_the_gates_criteria_and_formula(self):
        response = self.client.get(self.url)
        self.assertContains(response, "Företaget delar GMS övergripande mål")
        # The criteria by name in the reader's language, and each score level's meaning.
        self.assertContains(response, "100 × (2 × «Förväntas ge skalbara lösningar")
        self.assertNotContains(response, "2 × scalable")
        self.assertContains(response, "3 – I mycket hög grad")
        english = self.client.get(self.url, HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(english, "2 × «Expected to give scalable solutions")
        self.assertContains(english, "0 – Not at all")

    def test_weights_are_numbers_in_the_readers_language(self):
        criterion = PriorityCriterion.objects.order_by("order").first()
        assert criterion is not None
        PriorityCriterion.objects.filter(pk=criterion.pk).update(weight="1.50")
        swedish = self.client.get(self.url)
        self.assertContains(swedish, "Vikt 1,5")
        self.assertContains(swedish, "100 × (1,5 × «")
        self.assertNotContains(swedish, "1.50")
        self.assertNotContains(swedish, "2.00")
        english = self.client.get(self.url, HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(english, "Weight 1.5")
        self.client.post(self.url, self.form())
        page = self.client.get(self.inquiry.get_absolute_url())
        self.assertContains(page, '<td class="num">1,5</td>', html=True)
        self.assertNotContains(page, "2,00")

    def test_the_member_records_the_assessment_and_the_priority_is_shown(self):
        response = self.client.post(self.url, self.form(), follow=True)
        assessment = Assessment.objects.get()
        self.assertTrue(assessment.gates_passed)
        self.assertEqual(str(assessment.priority), "100.0")
        self.assertEqual(list(assessment.goals.values_list("number", flat=True)), [1])
        self.assertContains(response, "100,0")  # Swedish decimal comma
        self.assertEqual(assessment.recommendation, "accept")

    def test_a_missing_answer_shows_the_form_again_and_stores_nothing(self):
        data = self.form()
        del data[f"gate_{Gate.objects.first().pk}"]
        response = self.client.post(self.url, data, HTTP_ACCEPT_LANGUAGE="en")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Answer yes or no.")
        self.assertFalse(Assessment.objects.exists())

    def test_a_revision_from_a_stale_page_is_refused(self):
        self.client.post(self.url, self.form())
        self.client.post(self.url, self.form(score=2, version=1))
        response = self.client.post(self.url, self.form(score=0, version=1))
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].non_field_errors())
        self.assertEqual(str(Assessment.objects.get().priority), "66.7")


class HistoryPageTestCase(BaseTestCase):
    def test_it_shows_every_change_with_who_and_when(self):
        inquiry = self.routed(self.rare)
        self.login(self.dave)
        response = self.client.get(f"/inquiries/{inquiry.pk}/history/", HTTP_ACCEPT_LANGUAGE="en")
        changes = list(response.context["changes"])
        self.assertEqual(
            [(c.from_status, c.to_status) for c in changes],
            [("", "received"), ("received", "assessment")],
        )
        self.assertEqual(changes[1].changed_by, self.alice)
        self.assertContains(response, "alice")
        self.assertGreaterEqual(len(response.context["diffs"]), 2)


class InquiryApiTestCase(BaseTestCase):
    def post(self, url, payload):
        return self.client.post(url, json.dumps(payload), content_type="application/json")

    def test_the_whole_workflow_through_the_api(self):
        inquiry = self.submit()
        base = f"/api/v1/inquiries/{inquiry.pk}"
        self.login(self.alice)
        body = self.post(f"{base}/assign", {"version": 1}).json()
        self.assertEqual((body["status"], body["assigned_to"]), ("triage", "alice"))
        body = self.post(f"{base}/route", {"version": 2, "committees": ["rare_diseases"]}).json()
        self.assertEqual(body["committees"], ["rare_diseases"])

        self.login(self.bob)
        gates = {g.slug: {"met": True, "comment": ""} for g in Gate.objects.all()}
        scores = {c.slug: 3 for c in PriorityCriterion.objects.all()}
        response = self.client.put(
            f"{base}/assessments/rare_diseases",
            json.dumps({"gates": gates, "scores": scores, "goals": [1, 3]}),
            content_type="application/json",
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["priority"], "100.0")

        self.login(self.alice)
        response = self.post(f"{base}/decision", {"version": 4, "decision": "accepted"})
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["status"], "accepted")
        history = self.client.get(f"{base}/history").json()
        self.assertEqual(
            [h["to_status"] for h in history], ["received", "triage", "assessment", "accepted"]
        )

    def test_a_stale_version_is_409(self):
        inquiry = self.submit()
        self.login(self.alice)
        self.post(f"/api/v1/inquiries/{inquiry.pk}/assign", {"version": 1})
        response = self.post(f"/api/v1/inquiries/{inquiry.pk}/assign", {"version": 1})
        self.assertEqual(response.status_code, 409)

    def test_a_refused_transition_is_400_with_the_reason(self):
        inquiry = self.routed()
        self.login(self.alice)
        response = self.post(
            f"/api/v1/inquiries/{inquiry.pk}/decision",
            {"version": inquiry.version, "decision": "accepted"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("Sällsynta diagnoser", response.json()["detail"])

    def test_the_list_filters_like_the_page(self):
        self.routed(self.informatics, title="Informatikförslag")
        self.submit(title="Annat")
        self.login(self.dave)
        items = self.client.get("/api/v1/inquiries?committee=informatics").json()["items"]
        self.assertEqual([i["title"] for i in items], ["Informatikförslag"])
        response = self.client.get("/api/v1/inquiries?older_than=abc")
        self.assertEqual(response.status_code, 422)


class ListExportTestCase(BaseTestCase):
    """Every list exports exactly its filtered rows as CSV and Excel."""

    def test_the_queue_exports_its_filtered_rows(self):
        import csv
        import io

        from openpyxl import load_workbook

        self.routed(self.informatics, title="Exporteras")
        self.submit(title="Filtreras bort")
        self.login(self.alice)
        response = self.client.get("/inquiries/?committee=informatics&format=csv")
        rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
        self.assertEqual([r[1] for r in rows[1:]], ["Exporteras"])
        response = self.client.get("/inquiries/?committee=informatics&format=xlsx")
        sheet = load_workbook(io.BytesIO(response.getvalue())).active
        assert sheet is not None
        self.assertEqual(
            [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)], ["Exporteras"]
        )

    def test_a_company_user_exports_only_their_own(self):
        import csv
        import io

        own = self.submit(title="Acmes förfrågan")
        self.submit(
            organisation_number=self.other.organisation_number,
            organisation_name="Annat Bolag AB",
            title="Annans förfrågan",
        )
        self.login(self.carol)
        response = self.client.get("/inquiries/?format=csv")
        rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
        self.assertEqual([r[0] for r in rows[1:]], [own.reference])
