from django.urls import path

from . import views

app_name = "orgs"
urlpatterns = [
    path("", views.committee_list, name="committees"),
    path("<slug:slug>/", views.committee, name="committee"),
]
