"""No party stuck without an account: personal, single-purpose, expiring links by e-mail."""

import datetime
import re
import time
from unittest import mock

from django.core import signing
from django.utils import timezone, translation

from samverkan.accounts.models import Role, User
from samverkan.collaborations import actions
from samverkan.collaborations.links import request_for_token, token_for
from samverkan.collaborations.models import (
    Approval,
    Collaboration,
    FollowUp,
    FollowUpAnswer,
    PartyRequest,
    PartyRequestPurpose,
)
from samverkan.core.models import OutboundEmail, Parameter
from samverkan.core.periodic import periodic_jobs
from samverkan.core.tasks import run_periodic_sweeps
from samverkan.orgs.models import Contact, Organisation
from samverkan.register.models import CorrectionRequest, RegisterConfirmation, RegisterEntry
from samverkan.test import BaseTestCase

LINK = re.compile(r"https?://\S+/collaborations/p/(\S+)/")


class PartyLinkFixture(BaseTestCase):
    """Beta Diagnostik has no user account; its contact person Bo takes part by e-mail."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.skane = Organisation.objects.get(name="Region Skåne")
        cls.beta = Organisation.objects.create(name="Beta Diagnostik AB")
        cls.bo = Contact.objects.create(
            organisation=cls.beta, name="Bo Berg", email="bo@beta.example"
        )
        cls.britt = Contact.objects.create(
            organisation=cls.beta, name="Britt Ek", email="britt@beta.example"
        )

    def setUp(self) -> None:
        super().setUp()
        translation.activate("en")
        self.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        today = timezone.localdate()
        self.collaboration = actions.do_create_collaboration(
            self.alice,
            actions.CollaborationData(
                title="Snabbtest för sepsis",
                kind="pilot",
                summary="Snabb patogendiagnostik.",
                start_date=today - datetime.timedelta(days=30),
                end_date=today + datetime.timedelta(days=300),
            ),
        )
        actions.do_save_party(
            self.collaboration, self.alice, actions.PartyData(self.skane, "infrastructure_party")
        )
        actions.do_save_party(
            self.collaboration,
            self.alice,
            actions.PartyData(self.beta, "company", contact=self.bo),
        )

    def link_in_mail(self, to: str) -> str:
        mail = OutboundEmail.objects.filter(to=to).order_by("-pk").first()
        assert mail is not None
        match = LINK.search(mail.body)
        assert match is not None, mail.body
        return f"/collaborations/p/{match.group(1)}/"

    def start(self) -> None:
        self.pass_gates(self.collaboration)
        actions.do_change_collaboration_status(self.collaboration, self.alice, "active")


class PartyLinkTestCase(PartyLinkFixture):
    # Communication ---------------------------------------------------------------------

    def draft(self, text: str = "GMS och Beta testar snabb sepsisdiagnostik.") -> object:
        return actions.do_save_communication(
            self.collaboration,
            self.alice,
            actions.CommunicationData(kind="news", title="Sepsis", text=text),
        )

    def test_the_contact_approves_communication_through_the_link(self):
        activity = self.draft()
        url = self.link_in_mail("bo@beta.example")
        self.client.logout()
        page = self.client.get(url)
        self.assertContains(page, "GMS och Beta testar snabb sepsisdiagnostik.")
        self.assertContains(page, "Bo Berg")
        response = self.client.post(
            url,
            {"text_version": 1, "organisation": self.beta.pk, "decision": "approved"},
        )
        self.assertEqual(response.status_code, 302)
        approval = Approval.objects.get(organisation=self.beta)
        self.assertEqual(approval.decided_by_contact, self.bo)
        self.assertIsNone(approval.decided_by)
        request = PartyRequest.objects.get(purpose=PartyRequestPurpose.APPROVE_COMMUNICATION)
        self.assertIsNotNone(request.answered_at)
        self.login(self.alice)
        detail = self.client.get(activity.get_absolute_url())  # type: ignore[attr-defined]
        self.assertContains(detail, "Bo Berg (personal link)")

    def test_the_link_cannot_approve_a_text_that_does_not_name_the_infrastructure(self):
        self.draft("Beta testar snabb sepsisdiagnostik.")
        url = self.link_in_mail("bo@beta.example")
        self.client.logout()
        response = self.client.post(
            url, {"text_version": 1, "organisation": self.beta.pk, "decision": "approved"}
        )
        self.assertContains(response, "does not name the infrastructure")
        self.assertFalse(Approval.objects.exists())

    def test_the_link_decides_only_for_its_own_party(self):
        self.draft()
        url = self.link_in_mail("bo@beta.example")
        self.client.logout()
        self.client.post(
            url, {"text_version": 1, "organisation": self.skane.pk, "decision": "approved"}
        )
        self.assertFalse(Approval.objects.exists())  # the link is Beta's, not Skåne's

    def test_a_changed_text_sends_a_new_link_and_ends_the_old_one(self):
        activity = self.draft()
        old = self.link_in_mail("bo@beta.example")
        actions.do_save_communication(
            self.collaboration,
            self.alice,
            actions.CommunicationData(kind="news", title="Sepsis", text="GMS och Beta, nytt."),
            activity=activity,  # type: ignore[arg-type]
            expected_version=activity.version,  # type: ignore[attr-defined]
        )
        new = self.link_in_mail("bo@beta.example")
        self.assertNotEqual(old, new)
        self.client.logout()
        self.assertEqual(self.client.get(old).status_code, 404)
        self.assertContains(self.client.get(new), "GMS och Beta, nytt.")

    # Expiry, tampering, single purpose --------------------------------------------------

    def test_a_link_expires(self):
        self.draft()
        request = PartyRequest.objects.get()
        token = token_for(request)
        self.assertEqual(request_for_token(token), request)
        days = int(Parameter.get("party_link_days"))
        later = time.time() + (days + 1) * 24 * 3600
        with mock.patch("django.core.signing.time.time", return_value=later):
            self.assertIsNone(request_for_token(token))
            self.assertEqual(self.client.get(f"/collaborations/p/{token}/").status_code, 404)

    def test_a_tampered_link_does_nothing(self):
        self.draft()
        request = PartyRequest.objects.get()
        forged = signing.TimestampSigner(salt="other").sign_object({"r": request.pk, "n": "x"})
        self.assertEqual(self.client.get(f"/collaborations/p/{forged}/").status_code, 404)
        self.assertEqual(self.client.get("/collaborations/p/nonsense/").status_code, 404)

    def test_a_communication_link_does_not_answer_the_register(self):
        self.draft()
        url = self.link_in_mail("bo@beta.example")
        token = url.split("/")[-2]
        self.assertEqual(self.client.get(f"/register/p/{token}/").status_code, 404)

    # Follow-up -------------------------------------------------------------------------

    def test_the_contact_answers_the_follow_up_through_the_link(self):
        self.start()
        follow_up = self.collaboration.follow_ups.order_by("due_date").first()
        assert follow_up is not None
        self.login(self.alice)
        response = self.client.post(
            f"/collaborations/{self.collaboration.pk}/follow-ups/{follow_up.pk}/ask/"
        )
        self.assertEqual(response.status_code, 302)
        url = self.link_in_mail("bo@beta.example")
        self.client.logout()
        response = self.client.post(
            url, {"value_created": "Snabbare svar", "would_collaborate_again": "5"}
        )
        self.assertEqual(response.status_code, 302)
        answer = FollowUpAnswer.objects.get(follow_up=follow_up)
        self.assertEqual(
            (answer.organisation, answer.answered_by_contact, answer.answered_by),
            (self.beta, self.bo, None),
        )

    # Register --------------------------------------------------------------------------

    def test_the_contact_confirms_or_corrects_the_register_preview(self):
        self.start()
        entry = RegisterEntry.objects.get(collaboration=self.collaboration)
        self.assertEqual(entry.state, "preview")
        url = self.link_in_mail("bo@beta.example")
        self.client.logout()
        response = self.client.get(url)
        self.assertRedirects(response, url.replace("/collaborations/", "/register/"))
        register_url = url.replace("/collaborations/", "/register/")
        page = self.client.get(register_url)
        self.assertContains(page, "Snabbtest för sepsis")
        self.client.post(register_url, {"action": "correct", "text": "Stava Beta rätt."})
        correction = CorrectionRequest.objects.get()
        self.assertEqual(correction.requested_by_contact, self.bo)
        self.client.post(register_url, {"action": "confirm"})
        confirmation = RegisterConfirmation.objects.get()
        self.assertEqual(
            (confirmation.organisation, confirmation.confirmed_by_contact), (self.beta, self.bo)
        )

    # The coordinator's side ------------------------------------------------------------

    def test_coordinators_see_who_waits_and_resend_to_another_contact(self):
        self.draft()
        old = self.link_in_mail("bo@beta.example")
        self.login(self.alice)
        detail = self.client.get(self.collaboration.get_absolute_url())
        self.assertContains(detail, "Waiting for the parties")
        # The page loads the panel after itself; without scripts its link opens it.
        waiting = f"/collaborations/{self.collaboration.pk}/waiting/"
        self.assertContains(detail, f'hx-get="{waiting}"')
        self.assertContains(detail, f'href="{waiting}"')
        panel = self.client.get(waiting, HTTP_HX_REQUEST="true")
        self.assertContains(panel, "Link sent to Bo Berg")
        self.assertNotContains(panel, "<html")
        # Contact persons may share a name: the choice shows each one's address.
        self.assertContains(panel, "Britt Ek &lt;britt@beta.example&gt;")
        page = self.client.get(waiting)
        self.assertContains(page, "Link sent to Bo Berg")
        self.assertContains(page, f'name="next" value="{waiting}"')
        request = PartyRequest.objects.get()
        response = self.client.post(
            f"/collaborations/{self.collaboration.pk}/requests/{request.pk}/resend/",
            {f"resend{request.pk}-contact": self.britt.pk},
        )
        self.assertEqual(response.status_code, 302)
        request.refresh_from_db()
        self.assertEqual((request.contact, request.times_sent), (self.britt, 2))
        self.assertEqual(self.collaboration.parties.get(organisation=self.beta).contact, self.britt)
        new = self.link_in_mail("britt@beta.example")
        self.client.logout()
        self.assertEqual(self.client.get(old).status_code, 404)
        self.assertContains(self.client.get(new), "Britt Ek")
        self.login(self.carol)
        response = self.client.post(
            f"/collaborations/{self.collaboration.pk}/requests/{request.pk}/resend/", {}
        )
        self.assertIn(response.status_code, {403, 404})

    def test_choosing_another_contact_on_the_party_sends_the_open_requests_to_them(self):
        self.draft()
        party = self.collaboration.parties.get(organisation=self.beta)
        self.login(self.alice)
        response = self.client.post(
            f"/collaborations/{self.collaboration.pk}/parties/{party.pk}/",
            {"role": "company", "contact": self.britt.pk},
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(PartyRequest.objects.get().contact, self.britt)
        self.assertTrue(OutboundEmail.objects.filter(to="britt@beta.example").exists())

    def test_a_contact_of_another_organisation_cannot_be_chosen(self):
        from django.core.exceptions import ValidationError

        stranger = Contact.objects.create(
            organisation=self.acme, name="Ada Lind", email="ada@acme.example"
        )
        with self.assertRaises(ValidationError):
            actions.do_save_party(
                self.collaboration,
                self.alice,
                actions.PartyData(self.beta, "company", contact=stranger),
            )
        self.assertEqual(Collaboration.objects.get(pk=self.collaboration.pk).parties.count(), 2)


def run_reminder_job(today: datetime.date) -> dict[str, int]:
    """The collaborations app's job, as the periodic sweep runs it."""
    jobs = dict(periodic_jobs())
    return jobs["reminders"](today)


