"""Admin for the launch checklist's records (read-only, history kept)."""

from django.contrib import admin

from governance.core.admin import ReadOnlyAdmin
from governance.models import (
    GoNoGoDecision,
    LaunchChecklistItem,
)


@admin.register(LaunchChecklistItem)
class LaunchChecklistItemAdmin(ReadOnlyAdmin):
    list_display = ("launch", "activity", "status", "done_by", "signed_off_at")
    list_filter = ("status",)
    search_fields = ("launch__name", "activity__name")
    list_select_related = ("launch", "activity", "done_by")
    autocomplete_fields = ()


@admin.register(GoNoGoDecision)
class GoNoGoDecisionAdmin(ReadOnlyAdmin):
    list_display = ("decided_at", "launch", "outcome", "decided_by", "policy_version")
    list_filter = ("outcome",)
    search_fields = ("launch__name", "reason")
    list_select_related = ("launch", "decided_by", "policy_version")
    autocomplete_fields = ()
