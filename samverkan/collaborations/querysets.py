import datetime
from typing import TYPE_CHECKING

from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.db import models

from samverkan.accounts.models import Role

if TYPE_CHECKING:
    from samverkan.accounts.models import User


class CollaborationQuerySet(models.QuerySet):
    def visible_to(self, user: "User | AnonymousUser") -> "CollaborationQuerySet":
        """Coordinators, admins and viewers see all; committee and centre members those
        their committees or centres take part in; companies their own."""
        if not user.is_authenticated or not user.is_active or isinstance(user, AnonymousUser):
            return self.none()
        if user.reads_everything:
            return self.all()
        if user.role == Role.COMMITTEE:
            Collaboration = self.model

            committees = Collaboration.committees.through.objects.filter(
                collaboration_id=models.OuterRef("pk"), committee_id__in=user.committee_ids()
            )
            centres = Collaboration.centres.through.objects.filter(
                collaboration_id=models.OuterRef("pk"), centre_id__in=user.centre_ids()
            )
            return self.filter(models.Exists(committees) | models.Exists(centres))
        if user.role == Role.COMPANY and user.organisation_id:
            CollaborationParty = apps.get_model("collaborations", "CollaborationParty")

            party = CollaborationParty.objects.filter(
                collaboration_id=models.OuterRef("pk"), organisation_id=user.organisation_id
            )
            return self.filter(models.Exists(party))
        return self.none()


class FollowUpQuerySet(models.QuerySet):
    def pending(self) -> "FollowUpQuerySet":
        return self.filter(held_on__isnull=True)

    def overdue(self, today: datetime.date) -> "FollowUpQuerySet":
        return self.pending().filter(due_date__lt=today)
