"""A person's account pages under /account/: the company user's own page (this app) and the
coordinators' link requests (accounts), in the one "accounts" namespace they always had."""

from django.urls import path

from samverkan.accounts import views as account_views

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.account_home, name="home"),
    path("link/", views.request_link, name="request_link"),
    path("link-requests/", account_views.link_request_list, name="link_requests"),
    path("link-requests/<int:pk>/", account_views.link_request, name="link_request"),
]
