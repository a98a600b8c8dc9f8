"""The API's reference page, drawn on the server from the OpenAPI document in the site's
layout: every operation with its parameters, body and answers, readable with a keyboard and
a screen reader, in both languages' frame. The JSON document stays the machine-readable
source; Swagger UI's page did not pass an accessibility check."""

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja.openapi.docs import DocsBase

if TYPE_CHECKING:
    from ninja import NinjaAPI

METHODS = ("get", "post", "put", "patch", "delete")


def _schema_name(schema: dict[str, Any]) -> str:
    """A short name for a schema: its reference, its type, or the type of its items."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if schema.get("type") == "array":
        return f"array of {_schema_name(schema.get('items', {}))}"
    if "anyOf" in schema:
        return " | ".join(_schema_name(option) for option in schema["anyOf"])
    return str(schema.get("format") or schema.get("type") or "")


def operations_by_tag(document: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The document's operations grouped by their first tag, in the document's order."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            body = operation.get("requestBody", {}).get("content", {})
            groups.setdefault((operation.get("tags") or ["api"])[0], []).append(
                {
                    "id": operation.get("operationId", f"{method}-{path}"),
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": [
                        {
                            "name": parameter["name"],
                            "where": parameter.get("in", ""),
                            "required": parameter.get("required", False),
                            "type": _schema_name(parameter.get("schema", {})),
                            "description": parameter.get("description", ""),
                        }
                        for parameter in operation.get("parameters", [])
                    ],
                    "body": [
                        (media, _schema_name(content.get("schema", {})))
                        for media, content in body.items()
                    ],
                    "responses": [
                        (
                            code,
                            answer.get("description", ""),
                            ", ".join(
                                _schema_name(c.get("schema", {}))
                                for c in answer.get("content", {}).values()
                            ),
                        )
                        for code, answer in operation.get("responses", {}).items()
                    ],
                    "public": not operation.get("security"),
                }
            )
    return list(groups.items())


class ReferenceDocs(DocsBase):
    template = "api/docs.html"

    def render_page(self, request: HttpRequest, api: "NinjaAPI", **kwargs: Any) -> HttpResponse:
        document = api.get_openapi_schema(path_params=kwargs)
        context = {
            "api": api,
            "openapi_url": self.get_openapi_url(api, kwargs),
            "groups": operations_by_tag(document),
            "schemas": sorted(document.get("components", {}).get("schemas", {})),
        }
        return render(request, self.template, context)
