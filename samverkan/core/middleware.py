"""Answers for the bad day: a request too large, a number no table can hold, the
database away. Each gets a clear 4xx or 503, never a 500 with a traceback."""

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from .models import _in_request, _request_infrastructure

logger = logging.getLogger(__name__)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _too_large(request: HttpRequest) -> HttpResponse:
    message = _("The request is too large.")
    if _is_api(request):
        return JsonResponse({"detail": message}, status=413)
    return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")


def _has_nul(request: HttpRequest) -> bool:
    return "\x00" in request.path or any(
        "\x00" in key or any("\x00" in value for value in values)
        for key, values in request.GET.lists()
    )


class RequestSizeMiddleware:
    """Refuse a body over the limit with 413 before anything reads it.

    A multipart body (a form with a file) may be as large as `MAX_UPLOAD_SIZE`; any other
    body as large as Django's `DATA_UPLOAD_MAX_MEMORY_SIZE`. A body that hides its size
    (chunked) is still cut by Django when read, and answered 413 below as well.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return HttpResponse(_("Bad request."), status=400)
        if _has_nul(request):
            # PostgreSQL refuses a NUL in any text: say so before a query fails on it. The
            # API documents a bad parameter as 422.
            if _is_api(request):
                return JsonResponse({"detail": _("A parameter holds a NUL character.")}, status=422)
            return HttpResponse(_("Bad request."), status=400)
        multipart = request.content_type == "multipart/form-data"
        limit = settings.MAX_UPLOAD_SIZE if multipart else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > limit:
            return _too_large(request)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RequestDataTooBig):
            return _too_large(request)
        return None


class DatabaseErrorsMiddleware:
    """A lost database connection answers 503 with `Retry-After`, not a 500 traceback;
    an id no database column can hold (beyond 64 bits) is simply not found.

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
        if isinstance(exception, OverflowError):
            # SQLite cannot even compare such a number; no row can have it.
            raise Http404 from exception
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        # The class only: the message may carry a host name or a query with personal data.
        logger.warning("Database unavailable: %s", type(exception).__name__)
        message = _("The service is briefly unavailable. Please try again in a minute.")
        response: HttpResponse
        if _is_api(request):
            response = JsonResponse({"detail": message}, status=503)
        else:
            html = render_to_string("503.html", {"message": message, "nav_user": None})
            response = HttpResponse(html, status=503)
        response["Retry-After"] = str(settings.DATABASE_RETRY_AFTER)
        response["Cache-Control"] = "no-store"
        return response


class InfrastructureMiddleware:
    """Read the infrastructure row at most once per request, and forget it afterwards."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        in_request = _in_request.set(True)
        cached = _request_infrastructure.set(None)
        try:
            return self.get_response(request)
        finally:
            _request_infrastructure.reset(cached)
            _in_request.reset(in_request)
