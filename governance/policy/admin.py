"""Admin for the D9 policy tables: every row editable, every change in history (no revert).

Validation lives in `governance.policy.checks`; the forms here run the same rules on an edit
before it is saved, so a change that breaks the policy is refused with the rule's message.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.urls import reverse

from governance.core.admin import HistoryAdmin, NoDeleteMixin, ReadOnlyAdmin
from governance.models import (
    ActivationLogField,
    CommunicationApprover,
    CommunicationRule,
    DecisionAuthority,
    DecisionAuthorityRole,
    DocumentApproval,
    EscalationContact,
    EscalationStep,
    GaConfirmation,
    HandoffChecklistItem,
    KillSwitchAction,
    KillSwitchActionRole,
    KillSwitchScenario,
    MessageTemplate,
    OnCallExpectation,
    OnCallTier,
    PhaseGate,
    PhaseGateApprover,
    PolicyNote,
    PolicyVersion,
    RaciActivity,
    RaciEntry,
    ResumeAuthority,
    ResumeAuthorityRole,
    ResumeVerification,
    Role,
    RoleAssignment,
    RoleChangeRequest,
    RollbackDecisionMaker,
    RollbackReason,
    RollbackType,
    Severity,
)
from governance.policy import changes
from governance.policy.checks import (
    escalation_problems,
    gate_chain_problems,
    raci_letter_problems,
    template_problems,
)


def kept_forms(formset):
    """The inline forms that will be saved (valid, not deleted, not blank extras)."""
    return [
        form for form in formset.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


class PolicyAdmin(HistoryAdmin):
    """Base of the policy admins: history on every object, read-only (HistoryAdmin)."""

    save_on_top = True


class MentionInline(admin.TabularInline):
    fields = ("position", "role", "wording")
    autocomplete_fields = ("role",)
    extra = 0
    min_num = 1
    validate_min = True


@admin.register(Role)
class RoleAdmin(PolicyAdmin):
    list_display = ("name", "key", "label", "short_name", "category", "notion", "position")
    list_filter = ("category", "notion", "listed_in_assignments")
    search_fields = ("name", "key", "label", "short_name", "responsibility", "authority")
    list_select_related = ()
    ordering = ("position",)

    def get_readonly_fields(self, request, obj=None):
        # The key is how code and the other D9 tables find the role; renaming it breaks them.
        return ("key",) if obj else ()


class RoleChangeAdmin(NoDeleteMixin, PolicyAdmin):
    """Who holds a role is granted, never taken (D9 §9): saving the form proposes the change
    (`changes.propose_role_change`); the row changes only once the §9 roles approve. Never
    deleted here: an assignment ends by a proposed end date."""

    change_subject = ""

    def save_model(self, request, obj, form, change):
        request.role_change = None
        if change and not form.has_changed():
            return
        try:
            request.role_change = changes.propose_role_change(
                actor=request.user, subject=self.change_subject, instance=obj
            )
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)

    def save_related(self, request, form, formsets, change):
        """Nothing else is saved: the proposal holds the values."""

    def log_addition(self, request, obj, message):
        """The proposal's own history is the record; the row is not added yet."""

    def log_change(self, request, obj, message):
        """The proposal's own history is the record; the row is not changed yet."""

    def response_add(self, request, obj, post_url_continue=None):
        return self.response_proposed(request)

    def response_change(self, request, obj):
        return self.response_proposed(request)

    def response_proposed(self, request):
        proposal = request.role_change
        if proposal is None:
            if not messages.get_messages(request):
                messages.info(request, "Nothing changed.")
            return HttpResponseRedirect(request.path)
        if proposal.status == RoleChangeRequest.Status.APPLIED:
            messages.success(request, f"{proposal}: applied (your D9 §9 roles approve it).")
        else:
            waiting = ", ".join(
                r.role.name for r in proposal.approval.requirements.select_related("role")
            )
            messages.warning(
                request,
                f"{proposal} is pending: it takes effect once {waiting} approve it (D9 §9).",
            )
        return HttpResponseRedirect(reverse("role_change", args=[proposal.pk]))


@admin.register(RoleChangeRequest)
class RoleChangeRequestAdmin(ReadOnlyAdmin):
    list_display = ("requested_at", "subject", "requested_by", "status", "approval")
    list_filter = ("status", "subject")
    search_fields = ("requested_by__username",)
    list_select_related = ("requested_by", "approval")
    autocomplete_fields = ()


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(RoleChangeAdmin):
    list_display = (
        "role",
        "primary",
        "backup",
        "valid_from",
        "valid_to",
        "primary_unavailable_until",
    )
    list_filter = ("role", "valid_from")
    search_fields = (
        "role__name",
        "primary__username",
        "primary__first_name",
        "primary__last_name",
        "backup__username",
        "backup__first_name",
        "backup__last_name",
    )
    list_select_related = ("role", "primary", "backup")
    autocomplete_fields = ("role", "primary", "backup")
    change_subject = RoleChangeRequest.Subject.ASSIGNMENT


class RaciEntryFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        letters = [form.cleaned_data["letter"] for form in kept_forms(self)]
        problems = raci_letter_problems(
            self.instance.name, letters, accountable_waived=self.instance.accountable_waived
        )
        if problems:
            raise ValidationError(problems)


class RaciEntryInline(admin.TabularInline):
    model = RaciEntry
    formset = RaciEntryFormSet
    fields = ("role", "letter")
    autocomplete_fields = ("role",)
    extra = 0


@admin.register(RaciActivity)
class RaciActivityAdmin(PolicyAdmin):
    """D9 §2.1 as a grid: each activity with its role letters inline."""

    list_display = ("name", "phase", "letters", "position")
    list_filter = ("phase", "accountable_waived")
    search_fields = ("name", "key")
    list_select_related = ()
    inlines = [RaciEntryInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("entries__role")

    @admin.display(description="R / A / C / I")
    def letters(self, obj):
        return " · ".join(f"{entry.role.label} {entry.letter}" for entry in obj.entries.all())


@admin.register(RaciEntry)
class RaciEntryAdmin(PolicyAdmin):
    list_display = ("activity", "role", "letter")
    list_filter = ("letter", "role", "activity__phase")
    search_fields = ("activity__name", "role__name")
    list_select_related = ("activity", "role")
    autocomplete_fields = ("activity", "role")

    def has_add_permission(self, request):
        return False  # edit letters on the activity, where the one-A rule is checked

    def has_change_permission(self, request, obj=None):
        return False


class KillSwitchRoleFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        duties = [form.cleaned_data["duty"] for form in kept_forms(self)]
        if KillSwitchActionRole.Duty.EXECUTE not in duties:
            raise ValidationError(
                f'Kill-switch action "{self.instance.name}" needs a role that can execute it '
                "(D9 §2.2)."
            )


class KillSwitchActionRoleInline(MentionInline):
    model = KillSwitchActionRole
    formset = KillSwitchRoleFormSet
    fields = ("duty", "position", "role", "wording")


@admin.register(KillSwitchAction)
class KillSwitchActionAdmin(PolicyAdmin):
    list_display = ("name", "key", "min_duration_minutes", "max_duration_minutes", "position")
    list_filter = ("roles__duty",)
    search_fields = ("name", "key")
    list_select_related = ()
    inlines = [KillSwitchActionRoleInline]


@admin.register(OnCallTier)
class OnCallTierAdmin(PolicyAdmin):
    list_display = ("name", "key", "coverage", "response_minutes", "escalates_to", "position")
    list_filter = ("coverage",)
    search_fields = ("name", "key")
    list_select_related = ("role", "escalates_to")
    autocomplete_fields = ("role", "escalates_to")


@admin.register(HandoffChecklistItem)
class HandoffChecklistItemAdmin(PolicyAdmin):
    list_display = ("text", "side", "position")
    list_filter = ("side",)
    search_fields = ("text",)
    list_select_related = ()


@admin.register(OnCallExpectation)
class OnCallExpectationAdmin(PolicyAdmin):
    list_display = ("expectation", "requirement", "position")
    list_filter = ()
    search_fields = ("expectation", "requirement")
    list_select_related = ()


class EscalationStepFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        steps = [
            (form.cleaned_data["position"], form.cleaned_data["at_minute"])
            for form in kept_forms(self)
        ]
        problems = escalation_problems(self.instance.key, steps)
        if problems:
            raise ValidationError(problems)


class EscalationStepInline(admin.TabularInline):
    model = EscalationStep
    formset = EscalationStepFormSet
    fields = ("position", "at_minute", "role", "wording", "action", "show_action", "if_unresolved")
    autocomplete_fields = ("role",)
    extra = 0


@admin.register(Severity)
class SeverityAdmin(PolicyAdmin):
    """D9 §4.1 severities with their §4.2 escalation ladder inline."""

    list_display = ("key", "criteria", "examples", "position", "review_due_working_days")
    list_filter = ()
    search_fields = ("key", "criteria", "examples")
    list_select_related = ()
    inlines = [EscalationStepInline]


@admin.register(EscalationContact)
class EscalationContactAdmin(RoleChangeAdmin):
    list_display = ("role", "primary_channel", "primary_value", "backup_channel", "backup_value")
    list_filter = ("primary_channel", "backup_channel")
    search_fields = ("role__name", "primary_value", "backup_value")
    list_select_related = ("role",)
    autocomplete_fields = ("role",)
    change_subject = RoleChangeRequest.Subject.CONTACT


@admin.register(KillSwitchScenario)
class KillSwitchScenarioAdmin(PolicyAdmin):
    list_display = ("name", "activator", "activate_first", "approver", "notify", "position")
    list_filter = ("activate_first", "approval_timing", "notify_timing")
    search_fields = ("name", "key")
    list_select_related = ("activator", "approver", "notify")
    autocomplete_fields = ("activator", "approver", "notify")


@admin.register(ActivationLogField)
class ActivationLogFieldAdmin(PolicyAdmin):
    list_display = ("name", "key", "required", "position")
    list_filter = ("required",)
    search_fields = ("name", "key")
    list_select_related = ()


class ResumeAuthorityRoleInline(MentionInline):
    model = ResumeAuthorityRole


class ResumeVerificationInline(admin.TabularInline):
    model = ResumeVerification
    fields = ("position", "text")
    extra = 0


@admin.register(ResumeAuthority)
class ResumeAuthorityAdmin(PolicyAdmin):
    list_display = ("scope", "key", "position")
    list_filter = ("roles__role",)
    search_fields = ("scope", "key")
    list_select_related = ()
    inlines = [ResumeAuthorityRoleInline, ResumeVerificationInline]


class PhaseGateForm(forms.ModelForm):
    class Meta:
        model = PhaseGate
        fields = ["from_phase", "to_phase", "milestone", "veto"]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("from_phase"), cleaned.get("to_phase")
        if start and end:
            others = PhaseGate.objects.exclude(pk=self.instance.pk)
            gates = [(gate.from_phase, gate.to_phase) for gate in others] + [(start, end)]
            problems = gate_chain_problems(gates)
            if problems:
                raise ValidationError(problems)
        return cleaned


class PhaseGateApproverInline(MentionInline):
    model = PhaseGateApprover


@admin.register(PhaseGate)
class PhaseGateAdmin(PolicyAdmin):
    form = PhaseGateForm
    list_display = ("__str__", "from_phase", "to_phase", "veto")
    list_filter = ("veto",)
    search_fields = ("from_phase", "to_phase", "milestone")
    list_select_related = ()
    inlines = [PhaseGateApproverInline]


@admin.register(GaConfirmation)
class GaConfirmationAdmin(PolicyAdmin):
    list_display = ("role", "statement", "position")
    list_filter = ("role",)
    search_fields = ("role__name", "statement")
    list_select_related = ("role",)
    autocomplete_fields = ("role",)


class RollbackDecisionMakerInline(MentionInline):
    model = RollbackDecisionMaker


@admin.register(RollbackType)
class RollbackTypeAdmin(PolicyAdmin):
    list_display = ("name", "key", "immediate", "consultation_role", "consultation", "position")
    list_filter = ("immediate", "consultation")
    search_fields = ("name", "key")
    list_select_related = ("consultation_role",)
    autocomplete_fields = ("consultation_role",)
    inlines = [RollbackDecisionMakerInline]


@admin.register(RollbackReason)
class RollbackReasonAdmin(PolicyAdmin):
    list_display = ("text", "free_text", "position")
    list_filter = ("free_text",)
    search_fields = ("text",)
    list_select_related = ()


class CommunicationApproverInline(MentionInline):
    model = CommunicationApprover
    min_num = 0
    validate_min = False


@admin.register(CommunicationRule)
class CommunicationRuleAdmin(PolicyAdmin):
    list_display = ("event", "audience", "owner", "channel", "timing", "cadence_minutes")
    list_filter = ("audience", "owner")
    search_fields = ("event", "key", "channel")
    list_select_related = ("owner",)
    autocomplete_fields = ("owner",)
    inlines = [CommunicationApproverInline]


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["key", "title", "body", "fields", "position"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("body") is not None and isinstance(cleaned.get("fields"), list):
            problems = template_problems(
                cleaned.get("title", ""), cleaned["body"], cleaned["fields"]
            )
            if problems:
                raise ValidationError(problems)
        return cleaned


@admin.register(MessageTemplate)
class MessageTemplateAdmin(PolicyAdmin):
    form = MessageTemplateForm
    list_display = ("title", "key", "position")
    list_filter = ()
    search_fields = ("title", "key", "body")
    list_select_related = ()


class DecisionAuthorityRoleInline(MentionInline):
    model = DecisionAuthorityRole


@admin.register(DecisionAuthority)
class DecisionAuthorityAdmin(PolicyAdmin):
    list_display = ("decision", "key", "escalation_role", "escalation_kind", "position")
    list_filter = ("escalation_kind", "escalation_role")
    search_fields = ("decision", "key")
    list_select_related = ("escalation_role",)
    autocomplete_fields = ("escalation_role",)
    inlines = [DecisionAuthorityRoleInline]


class DocumentApprovalInline(admin.TabularInline):
    model = DocumentApproval
    fields = ("position", "role", "approver", "approved_on")
    autocomplete_fields = ("role", "approver")
    extra = 0


@admin.register(PolicyVersion)
class PolicyVersionAdmin(PolicyAdmin):
    list_display = ("version", "date", "status", "change_summary")
    list_filter = ("status",)
    search_fields = ("version", "change_summary")
    list_select_related = ()
    inlines = [DocumentApprovalInline]

    def get_readonly_fields(self, request, obj=None):
        # A published version is in the tamper-evident record (issue 20): what it says is fixed.
        if obj is not None and obj.status != PolicyVersion.Status.DRAFT:
            return ("version", "date", "change_summary")
        return ()


@admin.register(PolicyNote)
class PolicyNoteAdmin(PolicyAdmin):
    list_display = ("title", "key")
    list_filter = ()
    search_fields = ("title", "key", "text")
    list_select_related = ()
