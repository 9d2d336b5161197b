"""Admin for the outbox (every message, its state, a retry action), contact methods and team
channels (URLs masked, added only through the tested service) and notification rules."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone

from governance.core.admin import HistoryAdmin
from governance.core.history import save_with_history
from governance.models import ContactMethod, Notification, NotificationRule, Team
from governance.notifications import outbox as notifications
from governance.notifications import selectors, services


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "template",
        "urgency",
        "address",
        "subject",
        "status",
        "attempts",
        "next_attempt_at",
    )
    list_filter = ("status", "urgency", "method", "template")
    search_fields = ("address", "subject", "dedupe_key")
    list_select_related = ("recipient", "method")
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


class ContactMethodAddForm(forms.ModelForm):
    """Adding takes the URL in clear once; it is tested, sealed and shown masked afterwards."""

    url = forms.CharField(
        label="Apprise URL or mail address",
        max_length=2000,
        widget=forms.PasswordInput(render_value=False),
        help_text="e.g. slack://…, ntfy://…, json://host/ or a mail address. A test message "
        "is sent before it is saved.",
    )

    class Meta:
        model = ContactMethod
        fields = ("name", "user", "team")

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            self.method = services.add_contact_method(
                actor=self.actor,
                at=timezone.now(),
                name=cleaned["name"],
                url=cleaned["url"],
                user=cleaned.get("user"),
                team=cleaned.get("team"),
            )
        except ValidationError as error:
            for field, field_messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, field_messages)
        return cleaned

    def validate_unique(self):
        """The service checked the name before saving; the row it saved is not a clash."""

    def save(self, commit=True):
        return self.method

    def save_m2m(self):
        """Nothing many-to-many; the admin calls it after save()."""


@admin.register(Team)
class TeamAdmin(HistoryAdmin):
    list_display = ("slug", "name")
    list_filter = ()
    search_fields = ("slug", "name")
    list_select_related = ()


@admin.register(ContactMethod)
class ContactMethodAdmin(HistoryAdmin):
    list_display = (
        "name",
        "user",
        "team",
        "kind",
        "masked_url",
        "verified_at",
        "active",
        "failed",
        "sent",
    )
    list_filter = ("kind", "active", "team")
    search_fields = ("name", "user__username", "team__slug", "masked_url")
    list_select_related = ("user", "team")
    autocomplete_fields = ("user", "team")
    readonly_fields = ("user", "team", "name", "kind", "masked_url", "verified_at", "created_at")
    exclude = ("sealed_url",)
    actions = ["send_test"]

    def get_queryset(self, request):
        return selectors.contact_methods()

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            form = ContactMethodAddForm

            class BoundForm(form):
                def __init__(self, *args, **kw):
                    super().__init__(*args, actor=request.user, **kw)

            return BoundForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("name", "user", "team", "url")
        return (*self.readonly_fields, "active")

    def save_model(self, request, obj, form, change):
        if change:  # only `active` is editable; the history names who switched it
            save_with_history(obj, actor=request.user, reason="Switched on/off in the admin")

    @admin.display(description="failed", ordering="failed")
    def failed(self, obj):
        return obj.failed

    @admin.display(description="sent", ordering="sent")
    def sent(self, obj):
        return obj.sent

    @admin.action(description="Send a test message (verifies the method)")
    def send_test(self, request, queryset):
        for method in queryset:
            reason = services.verify_contact_method(
                method=method, actor=request.user, at=timezone.now()
            )
            if reason:
                self.message_user(request, f"{method}: {reason}", messages.ERROR)
            else:
                self.message_user(request, f"{method}: test message delivered.", messages.SUCCESS)


@admin.register(NotificationRule)
class NotificationRuleAdmin(HistoryAdmin):
    list_display = ("user", "urgency", "method", "delay_minutes")
    list_filter = ("urgency",)
    search_fields = ("user__username", "method__name")
    list_select_related = ("user", "method")
    autocomplete_fields = ("user", "method")
