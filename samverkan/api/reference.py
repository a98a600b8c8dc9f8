"""The reference data, public: committees, goals, gates, priority criteria and funders."""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router

from samverkan.collaborations.models import Funder
from samverkan.inquiries.models import Gate, PriorityCriterion
from samverkan.orgs.models import Committee
from samverkan.strategy.models import Goal

from .schemas import CommitteeOut, CriterionOut, FunderOut, GateOut, GoalOut

router = Router(tags=["reference data"])


@router.get("/committees", auth=None, response=list[CommitteeOut])
def list_committees(request: HttpRequest) -> QuerySet[Committee]:
    return Committee.objects.all()


@router.get("/goals", auth=None, response=list[GoalOut])
def list_goals(request: HttpRequest) -> QuerySet[Goal]:
    return Goal.objects.all()


@router.get("/gates", auth=None, response=list[GateOut])
def list_gates(request: HttpRequest) -> QuerySet[Gate]:
    return Gate.objects.all()


@router.get("/criteria", auth=None, response=list[CriterionOut])
def list_criteria(request: HttpRequest) -> QuerySet[PriorityCriterion]:
    return PriorityCriterion.objects.all()


@router.get("/funders", auth=None, response=list[FunderOut])
def list_funders(request: HttpRequest) -> QuerySet[Funder]:
    """The research funders a joint application can name; any other is "other" with a name."""
    return Funder.objects.all()
