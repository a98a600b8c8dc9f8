from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .actions import do_confirm_assumptions
from .models import Infrastructure, OutboundEmail, Parameter


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ("subject", "status", "attempts", "created_at", "sent_at")
    list_filter = ("status",)
    readonly_fields = ("to", "subject", "body", "status", "attempts", "last_error", "sent_at")


@admin.display(description=_("assumed, confirm with the infrastructure"), boolean=True)
def awaits_confirmation(obj: Any) -> bool:
    return bool(obj.awaits_confirmation)


class ReadOnlyInline(admin.TabularInline):
    """Rows shown with their parent and changed only through the platform's actions."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SourcedAdminMixin:
    """Reference facts: where each comes from, and which assumptions still need confirming.

    Mix into a ModelAdmin; its `confirm` action records who confirmed and when.
    """

    actions: Any = ["confirm"]
    readonly_fields: Any = ("confirmed_by", "confirmed_at")
    message_user: Any

    @admin.action(description=_("Confirm the selected assumptions"))
    def confirm(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        count = do_confirm_assumptions(request.user, queryset)
        self.message_user(
            request,
            ngettext("%(count)d assumption confirmed.", "%(count)d assumptions confirmed.", count)
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(Parameter)
class ParameterAdmin(SourcedAdminMixin, admin.ModelAdmin):
    list_display = ("key", "value", "description", "source", awaits_confirmation)
    list_filter = ("assumed",)
    search_fields = ("key", "description")


@admin.register(Infrastructure)
class InfrastructureAdmin(admin.ModelAdmin):
    list_display = ("name_sv", "short_name", "reference_prefix", "contact_email")

    def has_add_permission(self, request: HttpRequest) -> bool:
        # One infrastructure runs the platform.
        return super().has_add_permission(request) and not Infrastructure.objects.exists()
