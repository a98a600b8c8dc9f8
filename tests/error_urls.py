"""The project's addresses plus one that fails, for the tests of the error pages."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from samverkan.urls import urlpatterns as project_urlpatterns


def fail(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a failure the error page must survive")


urlpatterns = [path("fail/", fail), *project_urlpatterns]
