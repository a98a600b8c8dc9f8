"""The collaborations API: every endpoint by role, and the rules the pages keep."""

import datetime
import json
import shutil
import tempfile
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from samverkan.accounts.models import Role, User
from samverkan.agreements import actions as agreement_actions
from samverkan.agreements.models import Agreement, AgreementDocument, AgreementPrinciple
from samverkan.collaborations import actions
from samverkan.collaborations.models import (
    Collaboration,
    CollaborationParty,
    CommunicationActivity,
    FollowUp,
    FollowUpAnswer,
    FundingApplication,
)
from samverkan.orgs.models import Organisation
from samverkan.strategy.models import Goal
from samverkan.test import BaseTestCase, valid_orgnr

API = "/api/v1/collaborations"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PEOPLE = ["anon", "alice", "bob", "carol", "dave", "erin", "mallory", "oscar", "bea"]

# Who reaches what in the collaboration of Region Skåne, Acme (carol) and Beta (bea),
# routed to rare diseases (bob). Mallory's company and oscar's committee are elsewhere.
VISIBLE = {
    "anon": 401,
    "alice": 200,
    "bob": 200,
    "carol": 200,
    "dave": 200,
    "erin": 200,
    "mallory": 404,
    "oscar": 404,
    "bea": 200,
}
# The signed agreement (and its drafts) are between Region Skåne and Acme only.
ACME_ONLY = {**VISIBLE, "bea": 404}
# Documents hold the terms: committee members see the agreement, not what it says.
CONFIDENTIAL = {**ACME_ONLY, "bob": 404}
STAFF = {
    "anon": 401,
    "alice": 200,
    "bob": 403,
    "carol": 403,
    "dave": 403,
    "erin": 200,
    "mallory": 404,
    "oscar": 404,
    "bea": 403,
}
STAFF_ACME_ONLY = {**STAFF, "bea": 404}


