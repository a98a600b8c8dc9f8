from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import GMC, Committee, Contact, Organisation


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ("name", "kind", "organisation_number", "country", "is_gms_party")
    list_filter = ("kind", "is_gms_party", "country")
    search_fields = ("name", "organisation_number", "foreign_identifier")


@admin.register(Contact)
class ContactAdmin(SimpleHistoryAdmin):
    list_display = ("name", "email", "organisation")
    search_fields = ("name", "email", "organisation__name")
    list_select_related = ("organisation",)
    autocomplete_fields = ("organisation",)


@admin.register(GMC)
class GMCAdmin(admin.ModelAdmin):
    list_display = ("name_sv", "city")
    filter_horizontal = ("partners",)


@admin.register(Committee)
class CommitteeAdmin(SimpleHistoryAdmin):
    list_display = ("name_sv", "name_en", "kind", "is_central_entry_point")
    list_filter = ("kind",)
    search_fields = ("name_sv", "name_en", "slug")
    filter_horizontal = ("members",)
