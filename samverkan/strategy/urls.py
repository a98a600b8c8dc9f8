from django.urls import path

from . import views

app_name = "strategy"
urlpatterns = [
    path("", views.strategy_list, name="list"),
    path("import/", views.import_file, name="import"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/gaps/", views.gaps, name="gaps"),
    path("<int:pk>/timeline/", views.timeline, name="timeline"),
    path("<int:pk>/export.yaml", views.export, {"fmt": "yaml"}, name="export_yaml"),
    path("<int:pk>/export.csv", views.export, {"fmt": "csv"}, name="export_csv"),
    path("<int:pk>/actions/new/", views.action_new, name="action_new"),
    path("actions/<int:pk>/edit/", views.action_edit, name="action_edit"),
    path("actions/<int:pk>/progress/", views.action_progress, name="action_progress"),
    path("points/<int:pk>/", views.point_detail, name="point"),
    path(
        "points/<int:pk>/collaborations/link/",
        views.link_collaboration,
        name="link_collaboration",
    ),
    path(
        "points/<int:pk>/collaborations/<int:collaboration_id>/unlink/",
        views.unlink_collaboration,
        name="unlink_collaboration",
    ),
    path("points/<int:pk>/actions/link/", views.link_action, name="link_action"),
    path(
        "points/<int:pk>/actions/<int:action_id>/unlink/",
        views.unlink_action,
        name="unlink_action",
    ),
]
