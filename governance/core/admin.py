"""Admin shared by every concern: the history admin every history-tracked model uses, the
read-only record admins, and workspaces.

DESIGN "Security": nobody edits a history row or restores a past version, not in the admin
either. django-simple-history's `SIMPLE_HISTORY_REVERT_DISABLED` only hides the button: its
history form view still saves a POST (issue 18). `HistoryAdmin` refuses every write there, for
superusers too; the `governance.E018` check keeps every history-tracked admin on it.
"""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core import checks
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseNotAllowed
from simple_history.admin import SimpleHistoryAdmin

from governance.models import (
    Workspace,
)
from governance.record.chain import ChainedRecord

READ_ONLY_HISTORY = (
    "The history is a record: a past version can be read here, never restored. "
    "Make a new change instead."
)


class HistoryAdmin(SimpleHistoryAdmin):
    """Base of every history-tracked admin: history pages readable by whoever may view the
    object; no revert through any view or method, whatever the permission."""

    def revert_disabled(self, request, obj=None):
        return True

    def has_change_history_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # A row in the tamper-evident record (issue 20) is never deleted, whoever asks; the
        # chain refuses it anyway, this keeps the admin from offering it.
        if isinstance(obj, ChainedRecord) and obj.in_chain():
            return False
        return super().has_delete_permission(request, obj)

    def history_view(self, request, object_id, extra_context=None):
        self.refuse_outside_queryset(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"], READ_ONLY_HISTORY)
        self.refuse_outside_queryset(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def refuse_outside_queryset(self, request, object_id) -> None:
        """A scoped admin (e.g. personal calendars: the owner's own) scopes its history too;
        simple-history reads the history table directly and would show any row's."""
        pk = unquote(object_id)
        live = self.model._default_manager.filter(pk=pk)
        try:
            hidden = live.exists() and not self.get_queryset(request).filter(pk=pk).exists()
        except (ValueError, ValidationError):
            raise Http404 from None
        if hidden:
            raise Http404


class NoDeleteMixin:
    """Records an audit needs (DESIGN "Everything is on the record"): never deleted here."""

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


class ReadOnlyMixin(NoDeleteMixin):
    """Records written by services only: viewable, never added, edited or deleted here."""

    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyMixin, HistoryAdmin):
    """A history-tracked record written by services only."""


class ReadOnlyRecordAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """A record without history (timeline events, steps) written by services only."""


@checks.register(checks.Tags.admin)
def history_admins_are_read_only(app_configs=None, **kwargs):
    """Every admin of a history-tracked model derives from HistoryAdmin, and history editing
    (SIMPLE_HISTORY_EDIT) stays off."""
    errors = []
    if getattr(settings, "SIMPLE_HISTORY_EDIT", False):
        errors.append(checks.Error("SIMPLE_HISTORY_EDIT must stay off.", id="governance.E018"))
    for model, model_admin in admin.site._registry.items():
        tracked = hasattr(model._meta, "simple_history_manager_attribute")
        if tracked and not isinstance(model_admin, HistoryAdmin):
            errors.append(
                checks.Error(
                    f"{type(model_admin).__name__} of {model._meta.label} must derive from "
                    "governance.core.admin.HistoryAdmin (history is read-only).",
                    id="governance.E018",
                )
            )
    return errors


@admin.register(Workspace)
class WorkspaceAdmin(HistoryAdmin):
    list_display = ("name", "slug")
    list_filter = ()
    search_fields = ("name", "slug")
    list_select_related = ()
    autocomplete_fields = ("members",)
    prepopulated_fields = {"slug": ("name",)}
