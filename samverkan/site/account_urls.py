"""A person's account pages under /account/, in the "accounts" namespace they always had:
a company user's own page and link request, and the coordinators' link requests."""

from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.account_home, name="home"),
    path("counts/", views.nav_counts, name="nav_counts"),
    path("link/", views.request_link, name="request_link"),
    path("link-requests/", views.link_request_list, name="link_requests"),
    path("link-requests/<int:pk>/", views.link_request, name="link_request"),
]
