"""Collaborations in the admin: read-only with their history, because every change goes
through the actions so that it is versioned, checked and recorded (as for inquiries).
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from samverkan.core.admin import ReadOnlyInline, SourcedAdminMixin, awaits_confirmation

from .models import (
    Approval,
    Collaboration,
    CollaborationParty,
    CommunicationActivity,
    FollowUp,
    FollowUpAnswer,
    Funder,
    FundingApplication,
)


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PartyInline(ReadOnlyInline):
    model = CollaborationParty
    fields = ("organisation", "role", "role_description", "resources", "approver")
    readonly_fields = fields


class FundingInline(ReadOnlyInline):
    model = FundingApplication
    fields = ("funder", "call", "status", "amount_applied", "amount_granted", "currency")
    readonly_fields = fields


@admin.register(Collaboration)
class CollaborationAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "status", "start_date", "end_date", "responsible")
    list_filter = ("status", "kind", "committees")
    search_fields = ("title", "summary")
    list_select_related = ("responsible",)
    date_hierarchy = "start_date"
    inlines = [PartyInline, FundingInline]


@admin.register(CollaborationParty)
class CollaborationPartyAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "collaboration", "role", "approver")
    list_filter = ("role",)
    search_fields = ("organisation__name", "collaboration__title")
    list_select_related = ("organisation", "collaboration", "approver")


@admin.register(FundingApplication)
class FundingApplicationAdmin(ReadOnlyAdmin):
    list_display = (
        "call",
        "funder",
        "collaboration",
        "status",
        "amount_applied",
        "amount_granted",
        "currency",
    )
    list_filter = ("status", "funder", "currency")
    search_fields = ("call", "funder_name", "collaboration__title")
    list_select_related = ("collaboration",)


class FollowUpAnswerInline(ReadOnlyInline):
    model = FollowUpAnswer
    fields = (
        "organisation",
        "value_created",
        "what_worked",
        "what_to_change",
        "would_collaborate_again",
        "answered_by",
    )
    readonly_fields = fields


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyAdmin):
    list_display = ("collaboration", "kind", "due_date", "held_on")
    list_filter = ("kind", ("held_on", admin.EmptyFieldListFilter))
    search_fields = ("collaboration__title", "lessons", "what_worked", "what_to_change")
    list_select_related = ("collaboration",)
    date_hierarchy = "due_date"
    inlines = [FollowUpAnswerInline]


class ApprovalInline(ReadOnlyInline):
    model = Approval
    fields = ("organisation", "text_version", "decision", "comment", "decided_by", "decided_at")
    readonly_fields = fields


@admin.register(CommunicationActivity)
class CommunicationActivityAdmin(ReadOnlyAdmin):
    """Approvals change only through the communication page, per party and text version."""

    list_display = ("title", "kind", "collaboration", "planned_date", "text_version", "approved_at")
    list_filter = ("kind",)
    search_fields = ("title", "collaboration__title")
    list_select_related = ("collaboration",)
    inlines = [ApprovalInline]


@admin.register(Funder)
class FunderAdmin(SourcedAdminMixin, admin.ModelAdmin):
    """Reference data: the funders a funding application can name."""

    list_display = ("slug", "name", "order", "source", awaits_confirmation)
    list_filter = ("assumed",)
