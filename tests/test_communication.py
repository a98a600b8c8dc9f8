"""Communication drafts: every party to the signed agreement approves the current text."""

import datetime
import shutil
import tempfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from samverkan.agreements import actions as agreement_actions
from samverkan.agreements.models import Agreement
from samverkan.collaborations import actions
from samverkan.collaborations.models import (
    Approval,
    Collaboration,
    CollaborationParty,
    CommunicationActivity,
)
from samverkan.orgs.models import Organisation
from samverkan.test import BaseTestCase

ROLES = ["anon", "alice", "bob", "carol", "dave", "erin", "mallory", "oscar"]
LOGIN = 302
VISIBLE = {
    "anon": LOGIN,
    "alice": 200,
    "bob": 200,
    "carol": 200,
    "dave": 200,
    "erin": 200,
    "mallory": 404,
    "oscar": 404,
}
STAFF_PAGE = {**dict.fromkeys(ROLES, 403), "anon": LOGIN, "alice": 200, "erin": 200}
DECIDE = {
    "anon": LOGIN,
    "alice": 302,  # for Region Skåne, which names no approver
    "bob": 403,  # a committee member who approves for no one
    "carol": 302,  # for Acme
    "dave": 403,
    "erin": 302,
    "mallory": 404,
    "oscar": 404,
}
PDF = b"%PDF-1.4\n%%EOF\n"
TEXT = "Genomic Medicine Sweden och Acme testar snabb helgenomsekvensering för nyfödda."


class CommunicationTestCase(BaseTestCase):
    """Region Skåne and Acme in a collaboration with a signed agreement between them,
    and a draft press release."""

    media_root: str
    skane: Organisation
    collaboration: Collaboration
    agreement: Agreement
    activity: CommunicationActivity

    @classmethod
    def setUpClass(cls) -> None:
        cls.media_root = tempfile.mkdtemp(prefix="samverkan-test-media-")
        media = override_settings(MEDIA_ROOT=cls.media_root)
        media.enable()
        cls.addClassCleanup(shutil.rmtree, cls.media_root, ignore_errors=True)
        cls.addClassCleanup(media.disable)
        super().setUpClass()

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.skane = Organisation.objects.get(name="Region Skåne")
        cls.collaboration = actions.do_create_collaboration(
            cls.alice,
            actions.CollaborationData(
                title="Snabb helgenomsekvensering", kind="research", committees=[cls.rare]
            ),
        )
        cls.party(cls.skane, CollaborationParty.Role.INFRASTRUCTURE)
        cls.party(cls.acme, CollaborationParty.Role.COMPANY)
        cls.agreement = cls.signed_agreement(cls.skane, cls.acme)
        cls.activity = actions.do_save_communication(
            cls.collaboration,
            cls.alice,
            actions.CommunicationData(kind="press_release", title="Nyfödda får svar", text=TEXT),
        )

    @classmethod
    def party(cls, org: Organisation, role: str, approver=None) -> CollaborationParty:
        return actions.do_save_party(
            cls.collaboration, cls.alice, actions.PartyData(org, role, approver=approver)
        )

    @classmethod
    def signed_agreement(cls, *parties: Organisation) -> Agreement:
        agreement = agreement_actions.do_save_agreement(
            cls.collaboration,
            cls.alice,
            agreement_actions.AgreementData(
                kind="collaboration", title="Samverkansavtal", parties=list(parties)
            ),
        )
        agreement_actions.do_upload_agreement_document(
            agreement, cls.alice, SimpleUploadedFile("avtal.pdf", PDF)
        )
        cls.meet_principles(agreement)
        return agreement_actions.do_change_agreement_status(
            agreement, cls.alice, Agreement.Status.SIGNED, signed_on=datetime.date(2025, 3, 1)
        )

    def url(self, suffix: str = "", activity: CommunicationActivity | None = None) -> str:
        activity = activity or self.activity
        return f"/collaborations/{activity.collaboration_id}/communication/{activity.pk}/{suffix}"

    def decide(self, user, org: Organisation, decision: str = "approved", **extra):
        self.login(user)
        self.activity.refresh_from_db()
        data = {
            "text_version": self.activity.text_version,
            "organisation": org.pk,
            "decision": decision,
            "comment": "",
        }
        data.update(extra)
        return self.client.post(self.url("decide/"), data, HTTP_ACCEPT_LANGUAGE="en", follow=True)

    def edit_text(self, text: str, **extra):
        self.login(self.alice)
        self.activity.refresh_from_db()
        data = {
            "version": self.activity.version,
            "kind": self.activity.kind,
            "title": self.activity.title,
            "text": text,
            "planned_date": "",
            "channel": "",
        }
        data.update(extra)
        return self.client.post(self.url("edit/"), data, HTTP_ACCEPT_LANGUAGE="en", follow=True)

    def approvals(self) -> set[tuple[str, int, str]]:
        return {
            (a.organisation.name, a.text_version, a.decision)
            for a in Approval.objects.filter(activity=self.activity).select_related("organisation")
        }


