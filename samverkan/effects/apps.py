from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EffectsConfig(AppConfig):
    name = "samverkan.effects"
    verbose_name = _("Effects")

    def ready(self) -> None:
        from . import signals

        signals.connect()