class FollowUpLinksByThemselvesTestCase(PartyLinkFixture):
    """Nobody has to ask: the reminder job sends the links when a follow-up falls due."""

    def setUp(self) -> None:
        super().setUp()
        self.start()
        OutboundEmail.objects.all().delete()  # the register preview's link
        self.follow_up = self.collaboration.follow_ups.order_by("due_date").first()
        assert self.follow_up is not None
        self.due = self.follow_up.due_date
        self.before = int(Parameter.get("follow_up_reminder_days_before"))
        self.repeat = int(Parameter.get("follow_up_overdue_repeat_days"))

    def links_to(self, to: str) -> int:
        return OutboundEmail.objects.filter(to=to, body__contains="/collaborations/p/").count()

    def request(self) -> PartyRequest:
        return PartyRequest.objects.get(
            purpose=PartyRequestPurpose.ANSWER_FOLLOW_UP, object_id=self.follow_up.pk
        )

    def test_the_link_comes_when_the_follow_up_falls_due_and_again_with_each_reminder(self):
        day = datetime.timedelta(days=1)
        early = self.due - datetime.timedelta(days=self.before) - day
        self.assertEqual(run_reminder_job(early)["follow_up_links"], 0)
        self.assertEqual(self.links_to("bo@beta.example"), 0)
        falls_due = early + day
        self.assertEqual(run_reminder_job(falls_due)["follow_up_links"], 1)
        first = self.link_in_mail("bo@beta.example")
        self.assertEqual(run_reminder_job(falls_due)["follow_up_links"], 0)  # once
        self.assertEqual(run_reminder_job(self.due)["follow_up_links"], 0)
        overdue = self.due + day
        self.assertEqual(run_reminder_job(overdue)["follow_up_links"], 1)
        self.assertEqual(run_reminder_job(overdue + day)["follow_up_links"], 0)
        later = overdue + datetime.timedelta(days=self.repeat)
        self.assertEqual(run_reminder_job(later)["follow_up_links"], 1)
        self.assertEqual(self.links_to("bo@beta.example"), 3)
        self.assertEqual(self.request().times_sent, 3)
        # A reminder does not end the link sent before: the first still answers.
        self.client.logout()
        response = self.client.post(first, {"value_created": "Snabbare svar"})
        self.assertEqual(response.status_code, 302)
        answer = FollowUpAnswer.objects.get(follow_up=self.follow_up)
        self.assertEqual(answer.answered_by_contact, self.bo)
        # Answered: the coordinator is still reminded, the party no more.
        result = run_reminder_job(later + datetime.timedelta(days=self.repeat))
        self.assertEqual((result["follow_ups"], result["follow_up_links"]), (1, 0))
        self.assertEqual(self.links_to("bo@beta.example"), 3)

    def test_the_sweep_in_the_worker_sends_the_link(self):
        FollowUp.objects.filter(pk=self.follow_up.pk).update(due_date=timezone.localdate())
        counts = run_periodic_sweeps.call()
        self.assertEqual(counts["follow_up_links"], 1)
        self.assertEqual(self.request().contact, self.bo)
        self.assertEqual(self.links_to("bo@beta.example"), 1)

    def test_a_contact_with_an_account_signs_in_instead(self):
        User.objects.create(
            username="bo", email="BO@beta.example", role=Role.COMPANY, organisation=self.beta
        )
        self.assertEqual(run_reminder_job(self.due)["follow_up_links"], 0)
        self.assertEqual(actions.do_ask_follow_up_answers(self.follow_up, self.alice), [])
        self.assertEqual(self.links_to("bo@beta.example"), 0)

    def test_a_party_that_has_answered_is_not_asked(self):
        actions.do_answer_follow_up(
            self.follow_up, self.alice, self.beta, value_created="Svar i telefon"
        )
        self.assertEqual(run_reminder_job(self.due)["follow_up_links"], 0)
        self.assertFalse(PartyRequest.objects.filter(purpose="follow_up").exists())

    def test_the_follow_up_page_shows_who_waits_to_resend_or_choose_another_contact(self):
        gamma = Organisation.objects.create(name="Gamma Analys AB")
        actions.do_save_party(self.collaboration, self.alice, actions.PartyData(gamma, "company"))
        run_reminder_job(self.due)
        old = self.link_in_mail("bo@beta.example")
        self.login(self.alice)
        url = self.follow_up.get_absolute_url()
        page = self.client.get(url)
        self.assertContains(page, "Still waiting for")
        self.assertContains(page, "Link sent to Bo Berg on")
        self.assertContains(page, "Resend to Bo Berg")
        self.assertContains(page, "Choose another contact")
        self.assertContains(page, "No contact person to send a link to")
        self.assertContains(page, "Gamma Analys AB")
        request = self.request()
        resend = f"/collaborations/{self.collaboration.pk}/requests/{request.pk}/resend/"
        response = self.client.post(resend, {"next": url})
        self.assertRedirects(response, url)
        self.assertEqual(self.request().times_sent, 2)
        self.assertEqual(self.links_to("bo@beta.example"), 2)
        self.client.logout()
        self.assertEqual(self.client.get(old).status_code, 404)  # resending ends the old link
        self.login(self.alice)
        response = self.client.post(
            resend, {"next": url, f"resend{request.pk}-contact": self.britt.pk}
        )
        self.assertRedirects(response, url)
        self.assertEqual(self.request().contact, self.britt)
        self.assertEqual(self.links_to("britt@beta.example"), 1)
        # Only a page of the same collaboration is a place to go back to.
        response = self.client.post(resend, {"next": "https://evil.example/"})
        self.assertRedirects(response, self.collaboration.get_absolute_url())
        # Answered through the link: nobody waits any more.
        self.client.logout()
        self.client.post(self.link_in_mail("britt@beta.example"), {"value_created": "Bra"})
        self.login(self.alice)
        self.assertNotContains(self.client.get(url), "Still waiting for")

    def test_the_register_preview_link_goes_only_to_contacts_without_an_account(self):
        self.assertEqual(
            PartyRequest.objects.get(purpose=PartyRequestPurpose.CONFIRM_REGISTER).contact,
            self.bo,
        )
        other = actions.do_create_collaboration(
            self.alice,
            actions.CollaborationData(title="Andra", kind="pilot", start_date=timezone.localdate()),
        )
        actions.do_save_party(
            other, self.alice, actions.PartyData(self.skane, "infrastructure_party")
        )
        actions.do_save_party(
            other, self.alice, actions.PartyData(self.beta, "company", contact=self.bo)
        )
        User.objects.create(
            username="bo", email="bo@beta.example", role=Role.COMPANY, organisation=self.beta
        )
        self.pass_gates(other)
        actions.do_change_collaboration_status(other, self.alice, "active")
        self.assertFalse(PartyRequest.objects.filter(collaboration=other).exists())
        # Bo signs in instead: the preview comes to him as a party's user.
        self.assertTrue(
            OutboundEmail.objects.filter(to="bo@beta.example")
            .exclude(body__contains="/collaborations/p/")
            .exists()
        )
