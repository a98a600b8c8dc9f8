"""Agreement pages."""

from django.http import HttpRequest, HttpResponse

from samverkan.accounts.models import Role
from samverkan.core.decorators import role_required

ALL_ROLES = tuple(Role.values)


@role_required(*ALL_ROLES)
def create(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse(status=501)  # to be built


@role_required(*ALL_ROLES)
def detail(request: HttpRequest, pk: int, agreement_pk: int) -> HttpResponse:
    return HttpResponse(status=501)  # to be built


@role_required(*ALL_ROLES)
def edit(request: HttpRequest, pk: int, agreement_pk: int) -> HttpResponse:
    return HttpResponse(status=501)  # to be built


@role_required(*ALL_ROLES)
def change_status(request: HttpRequest, pk: int, agreement_pk: int) -> HttpResponse:
    return HttpResponse(status=501)  # to be built


@role_required(*ALL_ROLES)
def upload(request: HttpRequest, pk: int, agreement_pk: int) -> HttpResponse:
    return HttpResponse(status=501)  # to be built


@role_required(*ALL_ROLES)
def download(request: HttpRequest, pk: int, agreement_pk: int, document_pk: int) -> HttpResponse:
    return HttpResponse(status=501)  # to be built


@role_required(*ALL_ROLES)
def principles(request: HttpRequest, pk: int, agreement_pk: int) -> HttpResponse:
    return HttpResponse(status=501)  # to be built
