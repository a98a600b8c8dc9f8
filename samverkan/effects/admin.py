from django.contrib import admin
from django.http import HttpRequest

from .models import Report


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
