from django.urls import path

from samverkan.agreements import views as agreement_views

from . import communication_views, party_views, views

app_name = "collaborations"
urlpatterns = [
    path("", views.collaboration_list, name="list"),
    path("new/", views.create, name="create"),
    path("follow-ups/", views.follow_up_overview, name="follow_ups"),
    path("lessons/", views.lessons, name="lessons"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/status/", views.change_status, name="status"),
    path("<int:pk>/gates/", views.gates, name="gates"),
    path("<int:pk>/waiting/", views.waiting, name="waiting"),
    path(
        "<int:pk>/requests/<int:request_pk>/resend/",
        views.party_request_resend,
        name="party_request_resend",
    ),
    path("p/<str:token>/", party_views.party_link, name="party_link"),
    path("<int:pk>/history/", views.history, name="history"),
    path("<int:pk>/parties/new/", views.party_add, name="party_add"),
    path("<int:pk>/parties/<int:party_pk>/", views.party_edit, name="party_edit"),
    path("<int:pk>/parties/<int:party_pk>/remove/", views.party_remove, name="party_remove"),
    path("<int:pk>/funding/new/", views.funding_create, name="funding_create"),
    path("<int:pk>/funding/<int:funding_pk>/", views.funding_edit, name="funding_edit"),
    path("<int:pk>/follow-ups/new/", views.follow_up_create, name="follow_up_create"),
    path("<int:pk>/follow-ups/<int:follow_up_pk>/", views.follow_up, name="follow_up"),
    path("<int:pk>/follow-ups/<int:follow_up_pk>/ask/", views.follow_up_ask, name="follow_up_ask"),
    path(
        "<int:pk>/communication/new/",
        communication_views.create,
        name="communication_create",
    ),
    path(
        "<int:pk>/communication/<int:activity_pk>/",
        communication_views.detail,
        name="communication",
    ),
    path(
        "<int:pk>/communication/<int:activity_pk>/edit/",
        communication_views.edit,
        name="communication_edit",
    ),
    path(
        "<int:pk>/communication/<int:activity_pk>/decide/",
        communication_views.decide,
        name="communication_decide",
    ),
    path("<int:pk>/agreements/new/", agreement_views.create, name="agreement_create"),
    path("<int:pk>/agreements/<int:agreement_pk>/", agreement_views.detail, name="agreement"),
    path(
        "<int:pk>/agreements/<int:agreement_pk>/edit/",
        agreement_views.edit,
        name="agreement_edit",
    ),
    path(
        "<int:pk>/agreements/<int:agreement_pk>/status/",
        agreement_views.change_status,
        name="agreement_status",
    ),
    path(
        "<int:pk>/agreements/<int:agreement_pk>/documents/",
        agreement_views.upload,
        name="agreement_upload",
    ),
    path(
        "<int:pk>/agreements/<int:agreement_pk>/documents/<int:document_pk>/",
        agreement_views.download,
        name="agreement_document",
    ),
    path(
        "<int:pk>/agreements/<int:agreement_pk>/principles/",
        agreement_views.principles,
        name="agreement_principles",
    ),
]
