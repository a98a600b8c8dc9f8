from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from samverkan.core.decorators import public
from samverkan.core.pagination import paginate

from .models import Need


@public
def need_list(request: HttpRequest) -> HttpResponse:
    needs = Need.objects.published().select_related("committee").order_by("-created_at")
    return render(request, "needs/list.html", {"page": paginate(request, needs)})


@public
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    need = get_object_or_404(Need.objects.published().select_related("committee"), pk=pk)
    return render(request, "needs/detail.html", {"need": need})
