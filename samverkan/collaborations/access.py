"""Fetching what a user may see, or answering 404 (Healthchecks' _get_check_for_user)."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from samverkan.accounts.models import Role, User

from .models import Collaboration
from .querysets import CollaborationQuerySet


def get_collaboration_for_user(
    user: User, pk: int, queryset: CollaborationQuerySet | None = None
) -> Collaboration:
    """The collaboration, from `queryset` when the page reads more with it."""
    queryset = Collaboration.objects.all() if queryset is None else queryset
    # The register entry too: the page shows it, and its absence is one query otherwise.
    return get_object_or_404(
        queryset.visible_to(user).select_related("inquiry", "responsible", "register_entry"),
        pk=pk,
    )


def company_organisation_id(user: User) -> int | None:
    """The organisation a company user acts for; None for everyone else."""
    return user.organisation_id if user.role == Role.COMPANY else None


def require_party_or_staff(user: User, organisation_ids: set[int]) -> None:
    """Company users reach an agreement or draft only when their organisation is a party."""
    own = company_organisation_id(user)
    if user.role == Role.COMPANY and own not in organisation_ids:
        raise Http404
