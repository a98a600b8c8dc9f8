from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegisterConfig(AppConfig):
    name = "samverkan.register"
    verbose_name = _("Transparency register")

    def ready(self) -> None:
        from . import signals

        signals.connect()
