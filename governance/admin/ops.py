from django.contrib import admin, messages

from governance import notifications
from governance.models import ApiToken, Notification, SweepHeartbeat

admin.site.site_header = "Production governance portal"
admin.site.site_title = "Governance portal"
admin.site.index_title = "Policy and records"


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


@admin.register(SweepHeartbeat)
class SweepHeartbeatAdmin(admin.ModelAdmin):
    list_display = ("name", "last_finished_at", "runs", "last_result", "last_error")
    list_filter = ()
    search_fields = ("name",)
    list_select_related = ()
    readonly_fields = (
        "name",
        "last_started_at",
        "last_finished_at",
        "last_result",
        "last_error",
        "runs",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("key_hint", "user", "name", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("user__username", "name", "key_hint")
    list_select_related = ("user",)
    autocomplete_fields = ("user",)
    readonly_fields = ("key_hint", "created_at", "last_used_at")
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # tokens are issued by `manage.py create_api_token`, shown once

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        from django.utils import timezone

        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"{count} token(s) revoked.", messages.SUCCESS)
