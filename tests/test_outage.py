"""A database outage answers 503 with Retry-After, in the visitor's language, for pages
and the API alike, and the platform recovers by itself when the database is back."""

import contextlib
import socket
from collections.abc import Iterator

from django.core.cache import caches
from django.db import connection
from django.test import TransactionTestCase

from samverkan.reference.loader import load_reference
from samverkan.test import intake_payload


def closed_port() -> int:
    """A local port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def database_away() -> Iterator[None]:
    """Point the connection at a database that is not there: PostgreSQL at a closed port,
    SQLite at a file in a directory that does not exist. The driver fails for real.

    The open connection is kept aside (for SQLite's in-memory test database, closing it
    would drop the database) and put back afterwards.
    """
    saved_settings = dict(connection.settings_dict)
    kept = connection.connection
    connection.connection = None
    if connection.vendor == "postgresql":
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port()))
        connection.settings_dict["OPTIONS"] = {
            **connection.settings_dict["OPTIONS"],
            "connect_timeout": 2,
        }
    else:
        connection.settings_dict["NAME"] = "/nonexistent-samverkan-dir/samverkan.sqlite3"
    try:
        yield
    finally:
        if connection.connection is not None:
            connection.connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved_settings)
        connection.connection = kept


class OutageTest(TransactionTestCase):
    def setUp(self) -> None:
        load_reference()
        # Public register answers this process cached earlier would be served without the
        # database (as they should): start from none, to see what an uncached call does.
        caches["local"].clear()

    def test_pages_answer_503_in_the_visitors_language(self):
        with database_away():
            english = self.client.get("/register/", HTTP_ACCEPT_LANGUAGE="en")
            swedish = self.client.get("/register/", HTTP_ACCEPT_LANGUAGE="sv")
        self.assertEqual(english.status_code, 503)
        self.assertEqual(english["Retry-After"], "30")
        self.assertContains(english, "briefly unavailable", status_code=503)
        self.assertContains(english, '<html lang="en">', status_code=503)
        self.assertEqual(swedish.status_code, 503)
        self.assertContains(swedish, "tillfälligt", status_code=503)
        self.assertNotContains(swedish, "Traceback", status_code=503)

    def test_the_api_answers_503_as_json(self):
        with database_away():
            response = self.client.get("/api/v1/register/collaborations")
            post = self.client.post(
                "/api/v1/inquiries", intake_payload(), content_type="application/json"
            )
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response["Retry-After"], "30")
        self.assertIn("detail", response.json())
        self.assertEqual(post.status_code, 503)

    def test_it_recovers_by_itself_when_the_database_is_back(self):
        with database_away():
            self.assertEqual(self.client.get("/register/").status_code, 503)
        self.assertEqual(self.client.get("/register/").status_code, 200)
        self.assertEqual(self.client.get("/api/v1/register/collaborations").status_code, 200)
