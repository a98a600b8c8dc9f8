from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import actions
from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "role", "organisation")
    list_filter = ("role", "is_active", "is_staff")
    list_select_related = ("organisation",)
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Samverkan"), {"fields": ("role", "organisation")}),
    )
    add_fieldsets = (
        *(BaseUserAdmin.add_fieldsets or ()),
        (
            _("Samverkan"),
            {"fields": ("email", "first_name", "last_name", "role", "organisation")},
        ),
    )
    autocomplete_fields = ("organisation",)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # An address typed by the staff counts as verified, as for do_create_staff_user.
        if not change or "email" in form.changed_data:
            try:
                actions.do_mark_email_verified(obj)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.WARNING)
