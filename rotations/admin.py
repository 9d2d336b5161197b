"""Admin of the rotation (D9 §3): every change in history; actions call the services."""

from django.contrib import admin, messages
from django.utils import timezone

from governance.core.admin import HistoryAdmin, NoDeleteMixin
from rotations import services
from rotations.models import (
    Handoff,
    HandoffCheck,
    HandoffReminder,
    Override,
    PersonalCalendar,
    ReadinessAttestation,
    RosterMember,
    Rotation,
    RotationPolicy,
    RotationWeek,
    SwapRequest,
)


@admin.register(RotationPolicy)
class RotationPolicyAdmin(HistoryAdmin):
    list_display = ["__str__", "swaps_need_owner_approval", "weeks_ahead"]
    list_filter = ["swaps_need_owner_approval"]
    search_fields = []
    list_select_related = []
    autocomplete_fields = []

    def has_add_permission(self, request):
        return not RotationPolicy.objects.exists()


class RosterInline(admin.TabularInline):
    model = RosterMember
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Rotation)
class RotationAdmin(HistoryAdmin):
    list_display = [
        "name",
        "slug",
        "time_zone",
        "handoff_weekday",
        "handoff_time",
        "is_policy_rotation",
        "active",
    ]
    list_filter = ["is_policy_rotation", "active", "time_zone"]
    search_fields = ["name", "slug"]
    list_select_related = []
    autocomplete_fields = []
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["calendar_token"]
    inlines = [RosterInline]
    actions = ["generate", "rebalance", "revoke_calendar"]

    @admin.action(description="Generate weeks up to the policy horizon")
    def generate(self, request, queryset):
        ahead = timezone.timedelta(weeks=RotationPolicy.current().weeks_ahead)
        for rotation in queryset:
            weeks = services.generate_weeks(
                rotation=rotation, actor=request.user, until=timezone.now() + ahead
            )
            self.message_user(request, f"{rotation}: {len(weeks)} week(s) generated.")

    @admin.action(description="Rebalance future weeks from the current roster")
    def rebalance(self, request, queryset):
        for rotation in queryset:
            changed = services.regenerate_future_weeks(rotation=rotation, actor=request.user)
            self.message_user(request, f"{rotation}: {len(changed)} future week(s) changed.")

    @admin.action(description="Revoke the calendar address (issue a new one)")
    def revoke_calendar(self, request, queryset):
        for rotation in queryset:
            services.revoke_rotation_calendar(actor=request.user, rotation=rotation)
        self.message_user(request, "New calendar addresses issued.")


@admin.register(RotationWeek)
class RotationWeekAdmin(NoDeleteMixin, HistoryAdmin):
    list_display = ["rotation", "starts_at", "ends_at", "primary", "secondary"]
    list_filter = ["rotation"]
    search_fields = ["primary__username", "secondary__username", "rotation__name"]
    list_select_related = ["rotation", "primary", "secondary"]
    autocomplete_fields = ["primary", "secondary"]
    date_hierarchy = "starts_at"
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.starts_at <= timezone.now():
            return ["rotation", "starts_at", "ends_at", "primary", "secondary"]
        return ["rotation", "starts_at", "ends_at"]

    def has_add_permission(self, request):
        return False  # weeks are generated, never typed in

    def save_model(self, request, obj, form, change):
        old = RotationWeek.objects.get(pk=obj.pk)
        primary, secondary = obj.primary, obj.secondary
        obj.primary, obj.secondary = old.primary, old.secondary
        services.set_week_holders(
            week=obj,
            primary=primary,
            secondary=secondary,
            actor=request.user,
            reason="Edited in the admin",
        )
        for user in services.unready_users([primary, secondary]):
            messages.warning(
                request,
                f'{user.get_full_name() or user} has not attested "D8 reviewed" (D9 §3.4); '
                "they have been mailed a reminder.",
            )


@admin.register(Override)
class OverrideAdmin(NoDeleteMixin, HistoryAdmin):
    list_display = ["rotation", "tier", "user", "replaces", "starts_at", "ends_at", "cancelled_at"]
    list_filter = ["rotation", "tier"]
    search_fields = ["user__username", "replaces__username"]
    list_select_related = ["rotation", "user", "replaces"]
    autocomplete_fields = ["user", "replaces"]
    readonly_fields = ["swap", "created_by", "created_at"]
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        services.create_override(
            actor=request.user,
            rotation=obj.rotation,
            tier=obj.tier,
            starts_at=obj.starts_at,
            ends_at=obj.ends_at,
            user=obj.user,
            replaces=obj.replaces,
        )


@admin.register(SwapRequest)
class SwapRequestAdmin(NoDeleteMixin, HistoryAdmin):
    list_display = ["rotation", "tier", "requester", "colleague", "starts_at", "status"]
    list_filter = ["status", "tier", "rotation"]
    search_fields = ["requester__username", "colleague__username", "reason"]
    list_select_related = ["rotation", "requester", "colleague"]
    autocomplete_fields = ["requester", "colleague"]
    readonly_fields = [f.name for f in SwapRequest._meta.fields]

    def has_add_permission(self, request):
        return False  # engineers ask on the swap page; decisions are not edited here


class HandoffCheckInline(admin.TabularInline):
    model = HandoffCheck
    extra = 0
    readonly_fields = ["item", "checked_by", "checked_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Handoff)
class HandoffAdmin(NoDeleteMixin, HistoryAdmin):
    list_display = ["rotation", "at", "outgoing_primary", "incoming_primary"]
    list_filter = ["rotation"]
    search_fields = ["outgoing_primary__username", "incoming_primary__username"]
    list_select_related = ["rotation", "outgoing_primary", "incoming_primary"]
    autocomplete_fields = []
    readonly_fields = [
        "rotation",
        "week",
        "at",
        "outgoing_primary",
        "outgoing_secondary",
        "incoming_primary",
        "incoming_secondary",
    ]
    inlines = [HandoffCheckInline]
    show_full_result_count = False


@admin.register(HandoffReminder)
class HandoffReminderAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["handoff", "kind", "sent_at"]
    list_filter = ["kind"]
    search_fields = ["handoff__rotation__name"]
    list_select_related = ["handoff__rotation"]
    autocomplete_fields = []

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReadinessAttestation)
class ReadinessAttestationAdmin(NoDeleteMixin, HistoryAdmin):
    list_display = ["user", "expectation", "attested_on"]
    list_filter = ["expectation"]
    search_fields = ["user__username", "user__last_name"]
    list_select_related = ["user", "expectation"]
    autocomplete_fields = ["user"]


@admin.register(PersonalCalendar)
class PersonalCalendarAdmin(HistoryAdmin):
    """A personal calendar address is a secret of its owner (issue 18): each person sees only
    their own here, superusers included; a new address is issued on the calendar page."""

    list_display = ["user"]
    list_filter = []
    search_fields = ["user__username"]
    list_select_related = ["user"]
    autocomplete_fields = []
    readonly_fields = ["user", "token"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(user=request.user)

    def has_add_permission(self, request):
        return False
