import datetime

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InquiriesConfig(AppConfig):
    name = "samverkan.inquiries"
    verbose_name = _("Inquiries")

    def ready(self) -> None:
        from samverkan.core.periodic import register_periodic_job

        from .actions import announce_missed_inquiries

        def job(today: datetime.date) -> dict[str, int]:
            return {"inquiries_announced_late": announce_missed_inquiries()}

        register_periodic_job("announcements", job)
