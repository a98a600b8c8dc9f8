from typing import Any

from django.http import HttpRequest

from .models import Infrastructure


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {"nav_user": user if user is not None and user.is_authenticated else None}


def infrastructure(request: HttpRequest) -> dict[str, Any]:
    """Who runs the platform, for every template (read once per request)."""
    return {"infrastructure": Infrastructure.current()}
