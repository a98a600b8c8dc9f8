import datetime
import json
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination
from ninja.parser import Parser
from pydantic import Field as PydanticField

from samverkan.inquiries.models import (
    DESCRIPTION_MAX_LENGTH,
    DETAIL_MAX_LENGTH,
    MESSAGE_MAX_LENGTH,
)

# An id a database column can hold: a positive 64-bit integer. Anything beyond is refused
# by the schema (422) rather than reaching the database.
Id = Annotated[int, PydanticField(ge=1, le=2**63 - 1)]

# The highest page any list offers: far beyond any real list, well inside any integer.
MAX_PAGE = 1_000_000


class Pagination(PageNumberPagination):
    """Django Ninja's page numbers, bounded so that no number overflows the database."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1, le=100)


def _is_storable_text(value: Any) -> bool:
    """Whether every string in the value can be stored as text: no lone surrogate (no
    character at all) and no NUL, which PostgreSQL refuses in any text."""
    if isinstance(value, str):
        if "\x00" in value:
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(_is_storable_text(k) and _is_storable_text(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_is_storable_text(item) for item in value)
    return True


class StrictJsonParser(Parser):
    """JSON that is also storable text: a lone surrogate ("\\ud800") or a NUL ("\\u0000")
    is valid JSON, but no database or e-mail can keep it. Refused as unreadable (400)."""

    def parse_body(self, request: HttpRequest) -> Any:
        data = json.loads(request.body)
        if not _is_storable_text(data):
            raise ValueError("text that cannot be stored")
        return data


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] | None = None


class CommitteeOut(Schema):
    id: str = Field(..., alias="slug", description="The committee's id in the reference data")
    name: str
    name_sv: str
    name_en: str
    kind: str
    description: str


# The error answers every write endpoint documents.
WRITE_ERRORS: dict[int, Any] = {
    400: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


class GoalOut(Schema):
    number: int
    text: str


class GateOut(Schema):
    id: str = Field(..., alias="slug")
    text: str


class FunderOut(Schema):
    id: str = Field(..., alias="slug", description="What funding applications name it by")
    name: str


class CriterionOut(Schema):
    id: str = Field(..., alias="slug")
    text: str
    weight: Decimal
    max_score: int


class IntakeIn(Schema):
    """Field names are those of the form at /inquiries/new/, with the same limits."""

    organisation_name: str = Field("", max_length=200)
    organisation_number: str = Field("", max_length=20)
    foreign_identifier: str = Field("", max_length=64)
    country: str = Field("", max_length=2)
    contact_name: str = Field("", max_length=200)
    contact_email: str = Field("", max_length=254)
    title: str = Field("", max_length=200)
    description: str = Field("", max_length=DESCRIPTION_MAX_LENGTH)
    kinds: list[str] = Field([], max_length=20)
    committees: list[str] = Field(
        [], max_length=50, description="Committee ids from the reference data"
    )
    need: int | None = None
    resources_offered: str = Field("", max_length=DETAIL_MAX_LENGTH)
    mutual_benefit: str = Field("", max_length=DETAIL_MAX_LENGTH)
    other_companies: str = Field("", max_length=DETAIL_MAX_LENGTH)
    operations_in_sweden: bool = False
    consent: bool = False


class IntakeOut(Schema):
    reference: str
    status: str
    received_at: datetime.datetime


class RoutingOut(Schema):
    committee: str
    routed_at: datetime.datetime


class InquiryOut(Schema):
    id: int
    reference: str
    status: str
    title: str
    organisation_name: str
    kinds: list[str]
    received_at: datetime.datetime = Field(..., alias="created_at")
    days_since_arrival: int
    assigned_to: str | None = None
    committees: list[str]
    version: int

    @staticmethod
    def resolve_assigned_to(obj: object) -> str | None:
        user = getattr(obj, "assigned_to", None)
        return user.username if user else None

    @staticmethod
    def resolve_committees(obj: object) -> list[str]:
        return [r.committee.slug for r in obj.routings.all()]  # type: ignore[attr-defined]


class InquiryDetailOut(InquiryOut):
    description: str
    organisation_number: str
    foreign_identifier: str
    country: str
    contact_name: str
    contact_email: str
    resources_offered: str
    mutual_benefit: str
    other_companies: str
    operations_in_sweden: bool
    decision_reason: str
    first_response_at: datetime.datetime | None
    decided_at: datetime.datetime | None


class VersionIn(Schema):
    version: int


class RequestInformationIn(VersionIn):
    body: str = Field(..., max_length=MESSAGE_MAX_LENGTH)


class RouteIn(VersionIn):
    committees: list[str] = Field(..., max_length=50)
    note: str = Field("", max_length=MESSAGE_MAX_LENGTH)


class DecisionIn(VersionIn):
    decision: str = Field(..., description="accepted, declined, parked or withdrawn")
    reason: str = Field("", max_length=MESSAGE_MAX_LENGTH)


class GateAnswerIn(Schema):
    met: bool
    comment: str = Field("", max_length=MESSAGE_MAX_LENGTH)


class AssessmentIn(Schema):
    version: int | None = Field(None, description="The version you revise; empty when new")
    gates: dict[str, GateAnswerIn] = Field(..., max_length=50)
    scores: dict[str, int] = Field(..., max_length=50)
    goals: list[Id] = Field([], max_length=50)
    comment: str = Field("", max_length=MESSAGE_MAX_LENGTH)


class AssessmentOut(Schema):
    committee: str
    gates_passed: bool
    priority: Decimal
    version: int

    @staticmethod
    def resolve_committee(obj: object) -> str:
        return obj.committee.slug  # type: ignore[attr-defined]


class StatusChangeOut(Schema):
    from_status: str
    to_status: str
    changed_by: str | None
    changed_at: datetime.datetime
    comment: str

    @staticmethod
    def resolve_changed_by(obj: object) -> str | None:
        user = getattr(obj, "changed_by", None)
        return user.username if user else None


class SuggestionOut(Schema):
    committee: str
    score: float
    terms: list[str]
