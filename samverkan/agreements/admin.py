"""Agreements in the admin: read-only, because every change goes through the actions so it
is versioned and checked. The principles are reference data, edited here.

Communication drafts are registered with the collaborations."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from samverkan.core.admin import ReadOnlyInline, SourcedAdminMixin, awaits_confirmation

from .models import Agreement, AgreementDocument, AgreementPrinciple, PrincipleAnswer


@admin.register(AgreementPrinciple)
class AgreementPrincipleAdmin(SourcedAdminMixin, admin.ModelAdmin):
    list_display = ("slug", "text_sv", "text_en", "order", "source", awaits_confirmation)
    list_filter = ("assumed",)
    search_fields = ("slug", "text_sv", "text_en")


class AgreementDocumentInline(ReadOnlyInline):
    model = AgreementDocument
    # Not the file field: its widget would link to a media URL, and there is none.
    fields = (
        "number",
        "download",
        "content_type",
        "size",
        "sha256",
        "uploaded_by",
        "uploaded_at",
    )
    readonly_fields = fields

    @admin.display(description=_("file"))
    def download(self, obj: AgreementDocument) -> str:
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), obj.original_name)


class PrincipleAnswerInline(ReadOnlyInline):
    model = PrincipleAnswer
    fields = ("principle", "answer", "comment")
    readonly_fields = fields


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Agreement)
class AgreementAdmin(ReadOnlyAdmin):
    list_display = ("title", "collaboration", "kind", "status", "signed_on", "valid_to")
    list_filter = ("status", "kind")
    search_fields = ("title", "collaboration__title")
    list_select_related = ("collaboration",)
    date_hierarchy = "valid_to"
    inlines = [AgreementDocumentInline, PrincipleAnswerInline]
