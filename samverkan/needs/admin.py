from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Need


@admin.register(Need)
class NeedAdmin(SimpleHistoryAdmin):
    list_display = ("title", "committee", "kind", "status", "created_at")
    list_filter = ("status", "kind", "committee")
    search_fields = ("title", "description")
