"""Communication pages: drafts approved by every party."""

from django.http import HttpRequest, HttpResponse

from samverkan.accounts.models import Role
from samverkan.core.decorators import role_required

ALL_ROLES = tuple(Role.values)


@role_required(*ALL_ROLES)
def create(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse(status=501)  # to be built


@role_required(*ALL_ROLES)
def detail(request: HttpRequest, pk: int, activity_pk: int) -> HttpResponse:
    return HttpResponse(status=501)  # to be built


@role_required(*ALL_ROLES)
def edit(request: HttpRequest, pk: int, activity_pk: int) -> HttpResponse:
    return HttpResponse(status=501)  # to be built


@role_required(*ALL_ROLES)
def decide(request: HttpRequest, pk: int, activity_pk: int) -> HttpResponse:
    return HttpResponse(status=501)  # to be built
