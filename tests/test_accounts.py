"""Company accounts: self-registration, the link to an organisation, the company's own page,
password reset and two-factor authentication."""

import datetime
import re
import time
from html.parser import HTMLParser

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from samverkan.accounts import actions
from samverkan.accounts.models import OrganisationLinkRequest, Role, User
from samverkan.agreements.models import Agreement
from samverkan.collaborations.models import (
    Approval,
    Collaboration,
    CollaborationParty,
    CommunicationActivity,
    FollowUp,
    FollowUpAnswer,
)
from samverkan.core.models import OutboundEmail
from samverkan.orgs import linking
from samverkan.orgs.models import Organisation
from samverkan.test import ACME_NUMBER, OTHER_NUMBER, BaseTestCase, valid_orgnr

Status = OrganisationLinkRequest.Status
CONFIRM_LINK = re.compile(r"https?://testserver(/accounts/confirm-email/\S+/)")
RESET_LINK = re.compile(r"https?://testserver(/accounts/password/reset/key/\S+/)")


class AccountsTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        # Texts are asserted in English, whatever the Swedish catalogue says.
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        translation.activate("en")

    def register(self, username: str, email: str | None = None) -> User:
        """Sign up through allauth's page, confirm the address from the e-mail, log in."""
        email = email or f"{username}@company.example"
        response = self.client.post(
            "/accounts/signup/",
            {
                "email": email,
                "username": username,
                "first_name": "Nina",
                "last_name": "Berg",
                "password1": self.password,
                "password2": self.password,
            },
        )
        self.assertRedirects(response, "/accounts/confirm-email/", fetch_redirect_response=False)
        message = mail.outbox[-1]
        self.assertEqual(message.to, [email])
        match = CONFIRM_LINK.search(message.body)
        assert match is not None, message.body
        self.assertEqual(self.client.get(match.group(1)).status_code, 200)
        self.client.post(match.group(1))
        self.assertTrue(EmailAddress.objects.filter(email=email, verified=True).exists())
        self.log_in_through_the_page(username)
        return User.objects.get(username=username)

    def log_in_through_the_page(self, username: str) -> None:
        response = self.client.post(
            "/accounts/login/", {"login": username, "password": self.password}
        )
        self.assertRedirects(response, "/dashboard/", fetch_redirect_response=False)

    def ask_link(self, **data: str):
        payload = {
            "organisation_name": "Acme Genomik AB",
            "organisation_number": "",
            "foreign_identifier": "",
            "country": "",
            "note": "Forskningschef",
        }
        payload.update(data)
        return self.client.post("/account/link/", payload)

    def decide(self, link_request: OrganisationLinkRequest, decision: str, comment: str = ""):
        return self.client.post(
            f"/account/link-requests/{link_request.pk}/",
            {"decision": decision, "comment": comment},
        )

    def company_user(self, username: str) -> User:
        """A registered, verified company user without an organisation, made directly."""
        user = User(username=username, role=Role.COMPANY, email=f"{username}@company.example")
        user.set_password(self.password)
        user.save()
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        return user


