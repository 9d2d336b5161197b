"""Admin for the outbox: every message, its state, and a retry action."""

from django.contrib import admin, messages

from governance.models import Notification
from governance.notifications import outbox as notifications


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "template",
        "address",
        "subject",
        "status",
        "attempts",
        "next_attempt_at",
    )
    list_filter = ("status", "template")
    search_fields = ("address", "subject", "dedupe_key")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = ["retry_now"]
    readonly_fields = [field.name for field in Notification._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Retry now (failed or pending)")
    def retry_now(self, request, queryset):
        count = notifications.retry_now(queryset)
        self.message_user(request, f"{count} notification(s) queued again.", messages.SUCCESS)

    def get_actions(self, request):
        # The retry action is allowed although rows are read-only: it only resets delivery state.
        actions = super().get_actions(request)
        if request.user.has_perm("governance.view_notification"):
            actions["retry_now"] = self.get_action("retry_now")
        return actions
