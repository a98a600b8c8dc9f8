from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from samverkan.core.admin import SourcedAdminMixin, awaits_confirmation

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
class CentreAdmin(SourcedAdminMixin, admin.ModelAdmin):
    list_display = ("name_sv", "city", "source", awaits_confirmation)
    list_filter = ("assumed",)
    filter_horizontal = ("partners",)


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
