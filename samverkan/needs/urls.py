from django.urls import path

from . import views

app_name = "needs"
urlpatterns = [
    path("", views.need_list, name="list"),
    path("<int:pk>/", views.detail, name="detail"),
]