def pdf(name: str = "avtal.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


class CollaborationApiTestCase(BaseTestCase):
    """The tests read the API's messages in English."""

    def setUp(self) -> None:
        super().setUp()
        translation.activate("en")
        self.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    """A planned collaboration with a signed agreement, a draft, a follow-up and funding."""

    media: str
    skane: Organisation
    lund: Organisation
    beta: Organisation
    bea: User
    project: Collaboration
    elsewhere: Collaboration
    beta_party: CollaborationParty
    agreement: Agreement
    document: AgreementDocument
    draft: CommunicationActivity
    follow_up: FollowUp
    funding: FundingApplication

    @classmethod
    def setUpClass(cls) -> None:
        cls.media = tempfile.mkdtemp()
        cls.addClassCleanup(shutil.rmtree, cls.media, ignore_errors=True)
        cls.enterClassContext(override_settings(MEDIA_ROOT=cls.media))
        super().setUpClass()

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.skane = Organisation.objects.get(name="Region Skåne")
        cls.lund = Organisation.objects.get(name="Lunds universitet")
        cls.beta = Organisation.objects.create(
            name="Beta Diagnostik AB", organisation_number=valid_orgnr("559011223")
        )
        cls.bea = cls._user("bea", Role.COMPANY, organisation=cls.beta)
        cls.project = actions.do_create_collaboration(
            cls.alice,
            actions.CollaborationData(
                title="Snabb helgenomsekvensering",
                kind="research",
                summary="Helgenom för nyfödda",
                internal_notes="Budgeten är förhandlingsbar",
                start_date=datetime.date(2025, 1, 1),
                end_date=datetime.date(2026, 12, 31),
                committees=[cls.rare],
                goals=list(Goal.objects.filter(number=1)),
            ),
        )
        for organisation, role in [
            (cls.skane, CollaborationParty.Role.INFRASTRUCTURE),
            (cls.acme, CollaborationParty.Role.COMPANY),
            (cls.beta, CollaborationParty.Role.COMPANY),
        ]:
            actions.do_save_party(
                cls.project, cls.alice, actions.PartyData(organisation=organisation, role=role)
            )
        cls.beta_party = cls.project.parties.get(organisation=cls.beta)
        cls.pass_gates(cls.project)
        cls.elsewhere = actions.do_create_collaboration(
            cls.alice,
            actions.CollaborationData(
                title="Utbildning i tolkning", kind="education", committees=[cls.education]
            ),
        )
        actions.do_save_party(
            cls.elsewhere,
            cls.alice,
            actions.PartyData(organisation=cls.other, role=CollaborationParty.Role.COMPANY),
        )
        cls.agreement = agreement_actions.do_save_agreement(
            cls.project,
            cls.alice,
            agreement_actions.AgreementData(
                kind="collaboration",
                title="Samverkansavtal",
                parties=[cls.skane, cls.acme],
                terms="Royalty tre procent",
            ),
        )
        cls.document = agreement_actions.do_upload_agreement_document(
            cls.agreement, cls.alice, pdf()
        )
        cls.meet_principles(cls.agreement)
        cls.agreement = agreement_actions.do_change_agreement_status(
            cls.agreement, cls.alice, Agreement.Status.SIGNED, signed_on=datetime.date(2025, 2, 1)
        )
        cls.draft = actions.do_save_communication(
            cls.project,
            cls.alice,
            actions.CommunicationData(
                kind="news",
                title="GMS och Acme samverkar",
                text="Genomic Medicine Sweden och Acme testar snabb helgenomsekvensering.",
            ),
        )
        cls.follow_up = actions.do_add_follow_up(
            cls.project, cls.alice, FollowUp.Kind.INTERIM, datetime.date(2025, 6, 1)
        )
        cls.funding = actions.do_save_funding_application(
            cls.project,
            cls.alice,
            actions.FundingData(
                funder="vinnova", call="Precisionsmedicin 2025", amount_applied=Decimal("1500000")
            ),
        )

    # Requests ---------------------------------------------------------------------------

    def send(self, method: str, url: str, body: Any = None) -> Any:
        if method in {"get", "delete"}:
            return getattr(self.client, method)(url)
        if isinstance(body, dict) and any(isinstance(v, SimpleUploadedFile) for v in body.values()):
            return self.client.post(url, body)  # multipart
        return getattr(self.client, method)(
            url, json.dumps(body if body is not None else {}), content_type="application/json"
        )

    def get(self, url: str) -> Any:
        return self.client.get(url)

    def post(self, url: str, body: Any = None) -> Any:
        return self.send("post", url, body)

    def put(self, url: str, body: Any = None) -> Any:
        return self.send("put", url, body)

    def as_(self, who: str) -> None:
        if who == "anon":
            self.client.logout()
        else:
            self.login(getattr(self, who))

    @property
    def base(self) -> str:
        return f"{API}/{self.project.pk}"

    @property
    def agreement_url(self) -> str:
        return f"{self.base}/agreements/{self.agreement.pk}"

    @property
    def draft_url(self) -> str:
        return f"{self.base}/communications/{self.draft.pk}"

    @property
    def follow_up_url(self) -> str:
        return f"{self.base}/follow-ups/{self.follow_up.pk}"

    def collaboration_body(self, **overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "title": "Snabb helgenomsekvensering",
            "kind": "research",
            "summary": "Helgenom för nyfödda",
            "internal_notes": "Budgeten är förhandlingsbar",
            "start_date": "2025-01-01",
            "end_date": "2026-12-31",
            "committees": ["rare_diseases"],
            "centres": [],
            "goals": [1],
        }
        body.update(overrides)
        return body


class AccessTestCase(CollaborationApiTestCase):
    """Every endpoint against every persona; each request is rolled back after it."""

    def status_for(self, who: str, method: str, url: str, body: Any) -> int:
        with transaction.atomic():
            self.as_(who)
            response = self.send(method, url, body() if callable(body) else body)
            transaction.set_rollback(True)
        return int(response.status_code)

    def check(self, method: str, url: str, expected: dict[str, int], body: Any = None) -> None:
        actual = {who: self.status_for(who, method, url, body) for who in PEOPLE}
        self.assertEqual(actual, expected, f"{method.upper()} {url}")

    def test_it_lets_everyone_logged_in_list_collaborations(self):
        self.check("get", API, {**dict.fromkeys(PEOPLE, 200), "anon": 401})

    def test_it_answers_reads_by_role(self):
        for url in [
            self.base,
            f"{self.base}/parties",
            f"{self.base}/funding",
            f"{self.base}/agreements",
            f"{self.base}/communications",
            f"{self.base}/follow-ups",
            self.follow_up_url,
        ]:
            self.check("get", url, VISIBLE)
        self.check("get", self.agreement_url, ACME_ONLY)
        self.check("get", self.draft_url, ACME_ONLY)
        self.check("get", f"{self.agreement_url}/documents", CONFIDENTIAL)
        self.check(
            "get", f"{self.agreement_url}/documents/{self.document.pk}/download", CONFIDENTIAL
        )

    def test_it_lets_only_coordinators_write(self):
        created = {**STAFF, "alice": 201, "erin": 201}
        self.check(
            "post",
            API,
            {**dict.fromkeys(PEOPLE, 403), "anon": 401, "alice": 201, "erin": 201},
            self.collaboration_body(title="Ny"),
        )
        self.check("put", self.base, STAFF, self.collaboration_body(version=1))
        self.check("post", f"{self.base}/status", STAFF, {"status": "active", "version": 1})
        self.check(
            "post",
            f"{self.base}/parties",
            created,
            {"organisation": self.lund.pk, "role": "infrastructure_party"},
        )
        self.check(
            "delete",
            f"{self.base}/parties/{self.beta_party.pk}",
            {**STAFF, "alice": 204, "erin": 204},
        )
        funding = {"funder": "vr", "call": "Projektbidrag", "amount_applied": "200000.00"}
        self.check("post", f"{self.base}/funding", created, funding)
        self.check(
            "put", f"{self.base}/funding/{self.funding.pk}", STAFF, {**funding, "version": 1}
        )
        agreement = {"kind": "confidentiality", "title": "NDA", "parties": [self.skane.pk]}
        self.check("post", f"{self.base}/agreements", created, agreement)
        self.check(
            "put",
            self.agreement_url,
            STAFF_ACME_ONLY,
            {**agreement, "parties": [self.skane.pk, self.acme.pk], "version": 2},
        )
        self.check(
            "post",
            f"{self.agreement_url}/status",
            STAFF_ACME_ONLY,
            {"status": "terminated", "version": 2},
        )
        self.check(
            "put",
            f"{self.agreement_url}/principles",
            STAFF_ACME_ONLY,
            {"publication": {"answer": "yes", "comment": ""}},
        )
        self.check(
            "post",
            f"{self.agreement_url}/documents",
            {**STAFF_ACME_ONLY, "alice": 201, "erin": 201},
            lambda: {"file": pdf()},
        )
        draft = {"kind": "talk", "title": "GMS på Almedalen", "text": "GMS berättar."}
        self.check("post", f"{self.base}/communications", created, draft)
        self.check("put", self.draft_url, STAFF_ACME_ONLY, {**draft, "version": 1})
        self.check(
            "post",
            f"{self.base}/follow-ups",
            created,
            {"kind": "interim", "due_date": "2025-09-01"},
        )
        self.check(
            "post", f"{self.follow_up_url}/record", STAFF, {"held_on": "2025-06-02", "version": 1}
        )

    def test_it_lets_each_party_decide_for_itself(self):
        url = f"{self.draft_url}/decisions"
        for_acme = {"organisation": self.acme.pk, "decision": "approved", "text_version": 1}
        self.check(
            "post", url, {**STAFF_ACME_ONLY, "alice": 403, "erin": 403, "carol": 200}, for_acme
        )
        for_skane = {**for_acme, "organisation": self.skane.pk}
        self.check("post", url, STAFF_ACME_ONLY, for_skane)

    def test_it_lets_company_users_answer_for_their_own_organisation(self):
        body = {"value_created": "Snabbare diagnoser"}
        acme = f"{self.follow_up_url}/answers/{self.acme.pk}"
        self.check("put", acme, {**STAFF, "carol": 200}, body)
        beta = f"{self.follow_up_url}/answers/{self.beta.pk}"
        self.check("put", beta, {**STAFF, "bea": 200}, body)


class CollaborationEndpointsTestCase(CollaborationApiTestCase):
    def test_it_creates_a_collaboration(self):
        self.login(self.alice)
        response = self.post(
            API,
            self.collaboration_body(
                title="Långläst sekvensering",
                kind="development",
                committees=["rare_diseases", "informatics"],
                centres=["syd"],
                goals=[1, 3],
                responsible="erin",
            ),
        )
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        created = Collaboration.objects.get(pk=body["id"])
        self.assertEqual(created.title, "Långläst sekvensering")
        self.assertEqual(sorted(body["committees"]), ["informatics", "rare_diseases"])
        self.assertEqual(body["centres"], ["syd"])
        self.assertEqual(body["goals"], [1, 3])
        self.assertEqual(body["responsible"], "erin")
        self.assertEqual((body["status"], body["version"]), ("planned", 1))
        self.assertEqual(body["allowed_transitions"], ["active", "ended_early"])

    def test_it_shows_the_detail_with_its_parties(self):
        self.login(self.dave)
        body = self.get(self.base).json()
        self.assertEqual(body["title"], "Snabb helgenomsekvensering")
        self.assertEqual(body["committees"], ["rare_diseases"])
        self.assertEqual(body["goals"], [1])
        self.assertEqual(
            sorted(p["organisation_name"] for p in body["parties"]),
            ["Acme Genomik AB", "Beta Diagnostik AB", "Region Skåne"],
        )
        self.assertEqual(body["internal_notes"], "Budgeten är förhandlingsbar")

    def test_it_keeps_internal_notes_from_company_users(self):
        self.login(self.carol)
        body = self.get(self.base).json()
        self.assertEqual(body["title"], "Snabb helgenomsekvensering")
        self.assertIsNone(body["internal_notes"])
        self.assertNotIn("förhandlingsbar", self.get(self.base).content.decode())

    def test_it_updates_with_the_version(self):
        self.login(self.alice)
        response = self.put(self.base, self.collaboration_body(title="Nytt namn", version=1))
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual((response.json()["title"], response.json()["version"]), ("Nytt namn", 2))

    def test_a_stale_version_is_409(self):
        self.login(self.alice)
        self.put(self.base, self.collaboration_body(title="Först", version=1))
        response = self.put(self.base, self.collaboration_body(title="Sen", version=1))
        self.assertEqual(response.status_code, 409)
        self.assertIn("detail", response.json())
        self.project.refresh_from_db()
        self.assertEqual(self.project.title, "Först")

    def test_an_end_date_before_the_start_date_is_422(self):
        self.login(self.alice)
        response = self.put(
            self.base,
            self.collaboration_body(start_date="2026-01-01", end_date="2025-01-01", version=1),
        )
        self.assertEqual(response.status_code, 422)
        self.assertIn("end_date", response.json()["errors"])
        self.project.refresh_from_db()
        self.assertEqual(self.project.version, 1)

    def test_an_unknown_committee_is_422(self):
        self.login(self.alice)
        response = self.post(API, self.collaboration_body(committees=["astrology"]))
        self.assertEqual(response.status_code, 422)
        self.assertIn("astrology", response.json()["errors"]["committees"][0])
        self.assertEqual(Collaboration.objects.count(), 2)

    def test_an_unknown_kind_and_a_blank_title_are_422(self):
        self.login(self.alice)
        response = self.post(API, self.collaboration_body(kind="lottery", title=""))
        self.assertEqual(response.status_code, 422)
        self.assertEqual(set(response.json()["errors"]), {"kind", "title"})

    def test_an_unknown_status_is_422(self):
        self.login(self.alice)
        response = self.post(f"{self.base}/status", {"status": "paused", "version": 1})
        self.assertEqual(response.status_code, 422)
        self.assertIn("status", response.json()["errors"])

    def test_completion_is_refused_without_the_final_follow_up(self):
        self.login(self.alice)
        response = self.post(f"{self.base}/status", {"status": "active", "version": 1})
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["status"], "active")
        response = self.post(f"{self.base}/status", {"status": "completed", "version": 2})
        self.assertEqual(response.status_code, 400)
        self.assertIn("final follow-up", response.json()["detail"])

        final = self.project.follow_ups.get(kind=FollowUp.Kind.FINAL)
        response = self.post(
            f"{self.base}/follow-ups/{final.pk}/record",
            {"held_on": str(timezone.localdate()), "lessons": "Börja tidigt", "version": 1},
        )
        self.assertEqual(response.status_code, 200, response.content)
        response = self.post(f"{self.base}/status", {"status": "completed", "version": 2})
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["status"], "completed")


