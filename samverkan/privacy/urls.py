from django.urls import path

from . import views

app_name = "privacy"
urlpatterns = [
    path("", views.person_search, name="search"),
    path("contacts/<int:pk>/export.json", views.export, name="export"),
    path("contacts/<int:pk>/erase/", views.erase, name="erase"),
]
