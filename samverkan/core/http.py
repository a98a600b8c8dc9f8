"""Request types for views behind a login, so the type checker knows who `user` is."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

if TYPE_CHECKING:
    # For the type checker only: core sits below accounts and imports no app at run time.
    from samverkan.accounts.models import User


class AuthedRequest(HttpRequest):
    user: User
    htmx: HtmxDetails


class ApiRequest(HttpRequest):
    auth: User
