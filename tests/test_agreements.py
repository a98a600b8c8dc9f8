"""Agreement pages: who sees what, documents kept safe and versioned, signing, principles."""

import datetime
import shutil
import tempfile
from pathlib import Path
from typing import Any, cast
from unittest import mock

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import FileResponse
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve
from django.utils.html import escape

from samverkan.agreements import actions as agreement_actions
from samverkan.agreements.models import (
    Agreement,
    AgreementDocument,
    AgreementPrinciple,
    PrincipleAnswer,
)
from samverkan.collaborations import actions
from samverkan.collaborations.models import Collaboration, CollaborationParty
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
STAFF_ACTION = {**dict.fromkeys(ROLES, 403), "anon": LOGIN, "alice": 302, "erin": 302}
# The document itself is as confidential as the terms: not for committee members.
DOCUMENT = {
    "anon": LOGIN,
    "alice": 200,
    "bob": 403,
    "carol": 200,
    "dave": 200,
    "erin": 200,
    "mallory": 404,
    "oscar": 403,
}

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
DOCX = b"PK\x03\x04" + b"\x00" * 40 + b"word/document.xml"
TERMS = "Acme pays 250 000 kronor per analysed genome."


def pdf(name: str = "avtal.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def streamed(response: object) -> bytes:
    return b"".join(cast(FileResponse, response).streaming_content)  # type: ignore[arg-type]


class TempMediaMixin:
    """Uploaded files go to a fresh directory that is removed afterwards."""

    media_root: str

    @classmethod
    def setUpClass(cls) -> None:
        cls.media_root = tempfile.mkdtemp(prefix="samverkan-test-media-")
        media = override_settings(MEDIA_ROOT=cls.media_root)
        media.enable()
        # Class cleanups run last-in first-out: restore the setting, then remove the files.
        cls.addClassCleanup(shutil.rmtree, cls.media_root, ignore_errors=True)  # type: ignore[attr-defined]
        cls.addClassCleanup(media.disable)  # type: ignore[attr-defined]
        super().setUpClass()  # type: ignore[misc]

    def setUp(self) -> None:
        super().setUp()  # type: ignore[misc]
        # Files outlive the rolled-back test: count only what this test stores.
        self.files_before = set(self.stored_files())

    def stored_files(self) -> list[Path]:
        return [p for p in Path(self.media_root).rglob("*") if p.is_file()]

    def new_files(self) -> set[Path]:
        return set(self.stored_files()) - self.files_before


class AgreementTestCase(TempMediaMixin, BaseTestCase):
    """A collaboration between Region Skåne and Acme, routed to rare diseases, with a
    draft agreement between the two and no document yet."""

    skane: Organisation
    collaboration: Collaboration
    agreement: Agreement

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
        for org, role in [
            (cls.skane, CollaborationParty.Role.INFRASTRUCTURE),
            (cls.acme, CollaborationParty.Role.COMPANY),
        ]:
            actions.do_save_party(cls.collaboration, cls.alice, actions.PartyData(org, role))
        cls.agreement = agreement_actions.do_save_agreement(
            cls.collaboration,
            cls.alice,
            agreement_actions.AgreementData(
                kind=Agreement.Kind.COLLABORATION,
                title="Samverkansavtal Acme",
                parties=[cls.skane, cls.acme],
                valid_from=datetime.date(2025, 1, 1),
                valid_to=datetime.date(2030, 12, 31),
                terms=TERMS,
            ),
        )

    def url(self, suffix: str = "", agreement: Agreement | None = None) -> str:
        agreement = agreement or self.agreement
        return f"/collaborations/{agreement.collaboration_id}/agreements/{agreement.pk}/{suffix}"

    def upload(self, upload: SimpleUploadedFile | None = None) -> AgreementDocument:
        return agreement_actions.do_upload_agreement_document(
            self.agreement, self.alice, upload or pdf()
        )

    def post_upload(self, upload: SimpleUploadedFile, language: str = "sv"):
        self.login(self.alice)
        return self.client.post(
            self.url("documents/"), {"file": upload}, headers={"accept-language": language}
        )

    def make_other_a_party_to_the_collaboration(self) -> None:
        """Mallory then sees the collaboration, but is not a party to the agreement."""
        actions.do_save_party(
            self.collaboration,
            self.alice,
            actions.PartyData(self.other, CollaborationParty.Role.COMPANY),
        )


class AccessTestCase(AgreementTestCase):
    def client_for(self, role: str) -> Client:
        client = Client()
        if role != "anon":
            client.force_login(
                getattr(self, role), backend="django.contrib.auth.backends.ModelBackend"
            )
        return client

    def test_it_answers_every_persona_on_every_agreement_url(self):
        document = self.upload()
        cpk = self.collaboration.pk
        matrix = [
            ("get", f"/collaborations/{cpk}/agreements/new/", STAFF_PAGE),
            ("get", self.url(), VISIBLE),
            ("get", self.url("edit/"), STAFF_PAGE),
            ("post", self.url("status/"), STAFF_ACTION),
            ("get", self.url("documents/"), STAFF_PAGE),
            ("get", self.url(f"documents/{document.pk}/"), DOCUMENT),
            ("get", self.url("principles/"), STAFF_PAGE),
        ]
        for role in ROLES:
            client = self.client_for(role)
            for method, url, expected in matrix:
                with self.subTest(role=role, method=method, url=url):
                    response = getattr(client, method)(url)
                    self.assertEqual(response.status_code, expected[role])

    def test_it_gives_a_company_user_of_another_company_404(self):
        document = self.upload()
        self.make_other_a_party_to_the_collaboration()
        self.login(self.mallory)
        self.assertEqual(self.client.get(self.url()).status_code, 404)
        self.assertEqual(self.client.get(self.url(f"documents/{document.pk}/")).status_code, 404)
        # The collaboration itself is visible to her now: only the agreement is not.
        self.assertTrue(Collaboration.objects.visible_to(self.mallory).exists())

    def test_it_404s_an_agreement_of_another_collaboration(self):
        elsewhere = actions.do_create_collaboration(
            self.alice, actions.CollaborationData(title="Annat", kind="research")
        )
        self.login(self.alice)
        url = f"/collaborations/{elsewhere.pk}/agreements/{self.agreement.pk}/"
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_it_shows_the_terms_only_to_staff_viewers_and_the_parties(self):
        for user, sees in [
            (self.alice, True),
            (self.dave, True),
            (self.erin, True),
            (self.carol, True),
            (self.bob, False),
        ]:
            with self.subTest(user=user.username):
                self.login(user)
                response = self.client.get(self.url())
                self.assertEqual(response.status_code, 200)
                if sees:
                    self.assertContains(response, TERMS)
                else:
                    self.assertNotContains(response, TERMS)
                    self.assertNotContains(response, "documents/")


class EditTestCase(AgreementTestCase):
    def test_it_offers_only_the_collaborations_parties(self):
        self.login(self.alice)
        response = self.client.get(f"/collaborations/{self.collaboration.pk}/agreements/new/")
        self.assertContains(response, f'value="{self.acme.pk}"')
        self.assertContains(response, f'value="{self.skane.pk}"')
        self.assertNotContains(response, f'value="{self.other.pk}"')

    def test_it_creates_an_agreement(self):
        self.login(self.alice)
        response = self.client.post(
            f"/collaborations/{self.collaboration.pk}/agreements/new/",
            {
                "kind": Agreement.Kind.CONFIDENTIALITY,
                "title": "Sekretessavtal",
                "parties": [self.skane.pk, self.acme.pk],
                "valid_from": "2025-02-01",
                "valid_to": "2026-01-31",
                "responsible": self.alice.pk,
                "terms": "Fem års sekretess.",
            },
        )
        created = Agreement.objects.get(title="Sekretessavtal")
        self.assertRedirects(response, created.get_absolute_url(), fetch_redirect_response=False)
        self.assertEqual(set(created.parties.all()), {self.skane, self.acme})
        self.assertEqual(created.valid_to, datetime.date(2026, 1, 31))
        self.assertEqual(created.responsible, self.alice)

    def test_it_refuses_an_organisation_outside_the_collaboration(self):
        self.login(self.alice)
        response = self.client.post(
            f"/collaborations/{self.collaboration.pk}/agreements/new/",
            {"kind": "other", "title": "Utanför", "parties": [self.other.pk]},
        )
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].errors["parties"])
        self.assertFalse(Agreement.objects.filter(title="Utanför").exists())

    def test_it_shows_the_actions_refusal_on_the_field(self):
        self.login(self.alice)
        response = self.client.post(
            self.url("edit/"),
            {
                "version": self.agreement.version,
                "kind": "collaboration",
                "title": "Baklänges",
                "valid_from": "2026-01-01",
                "valid_to": "2025-01-01",
            },
            HTTP_ACCEPT_LANGUAGE="en",
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn(
            "The agreement ends before it starts.", response.context["form"].errors["valid_to"]
        )
        self.agreement.refresh_from_db()
        self.assertEqual(self.agreement.title, "Samverkansavtal Acme")

    def test_it_refuses_a_stale_edit(self):
        self.login(self.alice)
        data = {
            "version": self.agreement.version,
            "kind": "collaboration",
            "title": "Första ändringen",
            "parties": [self.skane.pk, self.acme.pk],
        }
        self.assertEqual(self.client.post(self.url("edit/"), data).status_code, 302)
        response = self.client.post(self.url("edit/"), {**data, "title": "Andra ändringen"})
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].non_field_errors())
        self.agreement.refresh_from_db()
        self.assertEqual(self.agreement.title, "Första ändringen")
        self.assertEqual(self.agreement.version, 2)


