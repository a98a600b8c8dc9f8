"""The OpenAPI document says every answer an operation can give.

Django Ninja documents the answers a view declares; the errors that come from the
machinery around every view are added here, where they occur:

- 401 and 403 on operations behind a login or token (no or a read-only token, a role
  that may not);
- 404 where the path names a record;
- 422 where there are parameters or a body to validate, 400 and 413 where there is a
  body (unreadable JSON, a body over the limit);
- 503 everywhere (the database is briefly away; see core.middleware).
"""

from typing import Any

from ninja import NinjaAPI

ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}
DESCRIPTIONS = {
    400: "The body is not readable JSON text.",
    401: "Log in, or send a valid token.",
    403: "The token or the role may not do this.",
    404: "Not found, or not visible to the caller.",
    409: "The record changed since the version sent.",
    413: "The body is over the size limit.",
    422: "The input has errors, listed per field.",
    429: "Too many requests from this address.",
    503: "The service is briefly unavailable; try again after Retry-After seconds.",
}


def _error(code: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": DESCRIPTIONS[code],
        "content": {"application/json": {"schema": ERROR_REF}},
    }
    if code == 503:
        response["headers"] = {"Retry-After": {"schema": {"type": "integer"}}}
    return response


def add_error_responses(document: dict[str, Any]) -> dict[str, Any]:
    """Add the machinery's error answers to every operation of `document`."""
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            parameters = operation.get("parameters", [])
            codes = {503}
            if operation.get("security"):
                codes |= {401, 403}
            if any(p.get("in") == "path" for p in parameters):
                codes.add(404)
            if parameters or "requestBody" in operation:
                codes.add(422)
            if "requestBody" in operation:
                codes |= {400, 413}
            responses = operation["responses"]
            for code in sorted(codes):
                responses.setdefault(str(code), _error(code))
    return document


class DocumentedApi(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        document = super().get_openapi_schema(*args, **kwargs)
        components = document.setdefault("components", {}).setdefault("schemas", {})
        if "ErrorOut" not in components:
            from .schemas import ErrorOut

            components["ErrorOut"] = ErrorOut.model_json_schema()
        return add_error_responses(document)
