from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from samverkan.accounts.models import Role
from samverkan.needs.models import Need

from .decorators import public, role_required
from .http import AuthedRequest


@public
def home(request: HttpRequest) -> HttpResponse:
    needs = Need.objects.published().select_related("committee")[:5]
    return render(request, "core/home.html", {"needs": needs})


@role_required(*Role.values)
def dashboard(request: AuthedRequest) -> HttpResponse:
    """Where a person lands after login: their own work first."""
    if request.user.role == Role.COMPANY:
        return redirect("accounts:home")
    return redirect("inquiries:list")


@public
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "core/accessibility.html")
