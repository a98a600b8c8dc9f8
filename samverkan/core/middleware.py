from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .models import _in_request, _request_infrastructure


class InfrastructureMiddleware:
    """Read the infrastructure row at most once per request, and forget it afterwards."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        in_request = _in_request.set(True)
        cached = _request_infrastructure.set(None)
        try:
            return self.get_response(request)
        finally:
            _request_infrastructure.reset(cached)
            _in_request.reset(in_request)
