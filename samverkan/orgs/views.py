from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from samverkan.core.decorators import public

from .models import Committee


@public
def committee_list(request: HttpRequest) -> HttpResponse:
    committees = Committee.objects.annotate(
        published_needs=Count("needs", filter=Q(needs__status="published"))
    )
    return render(request, "orgs/committee_list.html", {"committees": committees})


@public
def committee(request: HttpRequest, slug: str) -> HttpResponse:
    committee = get_object_or_404(Committee, slug=slug)
    needs = committee.needs.published()
    return render(request, "orgs/committee.html", {"committee": committee, "needs": needs})
