from django.apps import AppConfig


class ScaleConfig(AppConfig):
    """National-scale data for measuring the platform; assembles every domain app."""

    name = "samverkan.scale"
    label = "scale"
    verbose_name = "Scale data"
