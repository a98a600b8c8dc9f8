from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError

from samverkan.core.models import StaleRecordError

from . import collaborations, inquiries, reference, register, strategy
from .docs import ReferenceDocs
from .openapi import DocumentedApi
from .schemas import StrictJsonParser

api = DocumentedApi(
    title="Samverkan API",
    version="1",
    description=(
        "Industry collaboration for national precision-medicine infrastructures. "
        "Public endpoints need no account; the others use the session of a logged-in user."
    ),
    urls_namespace="api",
    docs=ReferenceDocs(),
    parser=StrictJsonParser(),
)
api.add_router("/inquiries", inquiries.router)
api.add_router("/collaborations", collaborations.router)
api.add_router("/register", register.router)
api.add_router("/match", "samverkan.api.matching.router")
api.add_router("/", reference.router)
api.add_router("/", strategy.router)
api.add_router("/", "samverkan.api.network.router")


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        return api.create_response(
            request,
            {"detail": _("The request has errors."), "errors": exc.message_dict},
            status=422,
        )
    return api.create_response(request, {"detail": " ".join(exc.messages)}, status=400)


@api.exception_handler(NinjaValidationError)
def on_schema_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    """Malformed input (a date that is no date): the same error body as every other 422."""
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        location = [
            str(part)
            for part in error.get("loc", ())
            if part not in ("body", "query", "payload", "path")
        ]
        errors.setdefault(".".join(location) or "request", []).append(str(error.get("msg", "")))
    return api.create_response(
        request, {"detail": _("The request has errors."), "errors": errors}, status=422
    )


@api.exception_handler(StaleRecordError)
def on_stale(request: HttpRequest, exc: StaleRecordError) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc)}, status=409)


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": _("You may not do this.")}, status=403)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(OverflowError)
def on_overflow(request: HttpRequest, exc: OverflowError) -> HttpResponse:
    """An id beyond 64 bits in a path: no row can have it (SQLite cannot even compare)."""
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {"detail": _("Log in first.")}, status=401)
