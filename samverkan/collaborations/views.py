"""Collaboration pages."""

from django.http import HttpRequest, HttpResponse

from samverkan.accounts.models import Role
from samverkan.core.decorators import role_required

ALL_ROLES = tuple(Role.values)


@role_required(*ALL_ROLES)
def collaboration_list(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=501)  # to be built


@role_required(*ALL_ROLES)
def create(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=501)  # to be built


@role_required(*ALL_ROLES)
def follow_up_overview(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=501)  # to be built


@role_required(*ALL_ROLES)
def lessons(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=501)  # to be built


@role_required(*ALL_ROLES)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse(status=501)  # to be built


@role_required(*ALL_ROLES)
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse(status=501)  # to be built


@role_required(*ALL_ROLES)
def change_status(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse(status=501)  # to be built


@role_required(*ALL_ROLES)
def history(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse(status=501)  # to be built


@role_required(*ALL_ROLES)
def party_add(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse(status=501)  # to be built


@role_required(*ALL_ROLES)
def party_edit(request: HttpRequest, pk: int, party_pk: int) -> HttpResponse:
    return HttpResponse(status=501)  # to be built


@role_required(*ALL_ROLES)
def party_remove(request: HttpRequest, pk: int, party_pk: int) -> HttpResponse:
    return HttpResponse(status=501)  # to be built


@role_required(*ALL_ROLES)
def funding_create(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse(status=501)  # to be built


@role_required(*ALL_ROLES)
def funding_edit(request: HttpRequest, pk: int, funding_pk: int) -> HttpResponse:
    return HttpResponse(status=501)  # to be built


@role_required(*ALL_ROLES)
def follow_up_create(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse(status=501)  # to be built


@role_required(*ALL_ROLES)
def follow_up(request: HttpRequest, pk: int, follow_up_pk: int) -> HttpResponse:
    return HttpResponse(status=501)  # to be built
