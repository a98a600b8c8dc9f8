from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollaborationsConfig(AppConfig):
    name = "samverkan.collaborations"
    verbose_name = _("Collaborations")

    def ready(self) -> None:
        from samverkan.core.periodic import register_periodic_job

        from .reminders import send_due_reminders

        register_periodic_job("reminders", send_due_reminders)
