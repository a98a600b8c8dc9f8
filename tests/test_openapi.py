"""The OpenAPI document: well-formed, and every operation in it answers without a server error."""

import datetime
import json
import re
import shutil
import tempfile
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from samverkan.agreements import actions as agreement_actions
from samverkan.collaborations import actions as collab
from samverkan.needs.models import Need
from samverkan.orgs.models import Contact, Event, Organisation
from samverkan.register import actions as register
from samverkan.strategy.models import Point
from samverkan.test import BaseTestCase

PARAM = re.compile(r"{(\w+)}")


class OpenApiDocumentTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.media = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.media, True)
        self.enterContext(override_settings(MEDIA_ROOT=self.media))

    def document(self) -> dict[str, Any]:
        response = self.client.get("/api/v1/openapi.json")
        self.assertEqual(response.status_code, 200)
        return response.json()

    def test_the_document_is_well_formed(self):
        doc = self.document()
        self.assertTrue(doc["openapi"].startswith("3."))
        operation_ids = []
        for path, operations in doc["paths"].items():
            self.assertTrue(path.startswith("/api/v1/"), path)
            for method, operation in operations.items():
                self.assertIn(method, {"get", "post", "put", "patch", "delete"})
                self.assertTrue(operation.get("responses"), f"{method} {path}")
                operation_ids.append(operation["operationId"])
        self.assertEqual(len(operation_ids), len(set(operation_ids)))
        schemas = doc.get("components", {}).get("schemas", {})
        for ref in re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', json.dumps(doc)):
            self.assertIn(ref, schemas)

    def values(self) -> dict[str, str]:
        """A real object for every kind of path parameter."""
        call_command("load_strategies", verbosity=0)
        inquiry = self.routed(self.rare)
        skane = Organisation.objects.get(name="Region Skåne")
        collaboration = collab.do_create_collaboration(
            self.alice,
            collab.CollaborationData(title="Pilot", kind="pilot", summary="Ett pilotprojekt."),
        )
        party = collab.do_save_party(
            collaboration, self.alice, collab.PartyData(skane, "infrastructure_party")
        )
        collab.do_save_party(collaboration, self.alice, collab.PartyData(self.acme, "company"))
        funding = collab.do_save_funding_application(
            collaboration,
            self.alice,
            collab.FundingData(funder="vinnova", call="Utlysning", amount_applied=1000),
        )
        agreement = agreement_actions.do_save_agreement(
            collaboration,
            self.alice,
            agreement_actions.AgreementData(
                kind="collaboration", title="Avtal", parties=[skane, self.acme]
            ),
        )
        document = agreement_actions.do_upload_agreement_document(
            agreement, self.alice, SimpleUploadedFile("avtal.pdf", b"%PDF-1.4 test")
        )
        activity = collab.do_save_communication(
            collaboration,
            self.alice,
            collab.CommunicationData(kind="news", title="Nyhet", text="GMS och Acme."),
        )
        follow_up = collab.do_add_follow_up(
            collaboration, self.alice, "interim", collaboration.created_at.date()
        )
        contact = Contact.objects.get(organisation=self.acme)
        event = Event.objects.create(
            title="Industridag", kind="industry_day", date=collaboration.created_at.date()
        )
        need = Need.objects.create(
            committee=self.rare,
            title="Behov",
            description="Text",
            kind="research",
            status=Need.Status.PUBLISHED,
        )
        register.enter_register(collaboration)
        register.publish_due_entries(timezone.localdate() + datetime.timedelta(days=15))
        point = Point.objects.order_by("pk").first()
        assert point is not None
        return {
            "inquiry_id": str(inquiry.pk),
            "committee": self.rare.slug,
            "collaboration_id": str(collaboration.pk),
            "party_id": str(party.pk),
            "funding_id": str(funding.pk),
            "agreement_id": str(agreement.pk),
            "document_id": str(document.pk),
            "activity_id": str(activity.pk),
            "follow_up_id": str(follow_up.pk),
            "organisation_id": str(self.acme.pk),
            "contact_id": str(contact.pk),
            "event_id": str(event.pk),
            "need_id": str(need.pk),
            "point_id": str(point.pk),
            "strategy_id": str(point.strategy_id),
        }

    def test_every_operation_answers_without_a_server_error(self):
        values = self.values()
        self.login(self.alice)
        doc = self.document()
        exercised = 0
        for path, operations in doc["paths"].items():
            url = PARAM.sub(lambda m: values[m.group(1)], path)
            for method in operations:
                with self.subTest(method=method, path=path):
                    call = getattr(self.client, method)
                    if method in {"post", "put", "patch"}:
                        response = call(url, "{}", content_type="application/json")
                    else:
                        response = call(url)
                    body = b"" if response.streaming else response.content[:300]
                    self.assertLess(response.status_code, 500, body)
                    if method == "get":
                        self.assertEqual(response.status_code, 200, body)
                    exercised += 1
        self.assertGreaterEqual(exercised, 60)
