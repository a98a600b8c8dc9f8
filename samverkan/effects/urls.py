from django.urls import path

from . import views

app_name = "effects"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("reports/", views.reports, name="reports"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
    path("reports/<int:pk>/download/", views.report_download, name="report_download"),
    path("<slug:indicator_id>.csv", views.indicator_csv, name="csv"),
]
