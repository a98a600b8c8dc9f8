import datetime
from typing import TYPE_CHECKING

from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models.functions import Coalesce

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

    def with_gates_met_in_inquiry(self) -> "CollaborationQuerySet":
        """Annotate `gates_met_in_inquiry`: whether the accepted inquiry's assessments
        passed every gate (what `Collaboration.inherited_gates` answers, in this query)."""
        Assessment = apps.get_model("inquiries", "Assessment")
        Inquiry = apps.get_model("inquiries", "Inquiry")
        assessments = Assessment.objects.filter(inquiry_id=models.OuterRef("inquiry_id"))
        accepted = Inquiry.objects.filter(
            pk=models.OuterRef("inquiry_id"), status=Inquiry.Status.ACCEPTED
        )
        met = (
            models.Exists(accepted)
            & models.Exists(assessments)
            & ~models.Exists(assessments.filter(gates_passed=False))
        )
        return self.annotate(
            gates_met_in_inquiry=models.ExpressionWrapper(met, output_field=models.BooleanField())
        )

    def with_waiting(self) -> "CollaborationQuerySet":
        """Annotate `is_waiting`: whether a party has yet to answer a personal link."""
        PartyRequest = apps.get_model("collaborations", "PartyRequest")
        return self.annotate(
            is_waiting=models.Exists(
                PartyRequest.objects.filter(
                    collaboration_id=models.OuterRef("pk"), answered_at__isnull=True
                )
            )
        )


class FollowUpQuerySet(models.QuerySet):
    def pending(self) -> "FollowUpQuerySet":
        return self.filter(held_on__isnull=True)

    def overdue(self, today: datetime.date) -> "FollowUpQuerySet":
        return self.pending().filter(due_date__lt=today)


class CommunicationQuerySet(models.QuerySet):
    def with_required_names(self) -> "CommunicationQuerySet":
        """Annotate `required_names`, the names every communication must mention (the
        reference data's ``communication_must_name``), read once with the activities
        instead of once for each (see `CommunicationActivity.names_infrastructure`)."""
        Parameter = apps.get_model("core", "Parameter")
        key = "communication_must_name"
        stored = Parameter.objects.filter(key=key).values("value")[:1]
        return self.annotate(
            required_names=Coalesce(
                models.Subquery(stored),
                models.Value(Parameter.DEFAULTS[key], output_field=models.JSONField()),
                output_field=models.JSONField(),
            )
        )
