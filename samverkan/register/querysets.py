from django.db import models


class RegisterEntryQuerySet(models.QuerySet):
    def published(self) -> "RegisterEntryQuerySet":
        return self.filter(state="published")

    def public(self) -> "RegisterEntryQuerySet":
        """What anyone may see: the published entries and the stubs of withdrawn ones."""
        return self.filter(state__in=["published", "withdrawn"])
