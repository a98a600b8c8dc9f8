from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from .models import Role


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Company people register themselves; staff accounts are made by the staff.
        return True

    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        """Whoever signs up is a company user without an organisation, until a coordinator
        approves their link request; nothing in the form can say otherwise."""
        user = super().save_user(request, user, form, commit=False)
        user.role = Role.COMPANY
        user.organisation = None
        user.is_staff = user.is_superuser = False
        if commit:
            user.save()
        return user
