from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The pages that gather several apps: the home page and a company user's own page."""

    name = "samverkan.site"
    label = "site_pages"
    verbose_name = "Site"  # no models, so never shown
