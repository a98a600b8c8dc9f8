from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo story: accounts, companies and inquiries in every state, told through the
    same actions people use. It sits above every domain app and nothing imports it."""

    name = "samverkan.demo"
    verbose_name = "Demo"  # no models, so never shown
