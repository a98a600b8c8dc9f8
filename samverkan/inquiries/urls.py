from django.urls import path

from . import views

app_name = "inquiries"
urlpatterns = [
    path("", views.inquiry_list, name="list"),
    path("new/", views.new, name="new"),
    path("s/<str:token>/", views.sender, name="sender"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/history/", views.history, name="history"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/request-information/", views.request_information, name="request_information"),
    path("<int:pk>/route/", views.route, name="route"),
    path("<int:pk>/decide/", views.decide, name="decide"),
    path("<int:pk>/reply/", views.company_reply, name="reply"),
    path("<int:pk>/assess/<slug:committee>/", views.assess, name="assess"),
]
