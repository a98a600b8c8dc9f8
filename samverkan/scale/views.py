from django.http import HttpRequest, HttpResponse

from samverkan.core.decorators import public


@public
def floor(request: HttpRequest) -> HttpResponse:
    """The least a request can cost here: every middleware, no database, no template."""
    return HttpResponse("ok", content_type="text/plain")
