"""Two-factor authentication required for the people who can change everything.

With `MFA_REQUIRED_FOR_STAFF` on, a coordinator or administrator (or a superuser) who has
no second factor yet is sent to set one up before any other page; the account pages
(set-up, log-out, password) and static files stay reachable. Once set up, the account
library asks for the code (or the security key) at every login, the Django admin's
included, since the admin logs in through the same page.
"""

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .models import STAFF_ROLES

ALLOWED_PREFIXES = ("/accounts/", "/i18n/", "/static/")


def needs_mfa(user: object) -> bool:
    """True for a staff user who must, and has not yet, set up a second factor."""
    if not getattr(user, "is_authenticated", False):
        return False
    staff = getattr(user, "role", None) in STAFF_ROLES or getattr(user, "is_superuser", False)
    if not staff:
        return False
    return not Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()


class RequireMfaMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            settings.MFA_REQUIRED_FOR_STAFF
            and not request.path.startswith(ALLOWED_PREFIXES)
            and needs_mfa(request.user)
        ):
            if request.path.startswith("/api/"):
                message = _("Set up two-factor authentication first.")
                return JsonResponse({"detail": message}, status=403)
            return redirect("mfa_activate_totp")
        return self.get_response(request)
