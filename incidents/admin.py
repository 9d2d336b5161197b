"""Admin for incident records. Opening, acknowledging, escalating and resolving go through the
services (pages, API, sweep), so state fields are read-only here; the timeline, the frozen steps
and responders are read-only records."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from governance import authority
from governance.core.admin import HistoryAdmin, NoDeleteMixin, ReadOnlyAdmin, ReadOnlyRecordAdmin
from incidents import integrations, selectors
from incidents.models import (
    Alert,
    AlertGroup,
    ClientCommunication,
    ClientMailDelivery,
    ContributingFactor,
    FollowUpTicket,
    Incident,
    IncidentEvent,
    IncidentStep,
    IncidentUpdate,
    Integration,
    PostIncidentReview,
    Responder,
    StatusSubscriber,
)
from incidents.status import services as status_services

USER_FIELDS = (
    "opened_by",
    "acknowledged_by",
    "resolved_by",
    "on_call_primary",
    "on_call_secondary",
)


class EventInline(admin.TabularInline):
    model = IncidentEvent
    fields = ("at", "kind", "actor", "text")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Incident)
class IncidentAdmin(NoDeleteMixin, HistoryAdmin):
    list_display = (
        "id",
        "title",
        "severity",
        "status",
        "workspace",
        "opened_at",
        "acknowledged_at",
        "resolved_at",
    )
    list_filter = ("status", "severity", "client_facing")
    search_fields = ("title", "impact", "=dedupe_key", "=workspace__slug", "=id")
    list_select_related = ("severity", "workspace")
    autocomplete_fields = (*USER_FIELDS, "workspace")
    date_hierarchy = None
    # 100 000 incidents: no full count, newest first through the opened_at index.
    show_full_result_count = False
    ordering = ("-opened_at", "-id")
    list_per_page = 50
    readonly_fields = (
        "severity",
        "status",
        "dedupe_key",
        "opened_at",
        "ladder_started_at",
        "acknowledged_at",
        "resolved_at",
        "next_update_at",
        "root_cause",
        "resolution",
        *USER_FIELDS,
    )
    inlines = [EventInline]

    def get_search_results(self, request, queryset, search_term):
        # The list's search (one definition, every branch indexed on PostgreSQL) instead of the
        # admin's per-word OR over a join on the workspace, which no index serves: 0.6 s at
        # 100 000 incidents (issue 16 point 4). `search_fields` above names what it searches.
        if not search_term.strip():
            return queryset, False
        return selectors.matching(queryset, search_term), False

    def has_add_permission(self, request):
        # Opening freezes the ladder and pages the On-Call: use the declare page or the API.
        return False


@admin.register(IncidentStep)
class IncidentStepAdmin(ReadOnlyRecordAdmin):
    list_display = ("incident", "kind", "label", "due_at", "fired_at", "cancelled_at")
    list_filter = ("kind",)
    search_fields = ("=incident__id", "label", "key")
    list_select_related = ("incident__severity",)
    autocomplete_fields = ("incident",)
    show_full_result_count = False


@admin.register(IncidentEvent)
class IncidentEventAdmin(ReadOnlyRecordAdmin):
    list_display = ("incident", "at", "kind", "actor", "text")
    list_filter = ("kind",)
    search_fields = ("=incident__id", "text")
    list_select_related = ("incident__severity", "actor")
    autocomplete_fields = ("incident", "actor")
    show_full_result_count = False


@admin.register(Responder)
class ResponderAdmin(ReadOnlyRecordAdmin):
    list_display = ("incident", "user", "role", "paged_at")
    list_filter = ("role",)
    search_fields = ("=incident__id", "user__username")
    list_select_related = ("incident__severity", "user", "role")
    autocomplete_fields = ("incident", "user")
    show_full_result_count = False


@admin.register(IncidentUpdate)
class IncidentUpdateAdmin(ReadOnlyAdmin):
    list_display = ("incident", "kind", "status", "posted_at", "posted_by")
    list_filter = ("kind", "status")
    search_fields = ("=incident__id", "body")
    list_select_related = ("incident__severity", "posted_by")
    autocomplete_fields = ("incident", "posted_by")
    show_full_result_count = False


@admin.register(FollowUpTicket)
class FollowUpTicketAdmin(NoDeleteMixin, HistoryAdmin):
    """Action items are added and closed on the review page (`incidents.reviews`); here their
    wording and owner may be corrected, never their origin or closing."""

    list_display = ("incident", "summary", "assignee", "due_on", "created_at", "closed_at")
    list_filter = ("closed_at", ("review", admin.EmptyFieldListFilter))
    search_fields = ("=incident__id", "summary")
    list_select_related = ("incident__severity", "assignee")
    autocomplete_fields = ("incident", "assignee")
    readonly_fields = ("incident", "review", "created_at", "created_by", "closed_at", "closed_by")


@admin.register(PostIncidentReview)
class PostIncidentReviewAdmin(NoDeleteMixin, HistoryAdmin):
    """Filed and signed off on the review page, through the approval mechanism."""

    list_display = (
        "incident",
        "due_on",
        "status",
        "accountable",
        "responsible",
        "filed_at",
        "signed_off_at",
    )
    list_filter = ("status",)
    search_fields = ("=incident__id", "summary")
    list_select_related = ("incident__severity", "accountable", "responsible")
    autocomplete_fields = ("incident", "accountable", "responsible", "filed_by")
    readonly_fields = (
        "incident",
        "status",
        "summary",
        "filed_at",
        "filed_by",
        "signed_off_at",
        "signed_off_by",
        "overdue_chased_at",
    )


@admin.register(ContributingFactor)
class ContributingFactorAdmin(ReadOnlyAdmin):
    """Added on the review page; a record here."""

    list_display = ("review", "description", "added_by", "added_at")
    list_filter = ()
    search_fields = ("=review__incident__id", "description")
    list_select_related = ("review", "added_by")
    autocomplete_fields = ("review", "added_by")


@admin.register(ClientCommunication)
class ClientCommunicationAdmin(ReadOnlyAdmin):
    """Drafted on the incident page, approved through the approval mechanism, published by the
    approval and marked sent by the delivery of its mail."""

    list_display = ("incident", "title", "rule", "status", "published_at", "sent_at")
    list_filter = ("status", "rule")
    search_fields = ("=incident__id", "title", "status_page_text", "email_text")
    list_select_related = ("incident__severity", "rule")
    autocomplete_fields = ("incident", "drafted_by", "approved_by")


class SubscriberForm(forms.ModelForm):
    class Meta:
        model = StatusSubscriber
        fields = ("email", "workspace")


@admin.register(StatusSubscriber)
class StatusSubscriberAdmin(HistoryAdmin):
    """Clients on the status-page mail. Support or the Account Manager adds them here (through
    the service, which asks the authority engine); changes otherwise come from the clients'
    signed links, so existing rows are read-only."""

    form = SubscriberForm
    list_display = ("email", "workspace", "confirmed_at", "unsubscribed_at", "added_by")
    list_filter = ("workspace", ("confirmed_at", admin.EmptyFieldListFilter), "unsubscribed_at")
    search_fields = ("email",)
    list_select_related = ("workspace", "added_by")
    autocomplete_fields = ("workspace",)
    show_full_result_count = False

    def add_view(self, request, form_url="", extra_context=None):
        # The engine decides on the add page only: the admin asks has_add_permission for its
        # sidebar on every page, which must stay a model-permission check.
        decision = authority.decide(request.user, "status.subscriber.add")
        if not decision:
            raise PermissionDenied(decision.reason)
        return super().add_view(request, form_url, extra_context)

    def has_change_permission(self, request, obj=None):
        return obj is None and self.has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            saved = status_services.add_subscriber(
                actor=request.user, email=obj.email, workspace=obj.workspace
            )
        except ValidationError as error:
            self.message_user(request, "; ".join(error.messages), messages.ERROR)
            return
        obj.pk = saved.pk


@admin.register(ClientMailDelivery)
class ClientMailDeliveryAdmin(ReadOnlyRecordAdmin):
    """Per-subscriber delivery state of client mail (the outbox row says sent, pending or
    failed, with its last error)."""

    list_display = ("communication", "subscriber", "notification")
    list_filter = ("notification__status",)
    search_fields = ("subscriber__email", "=communication__incident__id")
    list_select_related = ("communication", "subscriber", "notification")
    show_full_result_count = False


@admin.register(Integration)
class IntegrationAdmin(HistoryAdmin):
    """Alert sources. Adding one issues its key, shown once in the confirmation message; the
    actions rotate or revoke the key. The counters are the intake's bookkeeping, read-only."""

    list_display = (
        "name",
        "kind",
        "enabled",
        "key_hint",
        "key_revoked_at",
        "default_severity",
        "default_workspace",
        "last_received_at",
        "accepted",
        "deduplicated",
        "refused",
    )
    list_filter = ("kind", "enabled")
    search_fields = ("name", "key_hint")
    list_select_related = ("default_severity", "default_workspace", "stats")
    autocomplete_fields = ("default_workspace",)
    readonly_fields = (
        "acts_as",
        "key_hint",
        "key_revoked_at",
        "created_at",
        "last_received_at",
        "accepted",
        "deduplicated",
        "refused",
    )
    actions = ["rotate_key", "revoke_key"]

    @admin.display(description="last received")
    def last_received_at(self, obj):
        return obj.stats.last_received_at if obj.pk else None

    @admin.display(description="accepted")
    def accepted(self, obj):
        return obj.stats.accepted if obj.pk else 0

    @admin.display(description="deduplicated")
    def deduplicated(self, obj):
        return obj.stats.deduplicated if obj.pk else 0

    @admin.display(description="refused")
    def refused(self, obj):
        return obj.stats.refused if obj.pk else 0

    def has_delete_permission(self, request, obj=None):
        # Incidents keep pointing at the source that raised them: disable it instead.
        return False

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        fields = {
            name: value
            for name, value in form.cleaned_data.items()
            if name not in ("name", "kind", "default_severity", "default_workspace")
        }
        created, key = integrations.create_integration(
            actor=request.user,
            name=obj.name,
            kind=obj.kind,
            default_severity=obj.default_severity,
            default_workspace=obj.default_workspace,
            **fields,
        )
        obj.pk = created.pk
        self._show_key(request, created, key)

    def _show_key(self, request, integration, key):
        messages.warning(
            request,
            f"The key of {integration.name} is {key} — copy it now, it is shown only once "
            f"(only its hash is stored).",
        )

    @admin.action(description="Issue a new key (shown once; the former key stops working)")
    def rotate_key(self, request, queryset):
        for integration in queryset:
            self._show_key(
                request,
                integration,
                integrations.rotate_key(integration=integration, actor=request.user),
            )

    @admin.action(description="Revoke the key")
    def revoke_key(self, request, queryset):
        for integration in queryset:
            integrations.revoke_key(integration=integration, actor=request.user)
        self.message_user(request, f"{queryset.count()} key(s) revoked.", messages.SUCCESS)


class AlertInline(admin.TabularInline):
    model = Alert
    fields = ("fingerprint", "status", "labels", "annotations", "generator_url", "starts_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(AlertGroup)
class AlertGroupAdmin(ReadOnlyRecordAdmin):
    list_display = ("incident", "integration", "deliveries", "last_received_at", "cleared_at")
    list_filter = ("integration",)
    search_fields = ("=incident__id", "group_key")
    list_select_related = ("incident__severity", "integration")
    autocomplete_fields = ("incident", "follows")
    show_full_result_count = False
    inlines = [AlertInline]
