"""Admin for accounts and machine access: users, groups, API tokens, sweep heartbeats.

Issue 18: authority is granted, never taken. Staff flags, groups, permissions and the superuser
flag are editable by superusers only (staff with `change_user` edit names and mail); a token's
owner and dates are read-only, revoking is one-way, and a new token is created by its owner or a
superuser and shown once.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse

from governance.core.admin import NoDeleteMixin
from governance.models import ApiToken, SweepHeartbeat
from governance.ops import tokens

admin.site.site_header = "Production governance portal"
admin.site.site_title = "Governance portal"
admin.site.index_title = "Policy and records"

SELF_SERVICE_USER_FIELDS = ("first_name", "last_name", "email")

admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Only superusers grant access: everyone else edits names and mail of non-superusers."""

    list_select_related = ()
    autocomplete_fields = ()

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser or obj is None:
            return super().get_readonly_fields(request, obj)
        fields = {name for fieldset in self.fieldsets for name in fieldset[1]["fields"]}
        return sorted(fields - set(SELF_SERVICE_USER_FIELDS))

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False  # a superuser's mail is how their password is reset
        return super().has_change_permission(request, obj)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def user_change_password(self, request, id, form_url=""):
        if not request.user.is_superuser and str(request.user.pk) != str(id):
            raise PermissionDenied("Only a superuser sets another person's password.")
        return super().user_change_password(request, id, form_url)


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin):
    """Groups mirror D9 roles and carry model permissions: superusers only change them."""

    list_select_related = ()
    autocomplete_fields = ()

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


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


class NewTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["user", "name"]


@admin.register(ApiToken)
class ApiTokenAdmin(NoDeleteMixin, admin.ModelAdmin):
    """A token never moves to another person and a revoked one never comes back."""

    list_display = ("key_hint", "user", "name", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("user__username", "name", "key_hint")
    list_select_related = ("user",)
    autocomplete_fields = ()
    readonly_fields = ("user", "key_hint", "created_at", "last_used_at", "revoked_at")
    fields = ("user", "name", "key_hint", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            form = NewTokenForm
            if not request.user.is_superuser:
                form = type("OwnTokenForm", (NewTokenForm,), {})
                form.base_fields["user"].queryset = User.objects.filter(pk=request.user.pk)
                form.base_fields["user"].initial = request.user.pk
            return form
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        return ("user", "name") if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        token, key = tokens.issue_token(actor=request.user, user=obj.user, name=obj.name)
        request.issued_key = key
        obj.pk = token.pk

    def response_add(self, request, obj, post_url_continue=None):
        # The plain key is rendered once in this response, never stored or put in a message.
        return TemplateResponse(
            request,
            "admin/governance/apitoken/issued.html",
            {
                **self.admin_site.each_context(request),
                "token": obj,
                "key": request.issued_key,
                "opts": self.model._meta,
                "title": "API token created",
            },
        )

    @admin.action(description="Revoke the selected tokens", permissions=["change"])
    def revoke(self, request, queryset):
        count = sum(tokens.revoke_token(actor=request.user, token=token) for token in queryset)
        self.message_user(request, f"{count} token(s) revoked.", messages.SUCCESS)
