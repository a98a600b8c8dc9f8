"""Request types for views behind a login, so the type checker knows who `user` is."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from samverkan.accounts.models import User


class AuthedRequest(HttpRequest):
    user: User
    htmx: HtmxDetails


class ApiRequest(HttpRequest):
    auth: User
