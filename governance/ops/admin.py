from django.contrib import admin, messages

from governance.models import ApiToken, SweepHeartbeat

admin.site.site_header = "Production governance portal"
admin.site.site_title = "Governance portal"
admin.site.index_title = "Policy and records"


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
