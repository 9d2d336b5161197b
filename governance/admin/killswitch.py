"""Admin for workspaces, approvals and the kill switch.

Decisions, activations, resume checks and the §5.2 log change only through services: their
admins are read-only (no add, change or delete), for superusers too.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from governance.models import (
    ApprovalDecision,
    ApprovalRequest,
    ApprovalRequirement,
    KillSwitchActivation,
    KillSwitchLogEntry,
    ResumeCheck,
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


class ApprovalRequirementInline(admin.TabularInline):
    model = ApprovalRequirement
    extra = 0
    can_delete = False
    readonly_fields = ("role", "due_at", "rows")

    def has_add_permission(self, request, obj=None):
        return False


class ApprovalDecisionInline(admin.TabularInline):
    model = ApprovalDecision
    extra = 0
    can_delete = False
    readonly_fields = (
        "role",
        "person",
        "verdict",
        "statement",
        "revision",
        "policy_version",
        "decided_at",
    )

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "title", "requester", "status", "revision")
    list_filter = ("kind", "status")
    search_fields = ("title", "requester__username")
    list_select_related = ("requester",)
    autocomplete_fields = ()
    inlines = [ApprovalRequirementInline, ApprovalDecisionInline]


@admin.register(ApprovalDecision)
class ApprovalDecisionAdmin(ReadOnlyAdmin):
    list_display = ("decided_at", "request", "person", "role", "verdict", "revision")
    list_filter = ("verdict", "role")
    search_fields = ("person__username", "statement", "request__title")
    list_select_related = ("request", "person", "role")
    autocomplete_fields = ()


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
