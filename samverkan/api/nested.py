"""One pattern for the records the API reaches under another: a collaboration's parties,
funding, agreements, communication and follow-ups, an organisation's contacts and
interactions.

`Nested(router, __name__, "collaboration_id", parent)` describes the parent: its path
parameter and how to fetch it for the requesting user (404 when they may not see it).
`nested.resource(...)` then registers, from the schemas and small functions given, the
operations a kind of record has:

    GET  <path>                 list_<plural>     -> list[out]
    POST <path>                 create_<singular> -> 201 detail, or the errors
    GET  <path>/{item_param}    get_<singular>    -> detail
    PUT  <path>/{item_param}    update_<singular> -> 200 detail, or the errors

where <path> names the parent, such as "/{collaboration_id}/parties", and `detail` is `out`
unless a record shows more on its own than in a list.

The operations are named as if written by hand in the router's module, so their operation
ids, summaries and descriptions in the OpenAPI document are what they always were. What a
kind of record does beyond these (a status change, a decision, an upload) stays an ordinary
view beside it, using the same `fetch`.
"""

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from ninja import Router, Status
from ninja.pagination import paginate

from samverkan.core.http import ApiRequest

from .schemas import WRITE_ERRORS, Pagination
from .security import api_auth

Parent = Callable[[ApiRequest, int], Any]
# (request, parent) -> the records to list
Items = Callable[[ApiRequest, Any], Any]
# (request, parent, item id) -> the record as the user may see it, or 404
Fetch = Callable[[ApiRequest, Any, int], Any]
# (request, parent, payload) -> the new record as answered
Create = Callable[[ApiRequest, Any, Any], Any]
# (request, record, payload) -> the changed record as answered
Update = Callable[[ApiRequest, Any, Any], Any]


@dataclass(frozen=True)
class Nested:
    router: Router
    module: str  # the router's module: operation ids are "<module>_<function name>"
    parent_param: str  # "collaboration_id"
    parent: Parent

    def _view(self, name: str, doc: str | None, params: dict[str, Any], call: Any) -> Any:
        def view(request: ApiRequest, **kwargs: Any) -> Any:
            return call(request, **kwargs)

        view.__name__ = view.__qualname__ = name
        view.__module__ = self.module
        view.__doc__ = doc
        parameter = inspect.Parameter
        view.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [
                parameter("request", parameter.POSITIONAL_OR_KEYWORD, annotation=ApiRequest),
                *(
                    parameter(key, parameter.POSITIONAL_OR_KEYWORD, annotation=annotation)
                    for key, annotation in params.items()
                ),
            ]
        )
        return view

    def resource(
        self,
        path: str,
        *,
        singular: str,
        plural: str,
        out: Any,
        items: Items,
        detail: Any = None,
        item_param: str = "",
        fetch: Fetch | None = None,
        get: bool = False,
        create: Create | None = None,
        create_in: Any = None,
        update: Update | None = None,
        update_in: Any = None,
        paginated: bool = False,
        summaries: dict[str, str] | None = None,
        docs: dict[str, str] | None = None,
    ) -> None:
        """Register list (always), then create, get and update where given, in that order."""
        if (get or update is not None) and fetch is None:
            raise ValueError("get and update need fetch")
        detail = detail or out
        summaries = summaries or {}
        docs = docs or {}
        if f"{{{self.parent_param}}}" not in path:
            raise ValueError(f"{path} does not name {self.parent_param}")
        collection = path
        member = f"{collection}/{{{item_param}}}"
        parent_id = {self.parent_param: int}

        def find(request: ApiRequest, **ids: int) -> Any:
            parent = self.parent(request, ids[self.parent_param])
            return fetch(request, parent, ids[item_param])  # type: ignore[misc]

        view = self._view(
            f"list_{plural}",
            docs.get("list"),
            parent_id,
            lambda request, **ids: items(request, self.parent(request, ids[self.parent_param])),
        )
        if paginated:
            view = paginate(Pagination, page_size=settings.PAGE_SIZE)(view)
        self.router.get(
            collection, auth=api_auth, response=list[out], summary=summaries.get("list")
        )(view)

        if create is not None:
            self.router.post(
                collection,
                auth=api_auth,
                response={201: detail, **WRITE_ERRORS},
                summary=summaries.get("create"),
            )(
                self._view(
                    f"create_{singular}",
                    docs.get("create"),
                    {**parent_id, "payload": create_in},
                    lambda request, payload, **ids: Status(
                        201, create(request, self.parent(request, ids[self.parent_param]), payload)
                    ),
                )
            )
        if get:
            self.router.get(member, auth=api_auth, response=detail, summary=summaries.get("get"))(
                self._view(f"get_{singular}", docs.get("get"), {**parent_id, item_param: int}, find)
            )
        if update is not None:
            self.router.put(
                member,
                auth=api_auth,
                response={200: detail, **WRITE_ERRORS},
                summary=summaries.get("update"),
            )(
                self._view(
                    f"update_{singular}",
                    docs.get("update"),
                    {**parent_id, item_param: int, "payload": update_in},
                    lambda request, payload, **ids: update(request, find(request, **ids), payload),
                )
            )
