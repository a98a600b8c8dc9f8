"""The public register's pages and API answers, cached until the register changes.

Every cached answer is keyed by a generation number; any change to an entry (publishing,
a correction, unpublishing, the sweep ending a correction period) takes a new number, so
the next request renders afresh. What is cached is public: fragments without a CSRF token
for the pages, whole answers for the anonymous API.
"""

import hashlib
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.messages import get_messages
from django.core.cache import cache, caches
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.translation import get_language

GENERATION_KEY = "register:generation"
# A bound on staleness of what the generation does not cover (a committee renamed).
TIMEOUT = 600


# How long a process trusts the generation it last read: a change reaches the other
# processes within this time, and a cached answer costs no query at all meanwhile.
GENERATION_TRUST = 2


def generation() -> int:
    local = caches["local"]
    value = local.get(GENERATION_KEY)
    if value is None:
        value = cache.get(GENERATION_KEY)
        if value is None:
            value = time.time_ns()
            cache.add(GENERATION_KEY, value, None)
        local.set(GENERATION_KEY, value, GENERATION_TRUST)
    return int(value)


def _bump() -> None:
    value = time.time_ns()
    cache.set(GENERATION_KEY, value, None)
    caches["local"].set(GENERATION_KEY, value, GENERATION_TRUST)


def changed() -> None:
    """The register changed: forget every cached answer, now and again on commit (so a
    request that read the old rows meanwhile cannot keep them cached)."""
    _bump()
    transaction.on_commit(_bump)


def _key(request: HttpRequest, kind: str) -> str:
    query = sorted(request.GET.lists())
    digest = hashlib.sha256(repr((request.path, query)).encode()).hexdigest()[:32]
    return f"register:{kind}:{generation()}:{get_language()}:{digest}"


def fragments(
    request: HttpRequest, kind: str, build: Callable[[], dict[str, str]]
) -> dict[str, str]:
    """Rendered parts of a public page, built once per register generation and query."""
    key = _key(request, kind)
    parts: dict[str, str] | None = caches["local"].get(key)
    if parts is None:
        parts = build()
        caches["local"].set(key, parts, TIMEOUT)
    return parts


# Stands in for the CSRF token in a page cached for every visitor; each answer puts the
# visitor's own token in its place.
CSRF_PLACEHOLDER = "register-csrf-token-placeholder"


def visitor_page(
    request: HttpRequest, kind: str, render_page: Callable[[dict[str, Any]], HttpResponse]
) -> HttpResponse:
    """A whole public page for visitors who are not signed in, rendered once per register
    generation, query and language: a visitor's request then costs no query and no
    template. `render_page(extra)` renders it with `extra` added to its context.

    Signed-in people (their name in the header) and a visitor with a message waiting get
    the page rendered for them."""
    user = getattr(request, "user", None)
    if (user is not None and user.is_authenticated) or len(get_messages(request)):
        return render_page({})
    key = _key(request, f"page-{kind}")
    html: str | None = caches["local"].get(key)
    if html is None:
        response = render_page({"csrf_token": CSRF_PLACEHOLDER})
        if response.status_code != 200:
            return response
        html = response.content.decode()
        caches["local"].set(key, html, TIMEOUT)
    return HttpResponse(html.replace(CSRF_PLACEHOLDER, get_token(request)))


def public_answer(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Cache a view's successful answers to anonymous GET requests."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method != "GET" or "HTTP_AUTHORIZATION" in request.META:
            return view(request, *args, **kwargs)
        key = _key(request, "answer")
        stored = caches["local"].get(key)
        if stored is not None:
            content, content_type = stored
            return HttpResponse(content, content_type=content_type)
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming:
            caches["local"].set(key, (response.content, response["Content-Type"]), TIMEOUT)
        return response

    return wrapped