class ListTestCase(CollaborationApiTestCase):
    def titles(self, query: str) -> list[str]:
        response = self.get(f"{API}?{query}")
        self.assertEqual(response.status_code, 200, response.content)
        return [item["title"] for item in response.json()["items"]]

    def test_it_shows_each_user_what_they_may_see(self):
        self.login(self.dave)
        self.assertEqual(
            sorted(self.titles("")), ["Snabb helgenomsekvensering", "Utbildning i tolkning"]
        )
        self.login(self.carol)
        self.assertEqual(self.titles(""), ["Snabb helgenomsekvensering"])
        self.login(self.mallory)
        self.assertEqual(self.titles(""), ["Utbildning i tolkning"])
        self.login(self.oscar)
        self.assertEqual(self.titles(""), ["Utbildning i tolkning"])

    def test_it_filters_like_the_list_page(self):
        self.login(self.alice)
        self.assertEqual(self.titles("q=helgenom"), ["Snabb helgenomsekvensering"])
        self.assertEqual(self.titles("kind=education"), ["Utbildning i tolkning"])
        self.assertEqual(self.titles("committee=rare_diseases"), ["Snabb helgenomsekvensering"])
        self.assertEqual(self.titles("year=2025"), ["Snabb helgenomsekvensering"])
        self.assertEqual(self.titles("status=active"), [])
        self.assertEqual(len(self.titles("status=planned")), 2)

    def test_a_bad_filter_is_422(self):
        self.login(self.alice)
        response = self.get(f"{API}?committee=astrology")
        self.assertEqual(response.status_code, 422)
        self.assertIn("committee", response.json()["errors"])

    def test_it_lists_the_parties_and_committees(self):
        self.login(self.alice)
        items = {i["title"]: i for i in self.get(API).json()["items"]}
        project = items["Snabb helgenomsekvensering"]
        self.assertEqual(project["committees"], ["rare_diseases"])
        self.assertEqual(len(project["parties"]), 3)


