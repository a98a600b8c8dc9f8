from django.db import models


class NeedQuerySet(models.QuerySet):
    def published(self) -> "NeedQuerySet":
        return self.filter(status="published")
