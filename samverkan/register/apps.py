import datetime

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegisterConfig(AppConfig):
    name = "samverkan.register"
    verbose_name = _("Transparency register")

    def ready(self) -> None:
        from samverkan.core.periodic import register_periodic_job

        from . import signals
        from .actions import publish_due_entries

        def job(today: datetime.date) -> dict[str, int]:
            return {"published": publish_due_entries(today)}

        register_periodic_job("publication", job)
        signals.connect()