class AccessTestCase(CommunicationTestCase):
    def client_for(self, role: str) -> Client:
        client = Client()
        if role != "anon":
            client.force_login(
                getattr(self, role), backend="django.contrib.auth.backends.ModelBackend"
            )
        return client

    def test_it_answers_every_persona_on_every_communication_url(self):
        matrix = [
            ("get", f"/collaborations/{self.collaboration.pk}/communication/new/", STAFF_PAGE),
            ("get", self.url(), VISIBLE),
            ("get", self.url("edit/"), STAFF_PAGE),
            ("post", self.url("decide/"), DECIDE),
        ]
        for role in ROLES:
            client = self.client_for(role)
            for method, url, expected in matrix:
                with self.subTest(role=role, method=method, url=url):
                    response = getattr(client, method)(url)
                    self.assertEqual(response.status_code, expected[role])
        self.assertEqual(self.approvals(), set())  # empty posts decided nothing

    def test_it_gives_a_company_user_of_another_company_404(self):
        # Annat Bolag joins the collaboration, but not the signed agreement.
        self.party(self.other, CollaborationParty.Role.COMPANY)
        self.login(self.mallory)
        self.assertEqual(self.client.get(self.url()).status_code, 404)
        response = self.client.post(
            self.url("decide/"),
            {"text_version": 1, "organisation": self.acme.pk, "decision": "approved"},
        )
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.approvals(), set())

    def test_before_any_signed_agreement_every_party_decides_and_sees_the_draft(self):
        agreement_actions.do_change_agreement_status(
            self.agreement, self.alice, Agreement.Status.TERMINATED
        )
        self.login(self.carol)
        self.assertEqual(self.client.get(self.url()).status_code, 200)
        self.login(self.alice)
        response = self.client.get(self.url(), HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(response, "every party of the collaboration decides")
        self.assertContains(response, "Approval still missing from:")


class DraftTestCase(CommunicationTestCase):
    def test_it_creates_a_draft(self):
        self.login(self.alice)
        response = self.client.post(
            f"/collaborations/{self.collaboration.pk}/communication/new/",
            {
                "kind": "news",
                "title": "GMS och Acme samarbetar",
                "text": "En nyhet.",
                "planned_date": "2025-05-01",
                "channel": "genomicmedicine.se",
            },
        )
        created = CommunicationActivity.objects.get(title="GMS och Acme samarbetar")
        self.assertRedirects(response, created.get_absolute_url(), fetch_redirect_response=False)
        self.assertEqual(created.planned_date, datetime.date(2025, 5, 1))
        self.assertEqual(created.created_by, self.alice)
        self.assertEqual(created.text_version, 1)

    def test_it_warns_when_the_text_does_not_name_the_infrastructure(self):
        warning = "The text does not name GMS."
        self.login(self.alice)
        self.assertNotContains(self.client.get(self.url(), HTTP_ACCEPT_LANGUAGE="en"), warning)
        self.assertNotContains(
            self.client.get(self.url("edit/"), HTTP_ACCEPT_LANGUAGE="en"), warning
        )
        response = self.edit_text("Acme testar snabb helgenomsekvensering för nyfödda.")
        self.assertContains(response, warning)  # on the detail page after the save
        self.assertContains(self.client.get(self.url("edit/"), HTTP_ACCEPT_LANGUAGE="en"), warning)
        self.login(self.carol)
        self.assertContains(self.client.get(self.url(), HTTP_ACCEPT_LANGUAGE="en"), warning)

    def test_it_warns_on_a_create_form_sent_back_without_the_name(self):
        self.login(self.alice)
        response = self.client.post(
            f"/collaborations/{self.collaboration.pk}/communication/new/",
            {"kind": "news", "title": "Acme växer", "text": ""},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        self.assertEqual(response.status_code, 200)  # the text is required
        self.assertContains(response, "The text does not name GMS.")

    def test_it_refuses_a_stale_edit(self):
        self.assertEqual(self.edit_text(TEXT + " Första.").status_code, 200)
        response = self.edit_text(TEXT + " Andra.", version=1)
        self.assertTrue(response.context["form"].non_field_errors())
        self.activity.refresh_from_db()
        self.assertEqual(self.activity.text, TEXT + " Första.")


class ApprovalTestCase(CommunicationTestCase):
    def test_it_lists_the_required_approvers_waiting(self):
        self.login(self.alice)
        response = self.client.get(self.url(), HTTP_ACCEPT_LANGUAGE="en")
        rows = response.context["rows"]
        self.assertEqual([org for org, _approval in rows], [self.acme, self.skane])
        self.assertEqual([approval for _org, approval in rows], [None, None])
        self.assertContains(response, "Waiting", count=2)
        self.assertContains(response, "Not approved yet")

    def test_it_offers_only_the_organisations_the_user_may_approve_for(self):
        self.login(self.carol)
        form = self.client.get(self.url()).context["decision_form"]
        self.assertEqual(list(form.fields["organisation"].queryset), [self.acme])
        self.login(self.alice)
        form = self.client.get(self.url()).context["decision_form"]
        self.assertEqual(list(form.fields["organisation"].queryset), [self.skane])
        self.login(self.bob)
        self.assertNotIn("decision_form", self.client.get(self.url()).context)

    def test_it_is_approved_only_when_every_party_approved(self):
        self.decide(self.alice, self.skane)
        self.activity.refresh_from_db()
        self.assertFalse(self.activity.is_approved)
        response = self.decide(self.carol, self.acme)
        self.activity.refresh_from_db()
        self.assertTrue(self.activity.is_approved)
        self.assertContains(response, "Approved by every party")
        self.assertEqual(
            self.approvals(),
            {("Region Skåne", 1, "approved"), ("Acme Genomik AB", 1, "approved")},
        )

    def test_it_needs_the_named_approver(self):
        self.party(self.skane, CollaborationParty.Role.INFRASTRUCTURE, approver=self.alice)
        self.login(self.erin)
        self.assertNotIn("decision_form", self.client.get(self.url()).context)
        response = self.client.post(
            self.url("decide/"),
            {"text_version": 1, "organisation": self.skane.pk, "decision": "approved"},
        )
        self.assertEqual(response.status_code, 403)
        self.decide(self.alice, self.skane)
        self.assertEqual(self.approvals(), {("Region Skåne", 1, "approved")})

    def test_it_resets_the_approval_when_the_text_changes(self):
        self.decide(self.alice, self.skane)
        self.decide(self.carol, self.acme)
        response = self.edit_text(TEXT + " Nu med ett citat från GMS.")
        self.assertContains(response, "earlier approvals no longer count")
        self.activity.refresh_from_db()
        self.assertEqual(self.activity.text_version, 2)
        self.assertFalse(self.activity.is_approved)
        self.assertContains(response, "Waiting", count=2)
        self.assertEqual([v for v, _a in response.context["history"]], [1])
        self.assertContains(response, "Decisions on earlier versions")

    def test_it_keeps_the_approval_when_only_the_date_changes(self):
        self.decide(self.alice, self.skane)
        self.decide(self.carol, self.acme)
        response = self.edit_text(TEXT, planned_date="2025-06-01")
        self.assertNotContains(response, "earlier approvals no longer count")
        self.activity.refresh_from_db()
        self.assertTrue(self.activity.is_approved)

    def test_it_refuses_a_decision_on_an_outdated_text(self):
        self.login(self.carol)
        read = self.client.get(self.url()).context["decision_form"].initial["text_version"]
        self.edit_text(TEXT + " Ändrad av GMS.")
        response = self.decide(self.carol, self.acme, text_version=read)
        self.assertContains(response, "The text has changed since you read it.")
        self.assertEqual(self.approvals(), set())

    def test_it_refuses_mallory_approving_for_acme(self):
        # Annat Bolag is a party to a signed agreement too, so Mallory sees the draft.
        self.party(self.other, CollaborationParty.Role.COMPANY)
        self.signed_agreement(self.skane, self.other)
        response = self.decide(self.mallory, self.acme)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Choose an organisation you approve for.")
        self.assertEqual(self.approvals(), set())
        self.decide(self.mallory, self.other)
        self.assertEqual(self.approvals(), {("Annat Bolag AB", 1, "approved")})

    def test_it_needs_a_comment_to_ask_for_changes(self):
        response = self.decide(self.carol, self.acme, "changes_requested")
        self.assertContains(response, "Say what should change.")
        self.assertEqual(self.approvals(), set())
        response = self.decide(self.carol, self.acme, "changes_requested", comment="Nämn GMC Syd.")
        self.assertContains(response, "Nämn GMC Syd.")
        self.assertEqual(self.approvals(), {("Acme Genomik AB", 1, "changes_requested")})


class QueryCountTestCase(CommunicationTestCase):
    def count(self, user) -> int:
        self.login(user)
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(self.url())
        self.assertEqual(response.status_code, 200)
        return len(queries)

    def test_it_does_not_grow_with_approvals(self):
        users = (self.alice, self.carol, self.bob)
        before = {user.username: self.count(user) for user in users}
        for round_ in range(5):
            actions.do_decide_communication(
                self.activity, self.alice, self.skane, "approved", text_version=round_ + 1
            )
            actions.do_decide_communication(
                self.activity,
                self.carol,
                self.acme,
                "changes_requested",
                comment=f"Ändra stycke {round_}.",
                text_version=round_ + 1,
            )
            self.activity.refresh_from_db()
            actions.do_save_communication(
                self.collaboration,
                self.alice,
                actions.CommunicationData(
                    kind="press_release", title="Nyfödda får svar", text=f"{TEXT} {round_}"
                ),
                activity=self.activity,
                expected_version=self.activity.version,
            )
        after = {user.username: self.count(user) for user in users}
        self.assertEqual(after, before)
        self.assertEqual(Approval.objects.filter(activity=self.activity).count(), 10)
