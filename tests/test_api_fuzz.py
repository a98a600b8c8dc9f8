"""Every operation of the OpenAPI document, driven by schemathesis with generated input,
anonymously and with a coordinator's read-write token: no server error, every answer as
the document says (status, content type, body), none slower than two seconds.

The calls go straight to the WSGI application (no server); each operation gets
up to `EXAMPLES` generated cases (fewer where the input space is small), each sent
twice (anonymous, then with the token): more than 2,000 cases over the whole document.
"""

import datetime
import time
from collections.abc import Iterator

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from samverkan.api.actions import do_create_api_token
from samverkan.api.models import ApiToken
from samverkan.collaborations import actions as collab
from samverkan.reference.loader import load_reference
from samverkan.test import BaseTestCase, submit_inquiry

EXAMPLES = 32
SLOWEST = 2.0  # seconds
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
CALLS: list[float] = []
CASES: list[str] = []


@pytest.fixture(autouse=True)
def keep_the_test_connection() -> Iterator[None]:
    """Calls go to the WSGI application, which closes a connection inside a transaction
    at each request's start and end; the test's database lives in that transaction, so
    keep the connection open, as Django's test client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def data(db) -> None:
    """A database with a little of everything, so that generated ids sometimes find a
    record."""
    load_reference()
    alice = BaseTestCase._user("alice", "coordinator")
    submit_inquiry()
    collab.do_create_collaboration(
        alice,
        collab.CollaborationData(
            title="Pilot",
            kind="pilot",
            summary="Ett pilotprojekt.",
            start_date=datetime.date(2025, 1, 1),
        ),
    )


@pytest.fixture
def token(data) -> str:
    from samverkan.accounts.models import User

    _, key = do_create_api_token(
        User.objects.get(username="alice"), "fuzz", ApiToken.Scope.READ_WRITE
    )
    return key


# The document as the application serves it (building it reads no database).
def timed_call(case, headers):
    started = time.monotonic()
    response = case.call(headers=headers)
    elapsed = time.monotonic() - started
    CALLS.append(elapsed)
    return response, elapsed


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
# Generated cases only (the "coverage" phase would add a hundred boundary cases per
# operation: too slow for every run of the suite).
schema.config.phases.coverage.enabled = False


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_holds_to_its_document(case, token, settings):
    settings.RATELIMIT_ENABLE = False  # the intake limit is tested on its own
    CASES.append(case.operation.label)
    for headers in [{}, {"Authorization": f"Bearer {token}"}]:
        response, elapsed = timed_call(case, headers)
        case.validate_response(response, checks=CHECKS, headers=headers)
        if elapsed >= SLOWEST:
            # Once more, to tell a slow operation from a busy machine's hiccup.
            response, elapsed = timed_call(case, headers)
        assert elapsed < SLOWEST, f"{case.method} {case.formatted_path} took {elapsed:.2f} s"


def teardown_module() -> None:
    if CALLS:
        ordered = sorted(CALLS)
        median, slowest = ordered[len(ordered) // 2] * 1000, ordered[-1] * 1000
        operations = len(set(CASES))
        print(f"\n{len(CASES)} cases over {operations} operations, {len(CALLS)} calls;")
        print(f"median {median:.0f} ms, slowest {slowest:.0f} ms")