class RegistrationTestCase(AccountsTestCase):
    def test_it_registers_a_company_user_who_verifies_the_address_before_logging_in(self):
        self.assertContains(self.client.get("/accounts/signup/"), 'name="first_name"')
        response = self.client.post(
            "/accounts/signup/",
            {
                "email": "nina@company.example",
                "username": "nina",
                "first_name": "Nina",
                "last_name": "Berg",
                "password1": self.password,
                "password2": self.password,
                "role": Role.COORDINATOR,  # not a field: ignored
            },
        )
        self.assertRedirects(response, "/accounts/confirm-email/", fetch_redirect_response=False)
        nina = User.objects.get(username="nina")
        self.assertEqual(
            (nina.role, nina.organisation, nina.get_full_name()),
            (
                Role.COMPANY,
                None,
                "Nina Berg",
            ),
        )
        self.assertFalse(nina.is_staff)
        # Unverified, the login stops at "verify your address" and nobody is logged in.
        response = self.client.post(
            "/accounts/login/", {"login": "nina", "password": self.password}
        )
        self.assertRedirects(response, "/accounts/confirm-email/", fetch_redirect_response=False)
        self.assertEqual(self.client.get("/account/").status_code, 302)

        link = CONFIRM_LINK.search(mail.outbox[-1].body)
        assert link is not None
        self.assertIn("Samverkan", mail.outbox[-1].subject)
        self.client.post(link.group(1))
        self.log_in_through_the_page("nina")
        response = self.client.get("/dashboard/", follow=True)
        self.assertEqual(response.redirect_chain[-1][0], "/account/")
        self.assertContains(response, 'name="organisation_number"')

    def test_it_shows_what_is_wrong_with_a_signup(self):
        response = self.client.post(
            "/accounts/signup/",
            {
                "email": "not an address",
                "username": "nina",
                "first_name": "",
                "last_name": "Berg",
                "password1": "password",
                "password2": "password",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'class="errorlist"', count=3)
        self.assertContains(response, 'id="id_password1_error"')
        self.assertContains(response, "too common")
        self.assertFalse(User.objects.filter(username="nina").exists())
        self.assertEqual(mail.outbox, [])

    def test_accounts_made_by_staff_count_as_verified(self):
        user = actions.do_create_staff_user(
            username="olle",
            email="olle@gms.example",
            role=Role.COORDINATOR,
            password=self.password,
            actor=self.alice,
        )
        self.assertTrue(EmailAddress.objects.get(user=user).verified)
        self.log_in_through_the_page("olle")
        self.assertRedirects(
            self.client.get("/dashboard/"), "/inquiries/", fetch_redirect_response=False
        )

    def test_only_staff_make_accounts_and_only_admins_make_admins(self):
        with self.assertRaises(PermissionDenied):
            actions.do_create_staff_user(
                username="x", email="x@example.org", role=Role.COMPANY, actor=self.carol
            )
        with self.assertRaises(PermissionDenied):
            actions.do_create_staff_user(
                username="x", email="x@example.org", role=Role.ADMIN, actor=self.alice
            )
        actions.do_create_staff_user(
            username="x", email="x@example.org", role=Role.VIEWER, actor=self.erin
        )
        with self.assertRaisesMessage(ValidationError, "already uses this e-mail address"):
            actions.do_create_staff_user(
                username="y", email="X@example.org", role=Role.VIEWER, actor=self.erin
            )
        with self.assertRaisesMessage(ValidationError, "username already exists"):
            actions.do_create_staff_user(
                username="x", email="y@example.org", role=Role.VIEWER, actor=self.erin
            )
        self.assertFalse(User.objects.filter(username="y").exists())
        admin = actions.do_create_staff_user(
            username="z", email="z@example.org", role=Role.ADMIN, actor=self.erin
        )
        self.assertTrue(admin.is_staff and admin.is_superuser)
        self.assertFalse(admin.has_usable_password())

    def test_the_admin_marks_the_address_it_sets_as_verified(self):
        self.login(self.erin)
        response = self.client.post(
            "/admin/accounts/user/add/",
            {
                "username": "petra",
                "usable_password": "true",
                "password1": self.password,
                "password2": self.password,
                "email": "petra@gms.example",
                "first_name": "Petra",
                "last_name": "Ek",
                "role": Role.VIEWER,
            },
        )
        self.assertEqual(response.status_code, 302, response.content[:2000])
        petra = User.objects.get(username="petra")
        self.assertTrue(EmailAddress.objects.get(user=petra, email="petra@gms.example").verified)


class LinkRequestTestCase(AccountsTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.acme_inquiry = cls.submit(title="Acmes förslag")
        cls.other_inquiry = cls.submit(
            organisation_number=OTHER_NUMBER,
            organisation_name="Annat Bolag AB",
            title="Annat bolags förslag",
        )
        cls.acme_collaboration = Collaboration.objects.create(title="Acmes pilot", kind="pilot")
        CollaborationParty.objects.create(
            collaboration=cls.acme_collaboration, organisation=cls.acme, role="company"
        )
        cls.other_collaboration = Collaboration.objects.create(
            title="Annat bolags pilot", kind="pilot"
        )
        CollaborationParty.objects.create(
            collaboration=cls.other_collaboration, organisation=cls.other, role="company"
        )

    def test_it_links_a_new_user_to_the_organisation_matched_on_its_number(self):
        nina = self.register("nina")
        # The number in its twelve-digit form, without a dash: matched all the same.
        response = self.ask_link(organisation_number="16" + ACME_NUMBER.replace("-", ""))
        self.assertRedirects(response, "/account/")
        link_request = OrganisationLinkRequest.objects.get(user=nina)
        self.assertEqual(link_request.organisation, self.acme)
        self.assertEqual(link_request.organisation_number, ACME_NUMBER)
        page = self.client.get("/account/")
        self.assertContains(page, "badge-pending")
        self.assertNotContains(page, 'name="organisation_number"')
        self.assertNotContains(page, self.acme_inquiry.reference)

        self.login(self.alice)
        listing = self.client.get("/account/link-requests/")
        self.assertContains(listing, link_request.get_absolute_url())
        self.assertContains(self.client.get(link_request.get_absolute_url()), "Acme Genomik AB")
        response = self.decide(link_request, "approve")
        self.assertRedirects(response, "/account/link-requests/")
        nina.refresh_from_db()
        self.assertEqual(nina.organisation, self.acme)
        link_request.refresh_from_db()
        self.assertEqual(
            (link_request.status, link_request.decided_by), (Status.APPROVED, self.alice)
        )
        self.assertIsNotNone(link_request.decided_at)
        self.assertEqual(link_request.history.first().history_user, self.alice)
        email = OutboundEmail.objects.get(to="nina@company.example")
        self.assertIn("Acme Genomik AB", email.subject)
        self.assertIn("/account/", email.body)
        self.assertNotContains(self.client.get("/account/link-requests/"), "nina")

        self.client.force_login(nina, backend="django.contrib.auth.backends.ModelBackend")
        page = self.client.get("/account/")
        self.assertContains(page, f'href="/inquiries/{self.acme_inquiry.pk}/"')
        self.assertContains(page, self.acme_collaboration.get_absolute_url())
        self.assertNotContains(page, self.other_inquiry.reference)
        self.assertNotContains(page, "Annat bolags pilot")
        self.assertEqual(self.client.get(f"/inquiries/{self.acme_inquiry.pk}/").status_code, 200)
        self.assertEqual(self.client.get(f"/inquiries/{self.other_inquiry.pk}/").status_code, 404)

    def test_approval_creates_an_organisation_nobody_knew(self):
        nina = self.company_user("nina")
        self.login(nina)
        self.ask_link(
            organisation_name="Dansk Gen ApS", foreign_identifier="DK12345678", country="dk"
        )
        link_request = OrganisationLinkRequest.objects.get(user=nina)
        self.assertIsNone(link_request.organisation)
        self.assertEqual(link_request.country, "DK")
        self.login(self.erin)
        self.assertContains(self.client.get(link_request.get_absolute_url()), "new company")
        self.decide(link_request, "approve", "Välkommen!")
        nina.refresh_from_db()
        assert nina.organisation is not None
        self.assertEqual(
            (nina.organisation.name, nina.organisation.country, nina.organisation.identifier),
            ("Dansk Gen ApS", "DK", "DK DK12345678"),
        )
        self.assertIn("Välkommen!", OutboundEmail.objects.get(to=nina.email).body)

    def test_a_rejection_needs_a_reason_which_the_user_reads(self):
        nina = self.company_user("nina")
        self.login(nina)
        self.ask_link(organisation_number=ACME_NUMBER)
        link_request = OrganisationLinkRequest.objects.get(user=nina)

        self.login(self.alice)
        response = self.decide(link_request, "reject")
        self.assertContains(response, "Give the reason")
        link_request.refresh_from_db()
        self.assertEqual(link_request.status, Status.PENDING)
        self.decide(link_request, "reject", "Vi når ingen på Acme som känner dig.")
        link_request.refresh_from_db()
        self.assertEqual(link_request.status, Status.REJECTED)
        nina.refresh_from_db()
        self.assertIsNone(nina.organisation)
        email = OutboundEmail.objects.get(to=nina.email)
        self.assertIn("Vi når ingen på Acme som känner dig.", email.body)
        # A decided request is not decided again.
        response = self.decide(link_request, "approve")
        self.assertNotContains(response, 'name="decision"', status_code=200)
        with self.assertRaisesMessage(ValidationError, "already been decided"):
            linking.do_approve_link_request(link_request, self.alice)

        self.login(nina)
        page = self.client.get("/account/")
        self.assertContains(page, "Vi når ingen på Acme som känner dig.")
        self.assertContains(page, "badge-rejected")
        self.assertContains(page, 'name="organisation_number"')  # they may ask again
        self.ask_link(organisation_number=ACME_NUMBER)
        self.assertEqual(nina.link_requests.filter(status=Status.PENDING).count(), 1)

    def test_only_coordinators_and_admins_decide(self):
        nina = self.company_user("nina")
        link_request = linking.do_request_organisation_link(
            nina, linking.LinkRequestData("Acme", organisation_number=ACME_NUMBER), language="sv"
        )
        for user in [self.bob, self.carol, self.dave, self.mallory, self.oscar, nina]:
            self.login(user)
            with self.subTest(user=user.username):
                self.assertEqual(self.client.get("/account/link-requests/").status_code, 403)
                self.assertEqual(self.decide(link_request, "approve").status_code, 403)
            with self.assertRaises(PermissionDenied):
                linking.do_approve_link_request(link_request, user)
        self.client.logout()
        self.assertEqual(self.decide(link_request, "approve").status_code, 302)
        link_request.refresh_from_db()
        self.assertEqual(link_request.status, Status.PENDING)
        self.login(self.erin)
        self.assertRedirects(self.decide(link_request, "approve"), "/account/link-requests/")
        nina.refresh_from_db()
        self.assertEqual(nina.organisation, self.acme)

    def test_it_refuses_an_invalid_organisation_number(self):
        nina = self.company_user("nina")
        self.login(nina)
        wrong_check_digit = ACME_NUMBER[:-1] + str((int(ACME_NUMBER[-1]) + 1) % 10)
        response = self.ask_link(organisation_number=wrong_check_digit)
        self.assertContains(response, "Not a valid Swedish organisation number")
        self.assertContains(response, 'aria-invalid="true"')
        response = self.ask_link(foreign_identifier="12345", country="SE")
        self.assertContains(response, "needs its organisation number")
        response = self.ask_link(foreign_identifier="12345")
        self.assertContains(response, "two-letter country code")
        self.assertFalse(OrganisationLinkRequest.objects.exists())
        with self.assertRaises(ValidationError):
            linking.do_request_organisation_link(
                nina,
                linking.LinkRequestData("Acme", organisation_number="556677-8890"),
                language="sv",
            )

    def test_one_request_at_a_time_and_none_once_linked(self):
        nina = self.company_user("nina")
        data = linking.LinkRequestData("Acme", organisation_number=ACME_NUMBER)
        linking.do_request_organisation_link(nina, data, language="en")
        with self.assertRaisesMessage(ValidationError, "already have a request"):
            linking.do_request_organisation_link(nina, data, language="en")
        with self.assertRaisesMessage(ValidationError, "already linked"):
            linking.do_request_organisation_link(self.carol, data, language="en")
        with self.assertRaises(PermissionDenied):
            linking.do_request_organisation_link(self.alice, data, language="en")
        self.login(self.carol)
        response = self.ask_link(organisation_number=ACME_NUMBER)
        self.assertRedirects(response, "/account/", fetch_redirect_response=False)
        self.assertContains(self.client.get("/account/"), "already linked")
        self.login(nina)
        response = self.ask_link(organisation_number=OTHER_NUMBER)
        self.assertContains(self.client.get("/account/"), "already have a request")
        self.assertEqual(OrganisationLinkRequest.objects.count(), 1)

    def test_the_user_is_told_in_the_language_of_the_request(self):
        nina = self.company_user("nina")
        self.login(nina)
        self.client.post("/i18n/setlang/", {"language": "en", "next": "/account/"})
        self.ask_link(organisation_number=ACME_NUMBER)
        link_request = OrganisationLinkRequest.objects.get(user=nina)
        self.assertEqual(link_request.language, "en")
        self.login(self.alice)
        self.client.post("/i18n/setlang/", {"language": "sv", "next": "/"})
        self.decide(link_request, "approve")
        email = OutboundEmail.objects.get(to=nina.email)
        self.assertEqual(email.subject, "Your account is linked to Acme Genomik AB")

    def test_nobody_links_themselves_to_an_infrastructure_party(self):
        number = valid_orgnr("232100025")
        Organisation.objects.filter(name="Region Skåne").update(organisation_number=number)
        nina = self.company_user("nina")
        self.login(nina)
        response = self.ask_link(organisation_name="Region Skåne", organisation_number=number)
        self.assertContains(response, "is a party of GMS")
        self.assertContains(response, 'value="Region Skåne"')
        with self.assertRaisesMessage(ValidationError, "party of GMS"):
            linking.do_request_organisation_link(
                nina,
                linking.LinkRequestData("Region Skåne", organisation_number=number),
                language="sv",
            )

    def test_the_admin_approves_through_the_action(self):
        nina = self.company_user("nina")
        link_request = linking.do_request_organisation_link(
            nina, linking.LinkRequestData("Acme", organisation_number=ACME_NUMBER), language="sv"
        )
        self.login(self.erin)
        self.assertContains(self.client.get("/admin/accounts/organisationlinkrequest/"), "Acme")
        self.assertEqual(
            self.client.get(
                f"/admin/accounts/organisationlinkrequest/{link_request.pk}/change/"
            ).status_code,
            200,
        )
        self.client.post(
            "/admin/accounts/organisationlinkrequest/",
            {"action": "approve", "_selected_action": [link_request.pk]},
        )
        link_request.refresh_from_db()
        self.assertEqual(
            (link_request.status, link_request.decided_by), (Status.APPROVED, self.erin)
        )


class LinkRequestListQueriesTestCase(AccountsTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        for i in range(35):
            user = User.objects.create(username=f"company{i}", role=Role.COMPANY)
            OrganisationLinkRequest.objects.create(
                user=user,
                organisation=cls.acme if i % 2 else None,
                organisation_name=f"Bolag {i}",
                organisation_number=ACME_NUMBER if i % 2 else valid_orgnr(f"5590{i:05d}"),
                status=Status.PENDING if i % 5 else Status.REJECTED,
                decided_by=None if i % 5 else cls.alice,
            )

    def count(self, url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return len(queries)

    def test_the_list_does_not_grow_with_its_rows(self):
        self.login(self.alice)
        with self.assertNumQueries(5):  # session, user, infrastructure, count, page
            response = self.client.get("/account/link-requests/")
        self.assertEqual(response.context["page"].paginator.count, 28)
        self.assertEqual(len(response.context["page"]), 25)
        self.assertEqual(self.count("/account/link-requests/?status=&page=2"), 5)
        response = self.client.get("/account/link-requests/?status=rejected&q=Bolag")
        self.assertEqual(response.context["page"].paginator.count, 7)


class CompanyHomeTestCase(AccountsTestCase):
    ROWS = 32

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.skane = Organisation.objects.get(name="Region Skåne")
        today = timezone.localdate()
        for i in range(cls.ROWS):
            cls.submit(title=f"Förslag {i}")
            collaboration = cls.collaboration(f"Samarbete {i}", cls.acme, cls.skane)
            FollowUp.objects.create(
                collaboration=collaboration,
                kind="interim",
                due_date=today + datetime.timedelta(days=i - 3),
            )
            CommunicationActivity.objects.create(
                collaboration=collaboration, kind="news", title=f"Nyhet {i}", text="GMS och Acme"
            )
        cls.other_inquiry = cls.submit(
            organisation_number=OTHER_NUMBER, organisation_name="Annat Bolag AB", title="Annat"
        )
        other = cls.collaboration("Annat samarbete", cls.other, cls.skane)
        FollowUp.objects.create(collaboration=other, kind="final", due_date=today)
        CommunicationActivity.objects.create(
            collaboration=other, kind="news", title="Annan nyhet", text="GMS"
        )

        # What Acme has already done, or need not do, stays off the page.
        done = cls.collaboration("Klart samarbete", cls.acme, cls.skane)
        answered = FollowUp.objects.create(collaboration=done, kind="interim", due_date=today)
        FollowUpAnswer.objects.create(follow_up=answered, organisation=cls.acme)
        FollowUp.objects.create(collaboration=done, kind="final", due_date=today, held_on=today)
        approved_by_acme = CommunicationActivity.objects.create(
            collaboration=done, kind="news", title="Godkänd av Acme", text="GMS"
        )
        Approval.objects.create(
            activity=approved_by_acme, organisation=cls.acme, text_version=1, decision="approved"
        )
        CommunicationActivity.objects.create(
            collaboration=done,
            kind="talk",
            title="Redan godkänd",
            text="GMS",
            approved_at=timezone.now(),
        )
        # A changed text needs Acme's approval again; an answer from someone else is not Acme's.
        changed = CommunicationActivity.objects.create(
            collaboration=done, kind="article", title="Ändrad text", text="GMS", text_version=2
        )
        Approval.objects.create(
            activity=changed, organisation=cls.acme, text_version=1, decision="approved"
        )
        answered_by_skane = FollowUp.objects.create(
            collaboration=done, kind="interim", due_date=today
        )
        FollowUpAnswer.objects.create(follow_up=answered_by_skane, organisation=cls.skane)
        # Acme is a party here but not to the signed agreement: not an approver.
        unsigned = cls.collaboration("Utan Acmes avtal", cls.acme, cls.skane, sign=[cls.skane])
        CommunicationActivity.objects.create(
            collaboration=unsigned, kind="news", title="Inte Acmes sak", text="GMS"
        )

    @classmethod
    def collaboration(
        cls, title: str, *parties: Organisation, sign: list[Organisation] | None = None
    ) -> Collaboration:
        collaboration = Collaboration.objects.create(title=title, kind="pilot", status="active")
        for org in parties:
            CollaborationParty.objects.create(
                collaboration=collaboration,
                organisation=org,
                role="infrastructure_party" if org.is_infrastructure_party else "company",
            )
        agreement = Agreement.objects.create(
            collaboration=collaboration,
            kind="collaboration",
            title="Avtal",
            status=Agreement.Status.SIGNED,
        )
        agreement.parties.set(sign if sign is not None else parties)
        return collaboration

    def test_it_lists_the_organisations_work_in_a_fixed_number_of_queries(self):
        self.login(self.carol)
        # session, user, infrastructure, organisation, authenticators, inquiries,
        # collaborations, follow-ups, drafts
        with self.assertNumQueries(9):
            response = self.client.get("/account/")
        context = response.context
        self.assertEqual(len(context["inquiries"]), 20)
        self.assertTrue(context["more_inquiries"])
        self.assertEqual(len(context["collaborations"]), 20)
        self.assertTrue(context["more_collaborations"])
        self.assertContains(response, 'href="/inquiries/"')
        self.assertNotContains(response, self.other_inquiry.reference)

        follow_ups = {(f.collaboration.title, f.kind) for f in context["follow_ups"]}
        self.assertEqual(len(follow_ups), self.ROWS + 1)
        self.assertIn(("Klart samarbete", "interim"), follow_ups)  # answered by Skåne only
        self.assertNotIn(("Annat samarbete", "final"), follow_ups)
        self.assertNotIn(("Klart samarbete", "final"), follow_ups)  # held
        self.assertEqual(
            [f.collaboration.title for f in context["follow_ups"]].count("Klart samarbete"), 1
        )
        self.assertContains(response, "badge-overdue")

        drafts = {d.title for d in context["drafts"]}
        self.assertEqual(drafts, {f"Nyhet {i}" for i in range(self.ROWS)} | {"Ändrad text"})
        first = context["drafts"][0]
        self.assertContains(response, f'href="{first.get_absolute_url()}"')

        # Fewer rows, the same queries: nothing is fetched per row.
        self.login(self.mallory)
        with self.assertNumQueries(9):
            response = self.client.get("/account/")
        self.assertEqual([d.title for d in response.context["drafts"]], ["Annan nyhet"])
        self.assertEqual(len(response.context["inquiries"]), 1)

    def test_the_page_is_for_company_users(self):
        for user in [self.alice, self.bob, self.dave, self.erin]:
            self.login(user)
            self.assertEqual(self.client.get("/account/").status_code, 403)
        self.client.logout()
        self.assertRedirects(self.client.get("/account/"), "/accounts/login/?next=/account/")


class PasswordResetTestCase(AccountsTestCase):
    def test_it_sends_a_reset_link_that_sets_a_new_password(self):
        response = self.client.post("/accounts/password/reset/", {"email": "carol@example.org"})
        self.assertRedirects(
            response, "/accounts/password/reset/done/", fetch_redirect_response=False
        )
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["carol@example.org"])
        link = RESET_LINK.search(mail.outbox[0].body)
        assert link is not None, mail.outbox[0].body
        response = self.client.get(link.group(1), follow=True)
        self.assertContains(response, 'name="password1"')
        new_password = "a brand new staple horse"
        response = self.client.post(
            response.redirect_chain[-1][0],
            {"password1": new_password, "password2": new_password},
        )
        self.assertEqual(response.status_code, 302)
        self.carol.refresh_from_db()
        self.assertTrue(self.carol.check_password(new_password))


class _InlineFinder(HTMLParser):
    """Collects what a strict Content-Security-Policy would block: inline scripts that run,
    style elements and style attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.blocked: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if "style" in named:
            self.blocked.append(f"style attribute on <{tag}>")
        if any(name.startswith("on") for name in named):
            self.blocked.append(f"event handler on <{tag}>")
        if tag == "style":
            self.blocked.append("<style>")
        data_block = (named.get("type") or "").lower() in {
            "application/json",
            "application/ld+json",
        }
        if tag == "script" and not named.get("src") and not data_block:
            self.blocked.append("inline <script>")


class TwoFactorTestCase(AccountsTestCase):
    def setUp(self) -> None:
        super().setUp()
        EmailAddress.objects.create(
            user=self.carol, email=self.carol.email, verified=True, primary=True
        )

    def assert_csp_safe(self, path: str) -> None:
        response = self.client.get(path)
        self.assertEqual(response.status_code, 200, f"{path} → {response.get('Location')}")
        policy = response.headers["Content-Security-Policy"]
        self.assertIn("script-src 'self'", policy)
        self.assertNotIn("unsafe-inline", policy)
        finder = _InlineFinder()
        finder.feed(response.content.decode())
        self.assertEqual(finder.blocked, [], path)

    def code(self, secret: str) -> str:
        return format_hotp_value(hotp_value(secret, int(time.time()) // 30))

    def test_a_company_user_activates_totp_from_their_page_and_then_needs_it(self):
        self.log_in_through_the_page("carol")
        page = self.client.get("/account/")
        self.assertContains(page, 'href="/accounts/2fa/"')
        self.assertContains(page, "Two-factor authentication")
        self.assert_csp_safe("/accounts/2fa/")
        # Turning on two-factor authentication asks for the password again.
        response = self.client.get("/accounts/2fa/totp/activate/")
        reauthenticate = "/accounts/reauthenticate/?next=%2Faccounts%2F2fa%2Ftotp%2Factivate%2F"
        self.assertRedirects(response, reauthenticate, fetch_redirect_response=False)
        self.assert_csp_safe(reauthenticate)
        response = self.client.post(reauthenticate, {"password": self.password})
        self.assertRedirects(
            response, "/accounts/2fa/totp/activate/", fetch_redirect_response=False
        )
        self.assert_csp_safe("/accounts/2fa/totp/activate/")

        response = self.client.get("/accounts/2fa/totp/activate/")
        secret = response.context["form"].secret
        self.assertContains(response, 'src="data:image/svg+xml;base64,')
        response = self.client.post("/accounts/2fa/totp/activate/", {"code": "000000"})
        self.assertContains(response, "Incorrect code")
        response = self.client.post("/accounts/2fa/totp/activate/", {"code": self.code(secret)})
        self.assertEqual(response.status_code, 302)
        self.assertTrue(
            Authenticator.objects.filter(user=self.carol, type=Authenticator.Type.TOTP).exists()
        )
        self.assert_csp_safe(response["Location"])
        self.assert_csp_safe("/accounts/2fa/recovery-codes/")
        self.assertContains(self.client.get("/account/"), "<dd>On</dd>", html=False)

        # From now on the password alone does not log carol in.
        self.client.logout()
        response = self.client.post(
            "/accounts/login/", {"login": "carol", "password": self.password}
        )
        self.assertRedirects(response, "/accounts/2fa/authenticate/", fetch_redirect_response=False)
        self.assert_csp_safe("/accounts/2fa/authenticate/")
        self.assertEqual(self.client.get("/account/").status_code, 302)
        response = self.client.post("/accounts/2fa/authenticate/", {"code": self.code(secret)})
        self.assertRedirects(response, "/dashboard/", fetch_redirect_response=False)
        self.assertEqual(self.client.get("/account/").status_code, 200)

    def test_two_factor_is_optional_for_company_users(self):
        self.log_in_through_the_page("carol")
        self.assertEqual(self.client.get("/account/").status_code, 200)
        self.assertContains(self.client.get("/account/"), "<dd>Off</dd>", html=False)
