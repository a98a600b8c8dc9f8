"""Strategies in the admin. Titles, notes and sources are reference data and editable here;
actions and links to points are read-only, because they change through the strategy pages
and imports, which check, version and record every change."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from samverkan.core.admin import SourcedAdminMixin, awaits_confirmation

from .models import Action, Area, Goal, Point, PointCollaboration, Source, Strategy


@admin.register(Goal)
class GoalAdmin(SourcedAdminMixin, admin.ModelAdmin):
    list_display = ("number", "text_sv", "text_en", "source", awaits_confirmation)


class VersionBumpingAdmin(SimpleHistoryAdmin):
    """An edit in the admin makes forms opened before it stale, as on the pages."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)


@admin.register(Strategy)
class StrategyAdmin(VersionBumpingAdmin):
    list_display = (
        "title_sv",
        "kind",
        "publisher",
        "owner_organisation",
        "adopted_on",
        "period_start",
        "period_end",
    )
    list_filter = ("kind",)
    search_fields = ("title_sv", "title_en", "slug")
    list_select_related = ("implements", "owner_organisation")
    filter_horizontal = ("sources", "editors")
    autocomplete_fields = ("owner_organisation",)


@admin.register(Area)
class AreaAdmin(SimpleHistoryAdmin):
    list_display = ("strategy", "number", "title_sv")
    list_filter = ("strategy",)
    list_select_related = ("strategy",)


@admin.register(Source)
class SourceAdmin(SimpleHistoryAdmin):
    list_display = ("title", "publisher", "published_on", "strategy")
    list_filter = ("strategy",)
    search_fields = ("title", "publisher", "url")
    list_select_related = ("strategy",)


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Point)
class PointAdmin(ReadOnlyAdmin):
    list_display = ("number", "title_sv", "strategy", "area", "goal", "version")
    list_filter = ("strategy",)
    search_fields = ("number", "title_sv", "title_en")
    list_select_related = ("strategy", "area", "goal")


@admin.register(Action)
class ActionAdmin(ReadOnlyAdmin):
    list_display = ("title", "strategy", "owner_name", "status", "progress", "start_date")
    list_filter = ("strategy", "status")
    search_fields = ("title", "description", "owner_name")
    list_select_related = ("strategy", "owner_organisation")


@admin.register(PointCollaboration)
class PointCollaborationAdmin(ReadOnlyAdmin):
    list_display = ("point", "collaboration", "linked_by", "linked_at")
    list_select_related = ("point", "collaboration", "linked_by")
