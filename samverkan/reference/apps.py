from django.apps import AppConfig


class ReferenceConfig(AppConfig):
    """Loads an infrastructure's reference pack (parties, committees, goals, gates) into the
    domain apps' models. It sits above every domain app and nothing imports it."""

    name = "samverkan.reference"
    label = "reference_pack"
    verbose_name = "Reference data"  # no models, so never shown
