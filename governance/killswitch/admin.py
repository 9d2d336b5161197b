"""Admin for workspaces, approvals and the kill switch.

Decisions, activations, resume checks and the §5.2 log change only through services: their
admins are read-only (no add, change or delete), for superusers too.
"""

from django.contrib import admin

from governance.core.admin import ReadOnlyAdmin
from governance.models import (
    KillSwitchActivation,
    KillSwitchLogEntry,
    ResumeCheck,
)


@admin.register(KillSwitchActivation)
class KillSwitchActivationAdmin(ReadOnlyAdmin):
    list_display = ("activated_at", "scenario", "scope", "workspace", "status", "activated_by")
    list_filter = ("status", "scope", "scenario")
    search_fields = ("reason", "workspace__name", "activated_by__username")
    list_select_related = ("scenario", "workspace", "activated_by")
    autocomplete_fields = ()


@admin.register(KillSwitchLogEntry)
class KillSwitchLogEntryAdmin(ReadOnlyAdmin):
    list_display = (
        "timestamp",
        "event",
        "actor",
        "severity",
        "scope",
        "approval",
        "notification_sent_to",
    )
    list_filter = ("event", "severity")
    search_fields = ("reason", "scope", "actor__username")
    list_select_related = ("actor",)
    autocomplete_fields = ()
    date_hierarchy = "timestamp"


@admin.register(ResumeCheck)
class ResumeCheckAdmin(ReadOnlyAdmin):
    list_display = ("verified_at", "activation", "verification", "verified_by")
    list_filter = ("authority",)
    search_fields = ("verified_by__username",)
    list_select_related = ("activation", "verification", "verified_by")
    autocomplete_fields = ()
