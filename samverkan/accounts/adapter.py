from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from samverkan.core.ratelimit import client_address

from .models import Role


def login_name(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str | None:
    """The name a login attempt was for, as django-axes counts it: the user name or the
    e-mail address typed, in lower case, so "Admin" and "admin" are one account."""
    credentials = credentials or {}
    name = credentials.get("username") or credentials.get("email") or credentials.get("login")
    return str(name).strip().lower() if name else None


def clear_lockouts(user: Any) -> None:
    """Forget the failed logins for the user's name and address, from every address."""
    from axes.utils import reset

    for name in {
        login_name(None, {"username": user.username}),
        login_name(None, {"email": user.email}),
    }:
        if name:
            reset(username=name)


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request: HttpRequest) -> str:
        """The same client address as the lockouts and the intake limit count."""
        return client_address(request)

    def set_password(self, user: Any, password: str) -> None:
        """A new password, from a reset e-mail among others, ends a lockout: whoever can
        read the account's mail is its owner, wherever they try from."""
        super().set_password(user, password)
        clear_lockouts(user)

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
