from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser
from django.db import models

if TYPE_CHECKING:
    from samverkan.accounts.models import User


class ReportQuerySet(models.QuerySet):
    def visible_to(self, user: "User | AnonymousUser") -> "ReportQuerySet":
        """Reports hold aggregates only: everyone who reads everything sees them all."""
        if isinstance(user, AnonymousUser) or not user.is_authenticated:
            return self.none()
        if user.reads_everything:
            return self.all()
        return self.none()
