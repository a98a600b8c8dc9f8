from django.urls import path

from . import views

app_name = "needs"
urlpatterns = [
    path("", views.need_list, name="list"),
    path("mine/", views.mine, name="mine"),
    path("new/", views.new, name="new"),
    path("coverage/", views.coverage, name="coverage"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/status/", views.change_status, name="status"),
    path("<int:pk>/history/", views.history, name="history"),
    path("<int:pk>/collaborations/", views.link_collaboration, name="link"),
    path("<int:pk>/collaborations/remove/", views.unlink_collaboration, name="unlink"),
]
