from typing import TYPE_CHECKING

from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.db import models

from samverkan.accounts.models import Role

if TYPE_CHECKING:
    from samverkan.accounts.models import User


class InquiryQuerySet(models.QuerySet):
    def visible_to(self, user: "User | AnonymousUser") -> "InquiryQuerySet":
        """Deny by default: each role sees its own slice, anything else sees nothing."""
        if not user.is_authenticated or not user.is_active or isinstance(user, AnonymousUser):
            return self.none()
        if user.reads_everything:
            return self.all()
        if user.role == Role.COMMITTEE:
            Routing = apps.get_model("inquiries", "Routing")

            routed = Routing.objects.filter(
                inquiry=models.OuterRef("pk"), committee__in=user.committee_ids()
            )
            return self.filter(models.Exists(routed))
        if user.role == Role.COMPANY and user.organisation_id:
            return self.filter(organisation_id=user.organisation_id)
        return self.none()

    def open(self) -> "InquiryQuerySet":
        Inquiry = self.model

        return self.filter(status__in=Inquiry.OPEN_STATUSES)
