from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from samverkan.accounts.models import OrganisationLinkRequest, User
from samverkan.core.admin import SourcedAdminMixin, awaits_confirmation

from . import linking
from .models import Centre, Committee, Contact, Organisation


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ("name", "kind", "organisation_number", "country", "is_infrastructure_party")
    list_filter = ("kind", "is_infrastructure_party", "country")
    search_fields = ("name", "organisation_number", "foreign_identifier")


@admin.register(Contact)
class ContactAdmin(SimpleHistoryAdmin):
    list_display = ("name", "email", "organisation")
    search_fields = ("name", "email", "organisation__name")
    list_select_related = ("organisation",)
    autocomplete_fields = ("organisation",)


@admin.register(Centre)
class CentreAdmin(SourcedAdminMixin, SimpleHistoryAdmin):
    list_display = ("name_sv", "city", "source", awaits_confirmation)
    list_filter = ("assumed",)
    filter_horizontal = ("partners", "members")


@admin.register(Committee)
class CommitteeAdmin(SourcedAdminMixin, SimpleHistoryAdmin):
    list_display = (
        "name_sv",
        "name_en",
        "kind",
        "is_central_entry_point",
        "source",
        awaits_confirmation,
    )
    list_filter = ("kind", "assumed")
    search_fields = ("name_sv", "name_en", "slug")
    filter_horizontal = ("members",)


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
                linking.do_approve_link_request(link_request, user)
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
