import datetime

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "samverkan.notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from samverkan.core.periodic import register_periodic_job

        from .actions import send_digests

        def job(today: datetime.date) -> dict[str, int]:
            return {"digests": send_digests(today)}

        register_periodic_job("digests", job)
