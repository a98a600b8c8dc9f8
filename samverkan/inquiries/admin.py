from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from samverkan.core.admin import SourcedAdminMixin, awaits_confirmation

from .models import Gate, Inquiry, PriorityCriterion, StatusChange


@admin.register(Gate)
class GateAdmin(SourcedAdminMixin, admin.ModelAdmin):
    list_display = ("slug", "text_sv", "order", "source", awaits_confirmation)
    list_filter = ("assumed",)


@admin.register(PriorityCriterion)
class PriorityCriterionAdmin(SourcedAdminMixin, admin.ModelAdmin):
    list_display = ("slug", "text_sv", "weight", "max_score", "order", awaits_confirmation)
    list_filter = ("assumed",)


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    can_delete = False
    readonly_fields = ("from_status", "to_status", "changed_by", "changed_at", "comment")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Inquiry)
class InquiryAdmin(SimpleHistoryAdmin):
    """Read-only here: changes go through the triage pages so they are recorded."""

    list_display = ("reference", "title", "organisation_name", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("reference", "title", "organisation_name")
    inlines = [StatusChangeInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
