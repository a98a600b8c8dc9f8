"""The public, read-only register API: the same entries and filters as /register/."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.pagination import paginate

from samverkan.register import cache as register_cache
from samverkan.register.exporting import published_entries
from samverkan.register.filters import RegisterFilter
from samverkan.register.models import RegisterEntry

from .schemas import Pagination

router = Router(tags=["transparency register"])


class RegisterFundingOut(Schema):
    funder: str
    call: str
    status: str
    currency: str
    applied: str
    granted: str


class RegisterEntryOut(Schema):
    id: int
    state: str = Field(
        description="published, or withdrawn: a stub with only the title, the date and "
        "the reason of the withdrawal"
    )
    title: str
    summary: str
    kind: str
    status: str
    start_date: datetime.date | None
    end_date: datetime.date | None
    infrastructure_parties: str
    companies: str
    committees: list[str]
    centres: list[str]
    goals: list[int]
    funding: list[RegisterFundingOut]
    published_at: datetime.datetime | None
    changed_at: datetime.datetime | None
    withdrawn_at: datetime.datetime | None
    withdrawal_reason: str
    url: str

    @staticmethod
    def resolve_id(obj: RegisterEntry) -> int:
        return obj.collaboration_id

    @staticmethod
    def resolve_infrastructure_parties(obj: RegisterEntry) -> str:
        return obj.parties_text

    @staticmethod
    def resolve_companies(obj: RegisterEntry) -> str:
        return obj.companies_text

    @staticmethod
    def resolve_committees(obj: RegisterEntry) -> list[str]:
        return [c.slug for c in obj.committees.all()]

    @staticmethod
    def resolve_centres(obj: RegisterEntry) -> list[str]:
        return [g.slug for g in obj.centres.all()]

    @staticmethod
    def resolve_goals(obj: RegisterEntry) -> list[int]:
        return [g.number for g in obj.goals.all()]

    @staticmethod
    def resolve_url(obj: RegisterEntry) -> str:
        return settings.SITE_URL + obj.get_absolute_url()


class RegisterFilterIn(Schema):
    q: str | None = None
    kind: str | None = None
    status: str | None = None
    committee: str | None = None
    centre: str | None = None
    party: int | None = None
    company: int | None = None
    company_name: str | None = None
    goal: int | None = None
    year: int | None = None
    sort: str | None = None


@router.get("/collaborations", auth=None, response=list[RegisterEntryOut])
@decorate_view(register_cache.public_answer)
@paginate(Pagination, page_size=settings.PAGE_SIZE)
def list_register(
    request: HttpRequest, filters: Query[RegisterFilterIn]
) -> QuerySet[RegisterEntry]:
    """Published collaborations and the stubs of withdrawn ones, with the register
    page's filters."""
    filterset = RegisterFilter(request.GET, queryset=published_entries())
    if not filterset.is_valid():
        raise ValidationError({k: [str(m) for m in v] for k, v in filterset.errors.items()})
    return filterset.qs


@router.get("/collaborations/{collaboration_id}", auth=None, response=RegisterEntryOut)
@decorate_view(register_cache.public_answer)
def get_register_entry(request: HttpRequest, collaboration_id: int) -> RegisterEntry:
    return get_object_or_404(published_entries(), collaboration_id=collaboration_id)
