"""The coordinators' side of linking company accounts to organisations.

A company user's own page (its organisation's work) gathers several apps and lives in
samverkan.site; the URLs of both are composed in samverkan/site/account_urls.py.
"""

from allauth.account.models import EmailAddress
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from samverkan.core.decorators import role_required
from samverkan.core.http import AuthedRequest
from samverkan.core.pagination import paginate

from . import actions
from .filters import LinkRequestFilter
from .forms import LinkDecisionForm
from .models import STAFF_ROLES, OrganisationLinkRequest, User


def _get_link_request_for_user(user: User, pk: int) -> OrganisationLinkRequest:
    """The request, or 404 when this user may not decide link requests."""
    queryset = OrganisationLinkRequest.objects.none()
    if user.has_role(*STAFF_ROLES):
        queryset = OrganisationLinkRequest.objects.select_related(
            "user", "organisation", "decided_by"
        )
    return get_object_or_404(queryset, pk=pk)


@role_required(*STAFF_ROLES)
def link_request_list(request: AuthedRequest) -> HttpResponse:
    queryset = OrganisationLinkRequest.objects.select_related(
        "user", "organisation", "decided_by"
    ).order_by("created_at", "pk")
    filterset = LinkRequestFilter(request.GET or {"status": "pending"}, queryset=queryset)
    page = paginate(request, filterset.qs)
    return render(request, "accounts/link_requests.html", {"filter": filterset, "page": page})


@role_required(*STAFF_ROLES)
def link_request(request: AuthedRequest, pk: int) -> HttpResponse:
    """One request, with what approving it would do, and the decision form."""
    link_request = _get_link_request_for_user(request.user, pk)
    form = LinkDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            if approve:
                actions.do_approve_link_request(
                    link_request, request.user, comment=form.cleaned_data["comment"]
                )
            else:
                actions.do_reject_link_request(
                    link_request, request.user, reason=form.cleaned_data["comment"]
                )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("The account is linked and the user is told.")
                if approve
                else _("The request is rejected and the user is told."),
            )
            return redirect("accounts:link_requests")
    match = link_request.organisation
    if match is None and link_request.is_pending:
        match = actions.match_organisation(
            link_request.organisation_number,
            link_request.foreign_identifier,
            link_request.country,
        )
    colleagues = list(match.users.order_by("username")) if match is not None else []
    return render(
        request,
        "accounts/link_request.html",
        {
            "link_request": link_request,
            "match": match,
            "colleagues": colleagues,
            "email_verified": EmailAddress.objects.filter(
                user=link_request.user, email__iexact=link_request.user.email, verified=True
            ).exists(),
            "form": form if link_request.is_pending else None,
        },
    )