class QueryCountTestCase(CollaborationApiTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        for i in range(32):
            collaboration = actions.do_create_collaboration(
                cls.alice,
                actions.CollaborationData(
                    title=f"Samverkan {i}",
                    kind="research",
                    committees=[cls.rare, cls.informatics],
                    start_date=datetime.date(2025, 1, 1),
                ),
            )
            for organisation in [cls.acme, cls.skane]:
                CollaborationParty.objects.create(
                    collaboration=collaboration, organisation=organisation, role="company"
                )

    def count(self, url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200, response.content)
        return len(queries)

    def test_the_list_keeps_a_constant_number_of_queries(self):
        self.login(self.alice)
        # session, user, count, page, committees, parties with their organisations
        with self.assertNumQueries(6):
            response = self.client.get(f"{API}?page_size=50")
        self.assertEqual(len(response.json()["items"]), 34)
        self.assertEqual(self.count(f"{API}?page_size=5"), 6)

    def test_the_list_for_a_company_user(self):
        self.login(self.carol)
        self.assertEqual(self.count(f"{API}?page_size=50"), self.count(f"{API}?page_size=2"))

    def test_the_list_for_a_committee_member(self):
        self.login(self.bob)
        self.assertEqual(self.count(f"{API}?page_size=50"), self.count(f"{API}?page_size=2"))


class PartyAndFundingTestCase(CollaborationApiTestCase):
    def test_it_adds_updates_and_removes_a_party(self):
        self.login(self.alice)
        url = f"{self.base}/parties"
        body = {
            "organisation": self.lund.pk,
            "role": "infrastructure_party",
            "resources": "Biobank",
        }
        response = self.post(url, body)
        self.assertEqual(response.status_code, 201, response.content)
        party = response.json()
        self.assertEqual(
            (party["organisation_name"], party["resources"]), ("Lunds universitet", "Biobank")
        )

        response = self.post(url, {**body, "resources": "Biobank och data", "approver": "alice"})
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["approver"], "alice")
        self.assertEqual(len(self.get(url).json()), 4)

        response = self.client.delete(f"{url}/{party['id']}")
        self.assertEqual(response.status_code, 204)
        self.assertFalse(self.project.parties.filter(organisation=self.lund).exists())

    def test_it_refuses_to_remove_a_party_to_an_agreement(self):
        self.login(self.alice)
        acme = self.project.parties.get(organisation=self.acme)
        response = self.client.delete(f"{self.base}/parties/{acme.pk}")
        self.assertEqual(response.status_code, 400)
        self.assertIn("agreement", response.json()["detail"])

    def test_a_party_of_another_collaboration_is_404(self):
        self.login(self.alice)
        theirs = self.elsewhere.parties.get()
        response = self.client.delete(f"{self.base}/parties/{theirs.pk}")
        self.assertEqual(response.status_code, 404)
        self.assertTrue(CollaborationParty.objects.filter(pk=theirs.pk).exists())

    def test_an_unknown_organisation_and_a_company_approver_of_another_company_are_422(self):
        self.login(self.alice)
        url = f"{self.base}/parties"
        response = self.post(url, {"organisation": 999999, "role": "company"})
        self.assertEqual(response.status_code, 422)
        self.assertIn("organisation", response.json()["errors"])
        response = self.post(
            url, {"organisation": self.acme.pk, "role": "company", "approver": "bea"}
        )
        self.assertEqual(response.status_code, 422)
        self.assertIn("approver", response.json()["errors"])

    def test_it_records_funding_with_decimal_amounts(self):
        self.login(self.alice)
        url = f"{self.base}/funding"
        response = self.post(
            url,
            {
                "funder": "horizon_europe",
                "call": "HORIZON-HLTH-2025",
                "amount_applied": "2500000.50",
                "currency": "eur",
                "applicants": [self.skane.pk, self.acme.pk],
            },
        )
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual((body["amount_applied"], body["currency"]), ("2500000.50", "EUR"))
        self.assertEqual(
            sorted(a["name"] for a in body["applicants"]), ["Acme Genomik AB", "Region Skåne"]
        )
        listed = {f["call"]: f for f in self.get(url).json()}
        self.assertEqual(listed["Precisionsmedicin 2025"]["amount_applied"], "1500000.00")

    def test_it_updates_funding_with_the_version(self):
        self.login(self.alice)
        url = f"{self.base}/funding/{self.funding.pk}"
        body = {
            "funder": "vinnova",
            "call": "Precisionsmedicin 2025",
            "amount_applied": "1500000",
            "status": "granted",
            "version": 1,
        }
        response = self.put(url, body)
        self.assertEqual(response.status_code, 422)
        self.assertIn("amount_granted", response.json()["errors"])
        response = self.put(url, {**body, "amount_granted": "1200000.00"})
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(
            (response.json()["amount_granted"], response.json()["version"]), ("1200000.00", 2)
        )
        self.assertEqual(self.put(url, {**body, "amount_granted": "1"}).status_code, 409)

    def test_a_negative_amount_is_422(self):
        self.login(self.alice)
        response = self.post(
            f"{self.base}/funding", {"funder": "vr", "call": "X", "amount_applied": "-5"}
        )
        self.assertEqual(response.status_code, 422)
        self.assertIn("amount_applied", response.json()["errors"])


