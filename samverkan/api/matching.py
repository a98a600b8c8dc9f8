"""Matching over HTTP: which committees and needs a text concerns, which organisations
fit a need; every suggestion with the words that made it."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from samverkan.accounts.models import Role, User
from samverkan.core.http import ApiRequest
from samverkan.inquiries.matching import (
    suggest_committees,
    suggest_needs,
    suggest_organisations_for_need,
)
from samverkan.inquiries.models import DESCRIPTION_MAX_LENGTH
from samverkan.needs.models import Need

from .schemas import ErrorOut
from .security import api_auth

router = Router(tags=["matching"])

# Those who route inquiries and answer for needs; company users and viewers may not.
MATCHING_ROLES = (Role.COORDINATOR, Role.ADMIN, Role.COMMITTEE)
# A title and a description at most, as the intake takes them.
MAX_TEXT = 200 + DESCRIPTION_MAX_LENGTH


class MatchIn(Schema):
    text: str = Field(..., max_length=MAX_TEXT, description="An inquiry's title and text")
    limit: int = Field(5, ge=1, le=50, description="At most this many of each")


class CommitteeMatchOut(Schema):
    id: str = Field(..., description="The committee's id in the reference data")
    name: str
    score: float
    terms: list[str] = Field(..., description="The text's words that matched, as written")
    tags: list[str] = Field(..., description="The committee's keywords they met")


class NeedMatchOut(Schema):
    id: int
    title: str
    committee: str | None = Field(..., description="The committee that has the need, if any")
    centre: str | None = Field(..., description="Or the regional centre that has it")
    score: float
    terms: list[str]


class MatchOut(Schema):
    committees: list[CommitteeMatchOut]
    needs: list[NeedMatchOut]


class LimitIn(Schema):
    limit: int = Field(10, ge=1, le=50)


class OrganisationMatchOut(Schema):
    id: int
    name: str
    score: float
    terms: list[str] = Field(..., description="The need's words found in its history")


def _check_role(user: User) -> None:
    if not user.has_role(*MATCHING_ROLES):
        raise PermissionDenied


@router.post(
    "",
    auth=api_auth,
    response={200: MatchOut, 403: ErrorOut, 422: ErrorOut},
    summary="Committees and published needs that match a text, with the words why",
)
def match_text(request: ApiRequest, payload: MatchIn) -> dict:
    """Best first. For coordinators, administrators and committee members."""
    _check_role(request.auth)
    if not payload.text.strip():
        raise ValidationError({"text": [_("Write the text to match.")]})
    return {
        "committees": [
            {
                "id": m.key.slug,
                "name": m.key.name,
                "score": m.score,
                "terms": m.terms,
                "tags": m.tags,
            }
            for m in suggest_committees(payload.text, payload.limit)
        ],
        "needs": [
            {
                "id": m.key.pk,
                "title": m.key.title,
                "committee": m.key.committee.slug if m.key.committee else None,
                "centre": m.key.centre.slug if m.key.centre else None,
                "score": m.score,
                "terms": m.terms,
            }
            for m in suggest_needs(payload.text, payload.limit)
        ],
    }


@router.get(
    "/needs/{need_id}/organisations",
    auth=api_auth,
    response={200: list[OrganisationMatchOut], 403: ErrorOut, 404: ErrorOut},
    summary="Organisations whose inquiries and collaborations fit a need, with the words why",
)
def match_need_organisations(
    request: ApiRequest, need_id: int, params: Query[LimitIn]
) -> list[dict]:
    """Best first. For coordinators, administrators and committee members; a need the
    user may not see answers 404."""
    _check_role(request.auth)
    need = get_object_or_404(Need.objects.visible_to(request.auth), pk=need_id)
    return [
        {"id": m.key.pk, "name": m.key.name, "score": m.score, "terms": m.terms}
        for m in suggest_organisations_for_need(need, params.limit)
    ]
