from django.contrib import admin
from django.http import HttpRequest

from samverkan.core.admin import SourcedAdminMixin, awaits_confirmation

from .models import ExpectedEffect, Report


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "period_start",
        "period_end",
        "format",
        "language",
        "status",
        "created_at",
    ]
    list_filter = ["status", "format", "language"]
    list_select_related = ["requested_by"]
    readonly_fields = [f.name for f in Report._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ExpectedEffect)
class ExpectedEffectAdmin(SourcedAdminMixin, admin.ModelAdmin):
    list_display = ("slug", "text_sv", "order", "source", awaits_confirmation)
    list_filter = ("assumed",)
