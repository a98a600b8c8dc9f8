from django.db import models


class RegisterEntryQuerySet(models.QuerySet):
    def published(self) -> "RegisterEntryQuerySet":
        return self.filter(state="published")
