"""Hypothesis drives the public inquiry form and the API intake with hostile text: every
answer is a page or a 4xx, never a 500, and an inquiry is stored whole or not at all."""

import json
import uuid

from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from samverkan.inquiries.models import Inquiry
from samverkan.reference.loader import load_reference
from samverkan.test import intake_payload

# Any text: control characters, line breaks, right-to-left marks, formula starts, very
# long words, and (in JSON) lone surrogates.
TEXT = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=50),
    st.sampled_from(["=cmd|' /C calc'!A0", "A" * 20_000, "x\r\nBcc: a@b.c", "\u202e\x00"]),
)
FIELDS = ["organisation_name", "contact_name", "contact_email", "title", "description"]
SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None
)


@override_settings(RATELIMIT_ENABLE=False)
class HostileIntakeTest(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        load_reference()

    @SETTINGS
    @given(field=st.sampled_from(FIELDS), value=TEXT)
    def test_the_public_form_never_fails(self, field, value):
        before = Inquiry.objects.count()
        data = {k: v for k, v in intake_payload().items() if not isinstance(v, bool)}
        data.update(operations_in_sweden="on", consent="on", website="")
        data["form_token"] = str(uuid.uuid4())
        data[field] = value.replace("\x00", "")  # a form post cannot carry NUL
        response = self.client.post("/inquiries/new/", data)
        self.assertLess(response.status_code, 500)
        self.assertIn(Inquiry.objects.count() - before, {0, 1})

    @SETTINGS
    @given(
        field=st.sampled_from(FIELDS),
        value=st.one_of(TEXT, st.just("x\ud800y"), st.integers(), st.none(), st.lists(TEXT)),
    )
    def test_the_api_intake_never_fails(self, field, value):
        before = Inquiry.objects.count()
        body = json.dumps(intake_payload(**{field: value}))
        response = self.client.post("/api/v1/inquiries", body, content_type="application/json")
        self.assertIn(response.status_code, {200, 201, 400, 413, 422})
        stored = Inquiry.objects.count() - before
        self.assertEqual(stored, 1 if response.status_code == 201 else 0)
