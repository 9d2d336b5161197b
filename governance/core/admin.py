"""Admin shared by every concern: the read-only record admin, and workspaces."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from governance.models import (
    Workspace,
)


class ReadOnlyAdmin(SimpleHistoryAdmin):
    """Records written by services only: viewable, never added, edited or deleted here."""

    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Workspace)
class WorkspaceAdmin(SimpleHistoryAdmin):
    list_display = ("name", "slug")
    list_filter = ()
    search_fields = ("name", "slug")
    list_select_related = ()
    autocomplete_fields = ("members",)
    prepopulated_fields = {"slug": ("name",)}
