"""Admin for the rollout: phases, gate reviews, transitions and rollback sign-offs.

All of them change only through the services of governance.rollout (D9 §6): read-only here
(no add, change or delete), for superusers too. Decisions are read-only in their own admin.
"""

from django.contrib import admin

from governance.core.admin import ReadOnlyAdmin
from governance.models import (
    OnCallTrainedAttestation,
    PhaseAdvance,
    PhaseTransition,
    RollbackSignOff,
    RollbackSignOffReason,
    Rollout,
)


class RollbackReasonInline(admin.TabularInline):
    model = RollbackSignOffReason
    extra = 0
    can_delete = False
    readonly_fields = ("reason",)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Rollout)
class RolloutAdmin(ReadOnlyAdmin):
    list_display = ("name", "slug", "phase", "ga_declared_at")
    list_filter = ("phase",)
    search_fields = ("name", "slug")
    list_select_related = ()
    autocomplete_fields = ()


@admin.register(PhaseAdvance)
class PhaseAdvanceAdmin(ReadOnlyAdmin):
    list_display = ("requested_at", "rollout", "gate", "status", "requested_by", "completed_at")
    list_filter = ("status", "to_phase")
    search_fields = ("criteria", "requested_by__username")
    list_select_related = ("rollout", "gate", "requested_by")
    autocomplete_fields = ()


@admin.register(PhaseTransition)
class PhaseTransitionAdmin(ReadOnlyAdmin):
    list_display = ("at", "rollout", "from_phase", "to_phase", "kind", "actor")
    list_filter = ("kind", "to_phase")
    search_fields = ("actor__username",)
    list_select_related = ("rollout", "actor")
    autocomplete_fields = ()
    date_hierarchy = "at"


@admin.register(RollbackSignOff)
class RollbackSignOffAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "rollback_type",
        "from_phase",
        "to_phase",
        "authorized_by",
        "approved_by",
        "status",
    )
    list_filter = ("status", "rollback_type")
    search_fields = ("other_reason", "authorized_by__username", "approved_by__username")
    list_select_related = ("rollback_type", "authorized_by", "approved_by")
    autocomplete_fields = ()
    inlines = [RollbackReasonInline]


@admin.register(OnCallTrainedAttestation)
class OnCallTrainedAttestationAdmin(ReadOnlyAdmin):
    """The SRE Lead's D9 §6.2 "on-call trained" attestations, recorded on the gate page."""

    list_display = ("rollout", "attested_by", "attested_at", "statement")
    list_filter = ("rollout",)
    search_fields = ("statement", "evidence")
    list_select_related = ("rollout", "attested_by")
    autocomplete_fields = ("rollout", "attested_by")