class AgreementTestCase(CollaborationApiTestCase):
    def test_it_shows_the_terms_only_to_those_who_may_read_them(self):
        for user, terms in [
            (self.alice, "Royalty tre procent"),
            (self.dave, "Royalty tre procent"),
            (self.carol, "Royalty tre procent"),
            (self.bob, None),
        ]:
            self.login(user)
            body = self.get(self.agreement_url).json()
            self.assertEqual(body["status"], "signed")
            self.assertEqual(body["terms"], terms, user.username)

    def test_company_users_list_only_their_own_agreements(self):
        self.login(self.bea)
        self.assertEqual(self.get(f"{self.base}/agreements").json(), [])
        self.login(self.carol)
        self.assertEqual(
            [a["title"] for a in self.get(f"{self.base}/agreements").json()], ["Samverkansavtal"]
        )

    def test_it_drafts_edits_and_signs_an_agreement(self):
        self.login(self.alice)
        response = self.post(
            f"{self.base}/agreements",
            {
                "kind": "data_processing",
                "title": "Personuppgiftsbiträdesavtal",
                "parties": [self.skane.pk, self.beta.pk],
                "valid_from": "2025-01-01",
                "valid_to": "2027-01-01",
            },
        )
        self.assertEqual(response.status_code, 201, response.content)
        created = response.json()
        self.assertEqual((created["status"], created["responsible"]), ("draft", "alice"))
        url = f"{self.base}/agreements/{created['id']}"

        response = self.put(
            url,
            {
                "kind": "data_processing",
                "title": "PUB-avtal",
                "parties": [self.skane.pk, self.beta.pk],
                "terms": "Endast pseudonymiserade data",
                "version": 1,
            },
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["title"], "PUB-avtal")

        response = self.post(
            f"{url}/status", {"status": "signed", "signed_on": "2025-03-01", "version": 2}
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("Upload the signed document", response.json()["detail"])

        self.assertEqual(self.post(f"{url}/documents", {"file": pdf()}).status_code, 201)
        response = self.post(
            f"{url}/status", {"status": "signed", "signed_on": "2025-03-01", "version": 2}
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("Answer the principle", response.json()["detail"])
        answers = {p.slug: {"answer": "yes"} for p in AgreementPrinciple.objects.all()}
        self.assertEqual(self.put(f"{url}/principles", answers).status_code, 200)
        response = self.post(
            f"{url}/status", {"status": "signed", "signed_on": "2025-03-01", "version": 2}
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(
            (response.json()["status"], response.json()["signed_on"]), ("signed", "2025-03-01")
        )

        self.login(self.bea)
        self.assertEqual(self.get(url).json()["terms"], "Endast pseudonymiserade data")

    def test_parties_outside_the_collaboration_are_422(self):
        self.login(self.alice)
        response = self.post(
            f"{self.base}/agreements",
            {"kind": "collaboration", "title": "Avtal", "parties": [self.other.pk]},
        )
        self.assertEqual(response.status_code, 422)
        self.assertIn("parties", response.json()["errors"])

    def test_it_answers_the_principles(self):
        self.login(self.alice)
        response = self.put(
            f"{self.agreement_url}/principles",
            {
                "publication": {"answer": "yes", "comment": "Fri publicering efter 60 dagar"},
                "non_exclusivity": {"answer": "na"},
            },
        )
        self.assertEqual(response.status_code, 200, response.content)
        principles = {p["principle"]: p for p in response.json()["principles"]}
        self.assertEqual(principles["publication"]["answer"], "yes")
        self.assertEqual(principles["publication"]["comment"], "Fri publicering efter 60 dagar")
        self.assertEqual(principles["non_exclusivity"]["answer"], "na")
        self.assertEqual(principles["results_ip"]["answer"], "yes")  # answered to sign it

    def test_a_bad_principle_answer_is_422_naming_the_field(self):
        self.login(self.alice)
        response = self.put(
            f"{self.agreement_url}/principles", {"publication": {"answer": "maybe"}}
        )
        self.assertEqual(response.status_code, 422)
        response = self.put(f"{self.agreement_url}/principles", {"horoscope": {"answer": "yes"}})
        self.assertEqual(response.status_code, 422)
        self.assertIn("horoscope", response.json()["errors"]["principles"][0])

    def test_an_agreement_of_another_collaboration_is_404(self):
        self.login(self.alice)
        response = self.get(f"{API}/{self.elsewhere.pk}/agreements/{self.agreement.pk}")
        self.assertEqual(response.status_code, 404)


class DocumentTestCase(CollaborationApiTestCase):
    def test_an_uploaded_document_downloads_as_the_same_bytes(self):
        self.login(self.alice)
        content = PDF + b"% version 2\n"
        response = self.post(
            f"{self.agreement_url}/documents", {"file": pdf("Avtal v2.pdf", content)}
        )
        self.assertEqual(response.status_code, 201, response.content)
        document = response.json()
        self.assertEqual((document["number"], document["name"]), (2, "Avtal v2.pdf"))
        self.assertEqual(document["size"], len(content))
        self.assertEqual(len(document["sha256"]), 64)

        self.login(self.carol)
        listed = self.get(f"{self.agreement_url}/documents").json()
        self.assertEqual([d["number"] for d in listed], [2, 1])
        response = self.get(listed[0]["download_url"])
        self.assertEqual(response.status_code, 200)
        self.assertEqual(b"".join(response.streaming_content), content)
        self.assertIn("attachment", response["Content-Disposition"])
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertIn("no-store", response["Cache-Control"])

    def test_a_file_of_the_wrong_type_is_422(self):
        self.login(self.alice)
        response = self.post(
            f"{self.agreement_url}/documents",
            {
                "file": SimpleUploadedFile(
                    "avtal.exe", b"MZ\x90\x00", content_type="application/pdf"
                )
            },
        )
        self.assertEqual(response.status_code, 422)
        self.assertIn("file", response.json()["errors"])
        response = self.post(f"{self.agreement_url}/documents", {"file": pdf(content=b"not a pdf")})
        self.assertEqual(response.status_code, 422)
        self.assertEqual(AgreementDocument.objects.count(), 1)

    def test_a_document_of_another_agreement_is_404(self):
        nda = agreement_actions.do_save_agreement(
            self.project,
            self.alice,
            agreement_actions.AgreementData(
                kind="confidentiality", title="NDA", parties=[self.skane]
            ),
        )
        self.login(self.alice)
        url = f"{self.base}/agreements/{nda.pk}/documents/{self.document.pk}/download"
        self.assertEqual(self.get(url).status_code, 404)


class CommunicationTestCase(CollaborationApiTestCase):
    def decide(self, organisation: Organisation, decision: str = "approved", **extra: Any) -> Any:
        return self.post(
            f"{self.draft_url}/decisions",
            {"organisation": organisation.pk, "decision": decision, **extra},
        )

    def test_it_is_approved_when_every_party_approved(self):
        self.login(self.carol)
        body = self.get(self.draft_url).json()
        self.assertTrue(body["names_infrastructure"])
        self.assertEqual(body["text_version"], 1)
        approvers = {a["organisation_name"]: a for a in body["required_approvers"]}
        self.assertEqual(set(approvers), {"Acme Genomik AB", "Region Skåne"})
        self.assertTrue(approvers["Acme Genomik AB"]["may_decide"])
        self.assertFalse(approvers["Region Skåne"]["may_decide"])

        response = self.decide(self.acme, text_version=1)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertFalse(response.json()["approved"])

        self.login(self.alice)
        response = self.decide(self.skane, text_version=1)
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertTrue(body["approved"])
        self.assertIsNotNone(body["approved_at"])
        decisions = {a["organisation_name"]: a["decision"] for a in body["required_approvers"]}
        self.assertEqual(decisions, {"Acme Genomik AB": "approved", "Region Skåne": "approved"})

        # A changed text is a new version that everyone approves again.
        response = self.put(
            self.draft_url,
            {
                "kind": "news",
                "title": "GMS och Acme samverkar",
                "text": "Ny text om GMS.",
                "version": 1,
            },
        )
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual((body["text_version"], body["approved"]), (2, False))
        self.assertEqual({a["decision"] for a in body["required_approvers"]}, {None})

    def test_a_decision_on_an_old_text_is_refused(self):
        self.login(self.alice)
        self.put(
            self.draft_url,
            {"kind": "news", "title": "GMS", "text": "Andra versionen", "version": 1},
        )
        response = self.decide(self.skane, text_version=1)
        self.assertEqual(response.status_code, 400)
        self.assertIn("changed", response.json()["detail"])

    def test_asking_for_changes_needs_a_comment(self):
        self.login(self.carol)
        response = self.decide(self.acme, "changes_requested")
        self.assertEqual(response.status_code, 422)
        self.assertIn("comment", response.json()["errors"])
        response = self.decide(self.acme, "changes_requested", comment="Nämn Beta")
        self.assertEqual(response.status_code, 200, response.content)
        decisions = {a["organisation_name"]: a for a in response.json()["required_approvers"]}
        self.assertEqual(decisions["Acme Genomik AB"]["decision"], "changes_requested")
        self.assertEqual(decisions["Acme Genomik AB"]["comment"], "Nämn Beta")

    def test_an_unknown_decision_is_422(self):
        self.login(self.carol)
        response = self.decide(self.acme, "maybe")
        self.assertEqual(response.status_code, 422)
        self.assertIn("decision", response.json()["errors"])

    def test_it_warns_when_the_text_does_not_name_the_infrastructure(self):
        self.login(self.alice)
        response = self.post(
            f"{self.base}/communications",
            {"kind": "press_release", "title": "Acme växer", "text": "Acme anställer fler."},
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertFalse(response.json()["names_infrastructure"])
        self.assertEqual(CommunicationActivity.objects.count(), 2)

    def test_company_users_see_drafts_only_when_they_approve_them(self):
        self.login(self.bea)
        self.assertEqual(self.get(f"{self.base}/communications").json(), [])
        self.login(self.carol)
        listed = self.get(f"{self.base}/communications").json()
        self.assertEqual([c["title"] for c in listed], ["GMS och Acme samverkar"])


class FollowUpTestCase(CollaborationApiTestCase):
    def test_it_plans_and_records_a_follow_up(self):
        self.login(self.alice)
        response = self.post(f"{self.base}/follow-ups", {"kind": "final", "due_date": "2027-01-30"})
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["kind"], "final")
        response = self.post(
            f"{self.follow_up_url}/record",
            {
                "held_on": "2025-06-03",
                "participants": "Alice, Ada",
                "lessons": "Dela data tidigt",
                "would_collaborate_again": 5,
                "notes": "Intern anteckning",
                "version": 1,
            },
        )
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual(
            (body["held_on"], body["is_done"], body["version"]), ("2025-06-03", True, 2)
        )
        self.assertEqual(body["recorded_by"], "alice")
        self.assertEqual(
            [f["kind"] for f in self.get(f"{self.base}/follow-ups").json()], ["interim", "final"]
        )

    def test_a_follow_up_in_the_future_or_out_of_range_is_422(self):
        self.login(self.alice)
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        response = self.post(
            f"{self.follow_up_url}/record", {"held_on": str(tomorrow), "version": 1}
        )
        self.assertEqual(response.status_code, 422)
        self.assertIn("held_on", response.json()["errors"])
        response = self.post(
            f"{self.follow_up_url}/record",
            {"held_on": "2025-06-01", "would_collaborate_again": 9, "version": 1},
        )
        self.assertEqual(response.status_code, 422)
        self.assertIn("would_collaborate_again", response.json()["errors"])
        response = self.post(
            f"{self.base}/follow-ups", {"kind": "yearly", "due_date": "2025-01-01"}
        )
        self.assertEqual(response.status_code, 422)
        self.assertIn("kind", response.json()["errors"])

    def test_each_company_sees_its_own_answer_and_not_the_conversation(self):
        actions.do_record_follow_up(
            self.follow_up,
            self.alice,
            actions.FollowUpRecord(held_on=datetime.date(2025, 6, 2), notes="Intern anteckning"),
        )
        self.login(self.carol)
        response = self.put(
            f"{self.follow_up_url}/answers/{self.acme.pk}",
            {"value_created": "Snabbare diagnoser", "would_collaborate_again": 4},
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["organisation_name"], "Acme Genomik AB")
        self.login(self.bea)
        self.put(f"{self.follow_up_url}/answers/{self.beta.pk}", {"value_created": "Nya kunder"})

        body = self.get(self.follow_up_url).json()
        self.assertEqual([a["value_created"] for a in body["answers"]], ["Nya kunder"])
        self.assertIsNone(body["notes"])
        self.assertNotIn("Intern anteckning", self.get(self.follow_up_url).content.decode())

        self.login(self.dave)
        body = self.get(self.follow_up_url).json()
        self.assertEqual(len(body["answers"]), 2)
        self.assertEqual(body["notes"], "Intern anteckning")

    def test_a_company_user_cannot_answer_for_another_party(self):
        self.login(self.carol)
        response = self.put(
            f"{self.follow_up_url}/answers/{self.skane.pk}", {"value_created": "Inget"}
        )
        self.assertEqual(response.status_code, 403)
        self.assertFalse(FollowUpAnswer.objects.exists())

    def test_an_organisation_that_is_no_party_is_400(self):
        self.login(self.alice)
        response = self.put(
            f"{self.follow_up_url}/answers/{self.other.pk}", {"value_created": "Inget"}
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("not a party", response.json()["detail"])


class OpenApiTestCase(BaseTestCase):
    def test_it_documents_every_collaboration_endpoint(self):
        paths = self.client.get("/api/v1/openapi.json").json()["paths"]
        c = "/api/v1/collaborations/{collaboration_id}"
        a = f"{c}/agreements/{{agreement_id}}"
        expected = {
            "/api/v1/collaborations": {"get", "post"},
            c: {"get", "put"},
            f"{c}/status": {"post"},
            f"{c}/parties": {"get", "post"},
            f"{c}/parties/{{party_id}}": {"delete"},
            f"{c}/funding": {"get", "post"},
            f"{c}/funding/{{funding_id}}": {"put"},
            f"{c}/agreements": {"get", "post"},
            a: {"get", "put"},
            f"{a}/status": {"post"},
            f"{a}/principles": {"put"},
            f"{a}/documents": {"get", "post"},
            f"{a}/documents/{{document_id}}/download": {"get"},
            f"{c}/communications": {"get", "post"},
            f"{c}/communications/{{activity_id}}": {"get", "put"},
            f"{c}/communications/{{activity_id}}/decisions": {"post"},
            f"{c}/follow-ups": {"get", "post"},
            f"{c}/follow-ups/{{follow_up_id}}": {"get"},
            f"{c}/follow-ups/{{follow_up_id}}/record": {"post"},
            f"{c}/follow-ups/{{follow_up_id}}/answers/{{organisation_id}}": {"put"},
        }
        for path, methods in expected.items():
            self.assertIn(path, paths)
            self.assertEqual(set(paths[path]), methods, path)
