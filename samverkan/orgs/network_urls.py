"""The industry network, for the infrastructure's people: mounted at /organisations/ with
the namespace `network`."""

from django.urls import path

from . import views

app_name = "network"
urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("new/", views.organisation_create, name="organisation_create"),
    path("search/", views.search, name="search"),
    path("import/", views.import_start, name="import"),
    path("import/template.csv", views.import_template, name="import_template"),
    path("import/<int:pk>/", views.import_job, name="import_job"),
    path("import/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("import/<int:pk>/cancel/", views.import_cancel, name="import_cancel"),
    path("events/", views.event_list, name="events"),
    path("events/new/", views.event_create, name="event_create"),
    path("events/<int:pk>/", views.event_detail, name="event"),
    path("events/<int:pk>/edit/", views.event_edit, name="event_edit"),
    path("events/<int:pk>/participants/", views.participant_add, name="participant_add"),
    path(
        "events/<int:pk>/participants/<int:participant_pk>/remove/",
        views.participant_remove,
        name="participant_remove",
    ),
    path("<int:pk>/", views.organisation_detail, name="organisation"),
    path("<int:pk>/edit/", views.organisation_edit, name="organisation_edit"),
    path("<int:pk>/contacts/new/", views.contact_create, name="contact_create"),
    path("<int:pk>/contacts/<int:contact_pk>/", views.contact_edit, name="contact_edit"),
    path("<int:pk>/memberships/", views.membership_add, name="membership_add"),
    path(
        "<int:pk>/memberships/<int:membership_pk>/remove/",
        views.membership_remove,
        name="membership_remove",
    ),
    path("<int:pk>/interactions/new/", views.interaction_create, name="interaction_create"),
    path("<int:pk>/merge/", views.merge, name="merge"),
]
