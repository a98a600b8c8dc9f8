"""The OpenAPI document tells the truth: one schema per name, the errors each operation
can answer, downloads in their real types."""

from typing import Any

from samverkan.test import BaseTestCase


class OpenApiTruthTest(BaseTestCase):
    def document(self) -> dict[str, Any]:
        return self.client.get("/api/v1/openapi.json").json()

    def schema(self, doc: dict[str, Any], ref: str) -> dict[str, Any]:
        return doc["components"]["schemas"][ref.rsplit("/", 1)[-1]]

    def test_the_funding_of_a_collaboration_and_of_the_register_are_two_schemas(self):
        doc = self.document()
        listing = doc["paths"]["/api/v1/collaborations/{collaboration_id}/funding"]["get"]
        items = listing["responses"]["200"]["content"]["application/json"]["schema"]["items"]
        self.assertIn("funder", self.schema(doc, items["$ref"])["properties"])
        self.assertIn("RegisterFundingOut", doc["components"]["schemas"])

    def test_every_operation_documents_the_errors_it_can_answer(self):
        for path, operations in self.document()["paths"].items():
            for method, operation in operations.items():
                codes = set(operation["responses"])
                where = f"{method.upper()} {path}"
                self.assertIn("503", codes, where)
                if operation.get("security"):
                    self.assertTrue({"401", "403"} <= codes, where)
                if "{" in path:
                    self.assertIn("404", codes, where)
                if operation.get("parameters") or "requestBody" in operation:
                    self.assertIn("422", codes, where)

    def test_a_download_is_documented_in_its_real_types(self):
        paths = self.document()["paths"]
        download = paths[
            "/api/v1/collaborations/{collaboration_id}/agreements/{agreement_id}"
            "/documents/{document_id}/download"
        ]["get"]
        types = set(download["responses"]["200"]["content"])
        self.assertIn("application/pdf", types)
        self.assertNotIn("application/octet-stream", types)
