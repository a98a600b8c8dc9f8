from django.urls import path

from . import views

app_name = "register"
urlpatterns = [
    path("", views.entry_list, name="list"),
    path("companies/", views.company_names, name="companies"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("export.json", views.export_json, name="export_json"),
    path("export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("feed/", views.feed, name="feed"),
    path("<int:collaboration_id>/", views.entry, name="entry"),
    path("<int:collaboration_id>/corrections/", views.request_correction, name="correction"),
    path("<int:collaboration_id>/manage/", views.manage, name="manage"),
    path("<int:collaboration_id>/confirm/", views.confirm, name="confirm"),
    path("p/<str:token>/", views.party_link, name="party_link"),
]
