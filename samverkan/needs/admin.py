"""Needs in the admin: read-only with their history and the collaborations that answer them,
because every change goes through the actions so that it is versioned, checked and recorded.
The status actions (publish, mark met, close, back to draft) call them too."""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from simple_history.admin import SimpleHistoryAdmin

from samverkan.collaborations.models import CollaborationNeed
from samverkan.core.admin import ReadOnlyInline
from samverkan.core.models import StaleRecordError

from . import actions
from .models import Need


def _change_status(
    admin_: "NeedAdmin", request: HttpRequest, queryset: QuerySet[Need], status: str
) -> None:
    done = 0
    for need in queryset:
        if need.status == status:
            continue
        try:
            actions.do_change_need_status(need, request.user, status)  # type: ignore[arg-type]
        except (PermissionDenied, StaleRecordError, ValidationError) as error:
            admin_.message_user(
                request,
                _("%(need)s: not changed (%(reason)s).")
                % {"need": need, "reason": str(error) or _("not allowed")},
                messages.ERROR,
            )
        else:
            done += 1
    if done:
        admin_.message_user(
            request,
            ngettext("%(count)d need changed.", "%(count)d needs changed.", done) % {"count": done},
        )


class CollaborationLinkInline(ReadOnlyInline):
    """The collaborations that answer the need; linked on the need's page or through the API."""

    model = CollaborationNeed
    fields = ("collaboration", "linked_by", "linked_at")
    readonly_fields = fields


@admin.register(Need)
class NeedAdmin(SimpleHistoryAdmin):
    list_display = (
        "title",
        "committee",
        "centre",
        "contact_committee",
        "kind",
        "status",
        "state",
        "published_at",
        "updated_at",
    )
    list_filter = ("status", "kind", "committee", "centre", "goals")
    search_fields = ("title", "description", "desired_partner")
    list_select_related = ("committee", "centre", "contact_committee")
    date_hierarchy = "created_at"
    inlines = [CollaborationLinkInline]
    fields = (
        "committee",
        "centre",
        "contact_committee",
        "title",
        "description",
        "title_en",
        "description_en",
        "kind",
        "desired_partner",
        "status",
        "state",
        "published_at",
        "met_at",
        "met_by",
        "goals",
        "created_by",
        "created_at",
        "updated_at",
        "version",
    )
    readonly_fields = fields
    actions = ["publish", "mark_met", "close", "back_to_draft"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Need]:
        return super().get_queryset(request).with_state()

    @admin.display(description=gettext_lazy("state"))
    def state(self, obj: Need) -> str:
        return obj.get_state_display()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=gettext_lazy("Publish the selected needs"))
    def publish(self, request: HttpRequest, queryset: QuerySet[Need]) -> None:
        _change_status(self, request, queryset, Need.Status.PUBLISHED)

    @admin.action(description=gettext_lazy("Mark the selected needs met"))
    def mark_met(self, request: HttpRequest, queryset: QuerySet[Need]) -> None:
        _change_status(self, request, queryset, Need.Status.MET)

    @admin.action(description=gettext_lazy("Close the selected needs"))
    def close(self, request: HttpRequest, queryset: QuerySet[Need]) -> None:
        _change_status(self, request, queryset, Need.Status.CLOSED)

    @admin.action(description=gettext_lazy("Return the selected needs to draft"))
    def back_to_draft(self, request: HttpRequest, queryset: QuerySet[Need]) -> None:
        _change_status(self, request, queryset, Need.Status.DRAFT)
