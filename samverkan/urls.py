from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from samverkan.api.api import api

# The admin logs in through the site's login page, with its lockouts and two-factor step.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("", include("samverkan.site.urls")),
    path("inquiries/", include("samverkan.inquiries.urls")),
    path("collaborations/", include("samverkan.collaborations.urls")),
    path("needs/", include("samverkan.needs.urls")),
    path("register/", include("samverkan.register.urls")),
    path("effects/", include("samverkan.effects.urls")),
    path("strategy/", include("samverkan.strategy.urls")),
    path("organisations/", include("samverkan.orgs.network_urls")),
    path("committees/", include("samverkan.orgs.urls")),
    path("api/v1/", api.urls),
    path("settings/tokens/", include("samverkan.api.urls")),
    path("notifications/", include("samverkan.notifications.urls")),
    path("privacy/", include("samverkan.privacy.urls")),
    path("account/", include("samverkan.site.account_urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("scale/", include("samverkan.scale.urls")),
]
