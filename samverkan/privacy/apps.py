import datetime

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "samverkan.privacy"
    verbose_name = _("Personal data")

    def ready(self) -> None:
        from samverkan.core.periodic import register_periodic_job

        from .actions import anonymise_old_declined_inquiries

        def job(today: datetime.date) -> dict[str, int]:
            return {"anonymised": anonymise_old_declined_inquiries(today)}

        register_periodic_job("anonymisation", job)