class UploadTestCase(AgreementTestCase):
    def assert_refused(self, response, message: str) -> None:
        self.assertEqual(response.status_code, 200)
        self.assertIn(message, response.context["form"].errors["file"])
        self.assertContains(response, escape(message))
        self.assertEqual(AgreementDocument.objects.count(), 0)
        self.assertEqual(self.new_files(), set())

    def test_it_shows_a_file_input_for_the_allowed_types(self):
        self.login(self.alice)
        response = self.client.get(self.url("documents/"))
        self.assertContains(response, 'enctype="multipart/form-data"')
        self.assertContains(response, 'type="file"')
        self.assertContains(response, 'accept=".pdf,.docx,.odt"')

    def test_it_refuses_an_executable(self):
        response = self.post_upload(
            SimpleUploadedFile("setup.exe", b"MZ\x90\x00" + b"\x00" * 60), language="en"
        )
        self.assert_refused(response, "Upload a PDF, Word (.docx) or OpenDocument (.odt) file.")

    def test_it_refuses_a_renamed_file_that_is_not_a_pdf(self):
        response = self.post_upload(
            pdf("avtal.pdf", b"MZ\x90\x00 this is a program"), language="en"
        )
        self.assert_refused(response, "The file's content does not match its type.")

    def test_it_refuses_an_empty_file(self):
        response = self.post_upload(pdf("tomt.pdf", b""), language="en")
        self.assert_refused(response, "The file is empty.")

    def test_it_refuses_a_file_over_the_limit(self):
        with mock.patch.object(agreement_actions, "MAX_DOCUMENT_BYTES", len(PDF) - 1):
            response = self.post_upload(pdf(), language="en")
        self.assert_refused(response, "The file is larger than 76\xa0bytes.")

    def test_it_accepts_a_file_at_the_limit(self):
        with mock.patch.object(agreement_actions, "MAX_DOCUMENT_BYTES", len(PDF)):
            response = self.post_upload(pdf())
        self.assertRedirects(response, self.url(), fetch_redirect_response=False)
        self.assertEqual(AgreementDocument.objects.count(), 1)

    def test_it_keeps_every_version(self):
        self.assertEqual(self.post_upload(pdf("avtal-utkast.pdf")).status_code, 302)
        second = SimpleUploadedFile(
            "avtal-slutligt.docx",
            DOCX,
            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
        self.assertEqual(self.post_upload(second).status_code, 302)
        documents = list(self.agreement.documents.order_by("number"))
        self.assertEqual([d.number for d in documents], [1, 2])
        self.assertEqual(len(self.new_files()), 2)
        page = self.client.get(self.url())
        for document in documents:
            self.assertContains(page, document.original_name)
            self.assertContains(page, self.url(f"documents/{document.pk}/"))
        first = self.client.get(self.url(f"documents/{documents[0].pk}/"))
        self.assertEqual(streamed(first), PDF)


class DownloadTestCase(AgreementTestCase):
    def test_it_streams_the_exact_bytes_as_an_attachment(self):
        document = self.upload(pdf("Samverkansavtal Acme.pdf"))
        self.login(self.carol)
        response = self.client.get(self.url(f"documents/{document.pk}/"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(streamed(response), PDF)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertTrue(response["Content-Disposition"].startswith("attachment;"))
        self.assertIn('filename="Samverkansavtal Acme.pdf"', response["Content-Disposition"])
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")

    def test_it_stores_files_under_media_root_with_no_public_address(self):
        document = self.upload()
        path = Path(document.file.path)
        self.assertTrue(path.is_relative_to(Path(settings.MEDIA_ROOT)))
        self.assertNotIn("avtal", path.name)  # the stored name reveals nothing
        self.login(self.erin)
        for url in [f"/{document.file.name}", f"/media/{document.file.name}"]:
            with self.subTest(url=url):
                with self.assertRaises(Resolver404):
                    resolve(url)
                self.assertEqual(self.client.get(url).status_code, 404)

    def test_it_404s_a_document_of_another_agreement(self):
        document = self.upload()
        other = agreement_actions.do_save_agreement(
            self.collaboration,
            self.alice,
            agreement_actions.AgreementData(kind="other", title="Annat avtal", parties=[self.acme]),
        )
        self.login(self.alice)
        response = self.client.get(self.url(f"documents/{document.pk}/", agreement=other))
        self.assertEqual(response.status_code, 404)


class StatusTestCase(AgreementTestCase):
    def change(self, status: str, signed_on: str = ""):
        self.login(self.alice)
        self.agreement.refresh_from_db()
        return self.client.post(
            self.url("status/"),
            {"version": self.agreement.version, "status": status, "signed_on": signed_on},
            HTTP_ACCEPT_LANGUAGE="en",
            follow=True,
        )

    def test_it_offers_only_the_allowed_transitions(self):
        self.login(self.alice)
        response = self.client.get(self.url())
        form = response.context["status_form"]
        self.assertEqual(
            [value for value, _label in form.fields["status"].choices],
            ["negotiation", "signed", "terminated"],
        )
        self.assertContains(response, 'name="signed_on"')
        self.assertNotContains(response, 'value="expired"')

    def test_it_shows_no_status_form_to_others(self):
        self.login(self.carol)
        response = self.client.get(self.url())
        self.assertNotIn("status_form", response.context)
        self.assertNotContains(response, 'name="status"')

    def test_it_refuses_signing_without_a_document(self):
        response = self.change("signed", "2025-03-01")
        self.assertContains(response, "Upload the signed document first.")
        self.agreement.refresh_from_db()
        self.assertEqual(self.agreement.status, Agreement.Status.DRAFT)
        self.assertIsNone(self.agreement.signed_on)

    def test_it_asks_for_the_signing_date(self):
        self.upload()
        response = self.change("signed")
        self.assertContains(response, "Give the date the agreement was signed.")
        self.agreement.refresh_from_db()
        self.assertEqual(self.agreement.status, Agreement.Status.DRAFT)

    def test_it_signs_with_a_document(self):
        self.upload()
        self.meet_principles(self.agreement)
        response = self.change("signed", "2025-03-01")
        self.assertEqual(response.status_code, 200)
        self.agreement.refresh_from_db()
        self.assertEqual(self.agreement.status, Agreement.Status.SIGNED)
        self.assertEqual(self.agreement.signed_on, datetime.date(2025, 3, 1))
        self.assertEqual(
            [value for value, _label in response.context["status_form"].fields["status"].choices],
            ["expired", "terminated"],
        )

    def test_it_refuses_a_transition_that_is_not_allowed(self):
        response = self.change("expired")
        self.assertContains(response, "Choose a status the agreement can move to.")
        self.agreement.refresh_from_db()
        self.assertEqual(self.agreement.status, Agreement.Status.DRAFT)


class PrinciplesTestCase(AgreementTestCase):
    def test_it_saves_the_answers(self):
        self.login(self.alice)
        page = self.client.get(self.url("principles/"))
        self.assertContains(page, 'name="answer_publication"')
        response = self.client.post(
            self.url("principles/"),
            {
                "answer_publication": "yes",
                "comment_publication": "Publicering efter 60 dagars granskning.",
                "answer_non_exclusivity": "no",
                "answer_market_value": "na",
            },
        )
        self.assertRedirects(response, self.url(), fetch_redirect_response=False)
        saved = {
            a.principle.slug: (a.answer, a.comment)
            for a in PrincipleAnswer.objects.filter(agreement=self.agreement)
        }
        self.assertEqual(
            saved,
            {
                "publication": ("yes", "Publicering efter 60 dagars granskning."),
                "non_exclusivity": ("no", ""),
                "market_value": ("na", ""),
            },
        )
        detail = self.client.get(self.url())
        self.assertContains(detail, "Publicering efter 60 dagars granskning.")
        again = self.client.get(self.url("principles/"))
        self.assertEqual(again.context["form"].initial["answer_publication"], "yes")

    def test_it_refuses_a_comment_without_an_answer(self):
        self.login(self.alice)
        response = self.client.post(
            self.url("principles/"), {"comment_publication": "Oklart"}, HTTP_ACCEPT_LANGUAGE="en"
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Answer yes, no or not applicable.")
        self.assertFalse(PrincipleAnswer.objects.exists())


class PrincipleRulesTestCase(AgreementTestCase):
    """Each principle's rule comes from the reference data: a "no" blocks signing, or is
    allowed with a written justification recorded and shown on the agreement."""

    def answer(self, **answers: str) -> Any:
        self.login(self.alice)
        data = {f"answer_{p.slug}": "yes" for p in AgreementPrinciple.objects.all()}
        data.update(answers)
        return self.client.post(self.url("principles/"), data)

    def sign(self) -> Any:
        self.agreement.refresh_from_db()
        return self.client.post(
            self.url("status/"),
            {"version": self.agreement.version, "status": "signed", "signed_on": "2025-03-01"},
            HTTP_ACCEPT_LANGUAGE="en",
            follow=True,
        )

    def test_the_rules_come_from_the_reference_data(self):
        blocking = set(
            AgreementPrinciple.objects.filter(blocks_signing=True).values_list("slug", flat=True)
        )
        self.assertIn("non_exclusivity", blocking)
        self.assertNotIn("publication", blocking)

    def test_a_no_on_non_exclusivity_blocks_signing_on_the_page(self):
        self.upload()
        self.answer(answer_non_exclusivity="no", justification_non_exclusivity="Vi vill")
        response = self.sign()
        self.assertContains(response, "which signing requires")
        self.agreement.refresh_from_db()
        self.assertEqual(self.agreement.status, Agreement.Status.DRAFT)
        self.assertContains(response, "Not met: the agreement cannot be signed.")

    def test_a_no_on_non_exclusivity_blocks_signing_through_the_api(self):
        self.upload()
        self.answer(answer_non_exclusivity="no")
        self.agreement.refresh_from_db()
        response = self.client.post(
            f"/api/v1/collaborations/{self.collaboration.pk}/agreements/{self.agreement.pk}/status",
            {"status": "signed", "signed_on": "2025-03-01", "version": self.agreement.version},
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="en",
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("Non-exclusivity", response.json()["detail"])

    def test_a_no_elsewhere_needs_a_justification_shown_on_the_agreement(self):
        self.upload()
        self.answer(answer_publication="no")
        response = self.sign()
        self.assertContains(response, "Justify in writing why the agreement does not meet")
        self.answer(
            answer_publication="no",
            justification_publication="Publicering efter patentansökan, högst 6 månader.",
        )
        response = self.sign()
        self.assertContains(response, "The agreement is now “Signed”.")
        self.assertContains(response, "Publicering efter patentansökan, högst 6 månader.")
        answer = PrincipleAnswer.objects.get(
            agreement=self.agreement, principle__slug="publication"
        )
        self.assertEqual(answer.justification, "Publicering efter patentansökan, högst 6 månader.")

    def test_the_signing_form_says_up_front_what_is_missing(self):
        self.login(self.alice)
        response = self.client.get(self.url(), HTTP_ACCEPT_LANGUAGE="en")
        blockers = response.context["signing_blockers"]
        self.assertIn("Upload the signed document first.", blockers)
        self.assertTrue(any("Answer the principle" in b for b in blockers))
        self.assertContains(response, "Before the agreement can be signed:")
        self.upload()
        self.meet_principles(self.agreement)
        response = self.client.get(self.url(), HTTP_ACCEPT_LANGUAGE="en")
        self.assertEqual(response.context["signing_blockers"], [])
        self.assertNotContains(response, "Before the agreement can be signed:")

    def test_the_justification_field_is_offered_only_where_a_no_is_allowed(self):
        self.login(self.alice)
        page = self.client.get(self.url("principles/"))
        self.assertContains(page, 'name="justification_publication"')
        self.assertNotContains(page, 'name="justification_non_exclusivity"')


class QueryCountTestCase(AgreementTestCase):
    def count(self, user) -> int:
        self.login(user)
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(self.url())
        self.assertEqual(response.status_code, 200)
        return len(queries)

    def test_it_does_not_grow_with_documents_and_answers(self):
        self.upload()
        agreement_actions.do_answer_principles(
            self.agreement, self.alice, {"publication": ("yes", "")}
        )
        one = {user.username: self.count(user) for user in (self.alice, self.carol, self.bob)}
        for _i in range(6):
            self.upload()
        agreement_actions.do_answer_principles(
            self.agreement,
            self.alice,
            dict.fromkeys(["results_ip", "non_exclusivity", "data_protection"], ("yes", "ok")),
        )
        many = {user.username: self.count(user) for user in (self.alice, self.carol, self.bob)}
        self.assertEqual(many, one)
        self.assertEqual(self.agreement.documents.count(), 7)


class AdminTestCase(AgreementTestCase):
    def test_it_shows_the_documents_read_only_in_the_admin(self):
        document = self.upload()
        self.login(self.erin)
        response = self.client.get(f"/admin/agreements/agreement/{self.agreement.pk}/change/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, self.url(f"documents/{document.pk}/"))
        self.assertNotContains(response, 'type="file"')
        self.assertNotContains(response, 'name="title"')  # nothing editable
        principles = self.client.get("/admin/agreements/agreementprinciple/")
        self.assertContains(principles, "publication")
