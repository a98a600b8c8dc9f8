"""Answers for the bad day: the database is away."""

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    """A lost database connection answers 503 with `Retry-After`, not a 500 traceback.

    Pages get a short page in the visitor's language (the language comes from the cookie
    or the browser, never from the database); the API gets its usual JSON `detail`. The
    page is rendered without the request, so no context processor, session or user is
    read from the database that is away. Connection health checks (`CONN_HEALTH_CHECKS`)
    let the next request open a fresh connection once it is back.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        # The class only: the message may carry a host name or a query with personal data.
        logger.warning("Database unavailable: %s", type(exception).__name__)
        message = _("The service is briefly unavailable. Please try again in a minute.")
        response: HttpResponse
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": message}, status=503)
        else:
            html = render_to_string("503.html", {"message": message, "nav_user": None})
            response = HttpResponse(html, status=503)
        response["Retry-After"] = str(settings.DATABASE_RETRY_AFTER)
        response["Cache-Control"] = "no-store"
        return response
