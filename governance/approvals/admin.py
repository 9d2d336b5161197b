"""Admin for approval requests and decisions (records: read-only, history kept)."""

from django.contrib import admin

from governance.core.admin import ReadOnlyAdmin
from governance.models import (
    ApprovalDecision,
    ApprovalRequest,
    ApprovalRequirement,
)


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
        "held_as",
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
    list_display = ("decided_at", "request", "person", "role", "held_as", "verdict", "revision")
    list_filter = ("verdict", "role")
    search_fields = ("person__username", "statement", "request__title")
    list_select_related = ("request", "person", "role")
    autocomplete_fields = ()
