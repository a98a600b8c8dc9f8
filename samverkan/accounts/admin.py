from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from . import actions
from .models import OrganisationLinkRequest, User


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


@admin.register(OrganisationLinkRequest)
class OrganisationLinkRequestAdmin(SimpleHistoryAdmin):
    """Read-only here except for approving: decisions go through the actions, recorded."""

    list_display = (
        "created_at",
        "user",
        "organisation_name",
        "identifier",
        "organisation",
        "status",
        "decided_by",
        "decided_at",
    )
    list_filter = ("status",)
    list_select_related = ("user", "organisation", "decided_by")
    search_fields = (
        "organisation_name",
        "organisation_number",
        "foreign_identifier",
        "user__username",
        "user__email",
    )
    date_hierarchy = "created_at"
    readonly_fields = (
        "user",
        "organisation",
        "organisation_name",
        "organisation_number",
        "foreign_identifier",
        "country",
        "note",
        "language",
        "status",
        "decided_by",
        "decided_at",
        "comment",
        "created_at",
    )
    actions = ["approve"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The change page is for reading; it saves nothing.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Approve the selected requests"), permissions=["view"])
    def approve(self, request: HttpRequest, queryset: QuerySet[OrganisationLinkRequest]) -> None:
        user = request.user
        if not isinstance(user, User):
            raise PermissionDenied
        done = 0
        for link_request in queryset.select_related("user"):
            try:
                actions.do_approve_link_request(link_request, user)
            except PermissionDenied:
                self.message_user(
                    request, _("Only coordinators approve link requests."), messages.ERROR
                )
                return
            except ValidationError as error:
                self.message_user(
                    request, f"{link_request}: {' '.join(error.messages)}", messages.WARNING
                )
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(n)d request approved.", "%(n)d requests approved.", done) % {"n": done},
                messages.SUCCESS,
            )
