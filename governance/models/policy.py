"""The D9 policy as data: one model per D9 table, every row history-tracked.

Nothing elsewhere hard-codes what a D9 table says; it reads these rows. Role columns are foreign
keys to `Role`; where a D9 cell names several roles, each name is a row of a small "mention" model
(role, position, wording) so the order and the wording D9 prints ("Owner", "PM", "SRE Lead") are
data too, and the authority engine reads only the role.
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords


class PolicyModel(models.Model):
    """Base of every policy table: each change is kept by django-simple-history."""

    history = HistoricalRecords(inherit=True)

    class Meta:
        abstract = True


class Wording(models.TextChoices):
    """Which of a role's names a D9 cell prints (D9 says "Ingestion Owner", "Owner", ...)."""

    NAME = "name", "Full name (e.g. Product Manager)"
    LABEL = "label", "Table label (e.g. PM)"
    SHORT = "short", "Short name (e.g. Owner)"


class Phase(models.TextChoices):
    """Rollout phases of D9 §6.1 (P4 is GA)."""

    P0 = "P0", "P0"
    P1 = "P1", "P1"
    P2 = "P2", "P2"
    P3 = "P3", "P3"
    P4 = "P4", "P4"


class Role(PolicyModel):
    """A D9 role (§1.1 technical, §1.2 business) or a collective notion used in D9 tables."""

    class Category(models.TextChoices):
        TECHNICAL = "technical", "Technical (D9 §1.1)"
        BUSINESS = "business", "Business (D9 §1.2)"
        COLLECTIVE = "collective", "Collective notion (not listed in §1)"

    class Notion(models.TextChoices):
        ASSIGNED = "assigned", "Assigned (primary and backup, D9 §1.3)"
        ROTATION = "rotation", "On-call rotation tier (D9 §3.2)"
        ON_CALL = "on_call", "On-Call: whoever is Primary or Secondary"
        ANYONE = "anyone", "Anyone: any active user"
        ALL_STAKEHOLDERS = "all_stakeholders", "All stakeholders"

    key = models.SlugField(
        max_length=50, unique=True, help_text="Stable key the code uses, e.g. ingestion_owner."
    )
    name = models.CharField(max_length=100, help_text='Full name, as in D9 §1: "Product Manager".')
    label = models.CharField(
        max_length=100, help_text='Name in most D9 tables, e.g. "PM" in the RACI header.'
    )
    short_name = models.CharField(
        max_length=100, help_text='Shortest name D9 uses, e.g. "Owner" in §5.1 and §8.'
    )
    category = models.CharField(max_length=20, choices=Category.choices)
    notion = models.CharField(
        max_length=20,
        choices=Notion.choices,
        help_text="How the portal finds who holds this role at a given time.",
    )
    responsibility = models.CharField(
        max_length=200, blank=True, help_text='D9 §1.1/1.2 "Responsibility" column.'
    )
    authority = models.CharField(
        max_length=200, blank=True, help_text='D9 §1.1/1.2 "Authority" column.'
    )
    listed_in_assignments = models.BooleanField(
        default=False, help_text="Listed in the D9 §1.3 Role Assignments table."
    )
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in D9 tables.")

    class Meta:
        ordering = ["position", "key"]

    def __str__(self):
        return self.name

    def word(self, wording: str = Wording.LABEL) -> str:
        """The name a D9 cell prints for this role in the given wording."""
        return {Wording.NAME: self.name, Wording.SHORT: self.short_name}.get(wording, self.label)


class RoleMention(PolicyModel):
    """One role named in a multi-role D9 cell, in order, with the wording D9 prints."""

    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0, help_text="Order within the cell.")
    wording = models.CharField(max_length=10, choices=Wording.choices, default=Wording.LABEL)

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    def __str__(self):
        return self.role.word(self.wording)


class RoleAssignment(PolicyModel):
    """D9 §1.3: who is primary and backup for a static role, over a validity period."""

    role = models.ForeignKey(
        Role,
        on_delete=models.PROTECT,
        related_name="assignments",
        limit_choices_to={"notion": Role.Notion.ASSIGNED},
    )
    primary = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="primary_assignments"
    )
    backup = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="backup_assignments",
        help_text="D9 §1.3 Backup. Acts while the primary is unavailable.",
    )
    valid_from = models.DateField()
    valid_to = models.DateField(
        null=True, blank=True, help_text="Last day (inclusive); empty: open."
    )
    primary_unavailable_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="While this is in the future, the backup acts for the role.",
    )

    class Meta:
        ordering = ["role__position", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(backup__isnull=True) | ~Q(primary=F("backup")),
                name="role_assignment_primary_is_not_backup",
                violation_error_message="The primary and the backup must be different people.",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="role_assignment_valid_to_after_valid_from",
                violation_error_message="The validity must end on or after its start.",
            ),
        ]
        indexes = [
            # role_holders(): the assignment of a role valid at a date.
            models.Index(fields=["role", "valid_from"], name="role_assignment_role_from"),
        ]

    def __str__(self):
        return f"{self.role}: {self.primary} / {self.backup or '—'}"

    def clean(self):
        if self.backup_id and self.backup_id == self.primary_id:
            raise ValidationError(
                {"backup": "The primary and the backup must be different people (D9 §1.3)."}
            )
        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": "The validity must end on or after its start."})
        if self.role_id and self.valid_from:
            overlapping = RoleAssignment.objects.filter(role_id=self.role_id).exclude(pk=self.pk)
            overlapping = overlapping.filter(
                Q(valid_to__isnull=True) | Q(valid_to__gte=self.valid_from)
            )
            if self.valid_to:
                overlapping = overlapping.filter(valid_from__lte=self.valid_to)
            if overlapping.exists():
                raise ValidationError(
                    "Another assignment of this role overlaps these dates; "
                    "end it before this one starts."
                )


class RaciActivity(PolicyModel):
    """D9 §2.1: one activity of the ingestion lifecycle, grouped by phase."""

    class LifecyclePhase(models.TextChoices):
        PRE_LAUNCH = "pre_launch", "Pre-Launch"
        LAUNCH = "launch", "Launch"
        STEADY_STATE = "steady_state", "Steady State"
        INCIDENTS = "incidents", "Incidents"
        GA = "ga", "GA"

    key = models.SlugField(max_length=60, unique=True)
    phase = models.CharField(max_length=20, choices=LifecyclePhase.choices)
    name = models.CharField(max_length=100, help_text='D9 §2.1 "Activity", e.g. "GA sign-off".')
    accountable_waived = models.BooleanField(
        default=False,
        help_text=(
            'D9 v1.0 gives "Test upload" no A (it reads R, R, I, I, I). Tick only where the '
            "policy deliberately names no Accountable role: validation then warns instead of "
            "refusing. Two A's are always refused."
        ),
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = "RACI activities"
        verbose_name = "RACI activity"

    def __str__(self):
        return self.name


class RaciEntry(PolicyModel):
    """D9 §2.1: one role's letter for one activity (exactly one A, at least one R per activity)."""

    class Letter(models.TextChoices):
        RESPONSIBLE = "R", "R — Responsible"
        ACCOUNTABLE = "A", "A — Accountable"
        CONSULTED = "C", "C — Consulted"
        INFORMED = "I", "I — Informed"

    activity = models.ForeignKey(RaciActivity, on_delete=models.CASCADE, related_name="entries")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="raci_entries")
    letter = models.CharField(
        max_length=1,
        choices=Letter.choices,
        help_text="D9 legend: R = Responsible, A = Accountable, C = Consulted, I = Informed.",
    )

    class Meta:
        ordering = ["activity__position", "role__position"]
        verbose_name_plural = "RACI entries"
        verbose_name = "RACI entry"
        constraints = [
            models.UniqueConstraint(fields=["activity", "role"], name="raci_entry_one_per_role")
        ]

    def __str__(self):
        return f"{self.activity}: {self.role.label} {self.letter}"


class KillSwitchAction(PolicyModel):
    """D9 §2.2: a kill-switch action and who executes, approves and is notified."""

    key = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100, help_text='D9 §2.2 "Action", e.g. "Pause (< 1 hour)".')
    min_duration_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="The action applies to pauses longer than this."
    )
    max_duration_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="The action applies to pauses shorter than this."
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.name

    def mentions(self, duty: str):
        return [m for m in self.roles.all() if m.duty == duty]


class KillSwitchActionRole(RoleMention):
    """D9 §2.2: a role that can execute, must approve, or must be notified of an action."""

    class Duty(models.TextChoices):
        EXECUTE = "execute", "Can execute"
        APPROVE = "approve", "Must approve"
        NOTIFY = "notify", "Must notify"

    action = models.ForeignKey(KillSwitchAction, on_delete=models.CASCADE, related_name="roles")
    duty = models.CharField(max_length=10, choices=Duty.choices)

    class Meta(RoleMention.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["action", "duty", "role"], name="kill_switch_action_role_once"
            )
        ]


class OnCallTier(PolicyModel):
    """D9 §3.1: a tier of the rotation, its coverage, response time and escalation target."""

    key = models.SlugField(max_length=40, unique=True, help_text="primary, secondary, ...")
    name = models.CharField(max_length=100, help_text='D9 §3.1 "Tier", e.g. "Primary".')
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="on_call_tiers")
    coverage = models.CharField(max_length=100, help_text='e.g. "24/7".')
    response_minutes = models.PositiveIntegerField(help_text='D9 §3.1 "Response Time" in minutes.')
    escalates_to = models.ForeignKey(
        Role, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    escalates_to_wording = models.CharField(
        max_length=10, choices=Wording.choices, default=Wording.LABEL
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.name


class HandoffChecklistItem(PolicyModel):
    """D9 §3.3: one item of the outgoing or incoming on-call handoff checklist."""

    class Side(models.TextChoices):
        OUTGOING = "outgoing", "Outgoing On-Call"
        INCOMING = "incoming", "Incoming On-Call"

    side = models.CharField(max_length=10, choices=Side.choices)
    text = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["side", "position", "id"]

    def __str__(self):
        return self.text


class OnCallExpectation(PolicyModel):
    """D9 §3.4: what is expected of an on-call engineer."""

    expectation = models.CharField(max_length=100)
    requirement = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.expectation


class Severity(PolicyModel):
    """D9 §4.1: an incident severity (P1/P2/P3)."""

    key = models.CharField(max_length=5, unique=True, help_text="P1, P2 or P3.")
    criteria = models.CharField(max_length=200)
    examples = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "key"]
        verbose_name_plural = "severities"

    def __str__(self):
        return self.key


class EscalationStep(PolicyModel):
    """D9 §4.2: who does what, how many minutes after an incident opens.

    Steps of one severity sharing a minute print in one cell, joined by " + ".
    """

    class Action(models.TextChoices):
        ACKS = "acks", "acks"
        JOINS = "joins", "joins"
        INVESTIGATES = "investigates", "investigates"
        NOTIFIED = "notified", "notified"
        RESOLVES = "resolves", "resolves"
        TICKET = "ticket", "ticket"

    severity = models.ForeignKey(Severity, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(help_text="Order of the step in the ladder.")
    at_minute = models.PositiveIntegerField(help_text="Minutes after the incident opens.")
    role = models.ForeignKey(
        Role,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="escalation_steps",
        help_text='Empty only where D9 names no person (e.g. "Ticket").',
    )
    wording = models.CharField(max_length=10, choices=Wording.choices, default=Wording.SHORT)
    action = models.CharField(max_length=20, choices=Action.choices)
    show_action = models.BooleanField(
        default=True, help_text='Print the action in §4.2 ("Primary acks" vs "SRE Lead + PM").'
    )
    if_unresolved = models.BooleanField(
        default=False, help_text='Only if the incident is still unresolved ("if unresolved").'
    )

    class Meta:
        ordering = ["severity__position", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["severity", "position"], name="escalation_step_position_once"
            )
        ]

    def __str__(self):
        return f"{self.severity} +{self.at_minute} min: {self.cell_text()}"

    def cell_text(self) -> str:
        """This step as D9 §4.2 prints it, e.g. "Secondary joins", "Ticket if unresolved"."""
        if self.role_id:
            text = self.role.word(self.wording)
            if self.show_action:
                text = f"{text} {self.get_action_display()}"
        else:
            text = self.get_action_display().capitalize()
        return f"{text} if unresolved" if self.if_unresolved else text


class Channel(models.TextChoices):
    """Contact channels of D9 §4.4."""

    PAGER = "pager", "Pager"
    PHONE = "phone", "Phone"
    SLACK = "slack", "Slack"
    SLACK_DM = "slack_dm", "Slack DM"
    EMAIL = "email", "Email"


class EscalationContact(PolicyModel):
    """D9 §4.4: how to reach a role (primary and backup channel and value)."""

    role = models.OneToOneField(Role, on_delete=models.PROTECT, related_name="contact")
    primary_channel = models.CharField(max_length=10, choices=Channel.choices)
    primary_value = models.CharField(max_length=200, blank=True)
    backup_channel = models.CharField(max_length=10, choices=Channel.choices)
    backup_value = models.CharField(
        max_length=200, blank=True, help_text="Not needed for Slack DM."
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return f"Contact for {self.role}"

    @staticmethod
    def needs_value(channel: str) -> bool:
        return channel != Channel.SLACK_DM


class Timing(models.TextChoices):
    """When an approval or a notification is due (D9 §5.1)."""

    NONE = "none", "No deadline"
    IMMEDIATE = "immediate", "Immediate"
    WITHIN = "within", "Within N minutes"
    ADVANCE = "advance", "N minutes in advance"


class KillSwitchScenario(PolicyModel):
    """D9 §5.1: who activates the kill switch in a scenario, who approves, who is told, when."""

    key = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100, help_text='D9 §5.1 "Scenario".')
    activator = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="+")
    activator_wording = models.CharField(
        max_length=10, choices=Wording.choices, default=Wording.SHORT
    )
    activate_first = models.BooleanField(
        default=False, help_text='"None (activate first)": act now, no approval needed.'
    )
    approver = models.ForeignKey(
        Role, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approver_wording = models.CharField(
        max_length=10, choices=Wording.choices, default=Wording.SHORT
    )
    approval_timing = models.CharField(max_length=10, choices=Timing.choices, default=Timing.NONE)
    approval_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text='e.g. 15 for "Owner (within 15 min)", 1440 for "24h".'
    )
    notify = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="+")
    notify_wording = models.CharField(max_length=10, choices=Wording.choices, default=Wording.SHORT)
    notify_timing = models.CharField(
        max_length=10, choices=Timing.choices, default=Timing.IMMEDIATE
    )
    notify_minutes = models.PositiveIntegerField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.name


class ActivationLogField(PolicyModel):
    """D9 §5.2: a field every kill-switch activation log entry records."""

    key = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    required = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.name


class ResumeAuthority(PolicyModel):
    """D9 §5.3: who may resume after a deactivation of a given scope, and what they verify."""

    key = models.SlugField(max_length=40, unique=True)
    scope = models.CharField(max_length=100, help_text='D9 §5.3 "Deactivation Scope".')
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = "resume authorities"

    def __str__(self):
        return self.scope


class ResumeAuthorityRole(RoleMention):
    """D9 §5.3: a role whose authority is needed to resume (all of them, "A + B")."""

    resume = models.ForeignKey(ResumeAuthority, on_delete=models.CASCADE, related_name="roles")

    class Meta(RoleMention.Meta):
        constraints = [
            models.UniqueConstraint(fields=["resume", "role"], name="resume_authority_role_once")
        ]


class ResumeVerification(PolicyModel):
    """D9 §5.3: one verification required before resuming ("Test upload", "metrics check")."""

    resume = models.ForeignKey(
        ResumeAuthority, on_delete=models.CASCADE, related_name="verifications"
    )
    text = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.text


class PhaseGate(PolicyModel):
    """D9 §6.1: a gate between two rollout phases, its required approvers and veto rule."""

    class Veto(models.TextChoices):
        ANY_APPROVER = "any_approver", "Any approver"

    from_phase = models.CharField(max_length=2, choices=Phase.choices, unique=True)
    to_phase = models.CharField(max_length=2, choices=Phase.choices)
    milestone = models.CharField(max_length=20, blank=True, help_text='e.g. "GA" for P3 → P4.')
    veto = models.CharField(max_length=20, choices=Veto.choices, default=Veto.ANY_APPROVER)

    class Meta:
        ordering = ["from_phase"]

    def __str__(self):
        suffix = f" ({self.milestone})" if self.milestone else ""
        return f"{self.from_phase} → {self.to_phase}{suffix}"


class PhaseGateApprover(RoleMention):
    """D9 §6.1: a role whose approval a gate requires."""

    gate = models.ForeignKey(PhaseGate, on_delete=models.CASCADE, related_name="approvers")

    class Meta(RoleMention.Meta):
        constraints = [
            models.UniqueConstraint(fields=["gate", "role"], name="phase_gate_approver_once")
        ]


class GaConfirmation(PolicyModel):
    """D9 §6.2: what each GA approver confirms with their sign-off."""

    role = models.OneToOneField(Role, on_delete=models.PROTECT, related_name="ga_confirmation")
    statement = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return f"{self.role}: {self.statement}"


class RollbackType(PolicyModel):
    """D9 §6.3: who decides a rollback of a given type and who is consulted."""

    class Consultation(models.TextChoices):
        INFORMED = "informed", "informed"
        APPROVAL = "approval", "approval"
        NOTIFY_AFTER = "notify_after", "notify after"

    key = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100, help_text='D9 §6.3 "Rollback Type".')
    immediate = models.BooleanField(default=False, help_text='"(immediate)": no waiting.')
    consultation_role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="+")
    consultation_wording = models.CharField(
        max_length=10, choices=Wording.choices, default=Wording.SHORT
    )
    consultation = models.CharField(max_length=20, choices=Consultation.choices)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.name


class RollbackDecisionMaker(RoleMention):
    """D9 §6.3: a role that decides a rollback of this type (all of them, "A + B")."""

    rollback_type = models.ForeignKey(
        RollbackType, on_delete=models.CASCADE, related_name="decision_makers"
    )

    class Meta(RoleMention.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["rollback_type", "role"], name="rollback_decision_maker_once"
            )
        ]


class RollbackReason(PolicyModel):
    """D9 §6.4: a reason offered on the rollback sign-off form."""

    text = models.CharField(max_length=100)
    free_text = models.BooleanField(default=False, help_text='"Other: ____": asks for details.')
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.text


class CommunicationRule(PolicyModel):
    """D9 §7.1/7.2: who communicates an event, with whose approval, where and when."""

    class Audience(models.TextChoices):
        INTERNAL = "internal", "Internal (D9 §7.1)"
        EXTERNAL = "external", "External (D9 §7.2)"

    key = models.SlugField(max_length=60, unique=True)
    audience = models.CharField(max_length=10, choices=Audience.choices)
    event = models.CharField(max_length=100)
    owner = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="+")
    owner_wording = models.CharField(max_length=10, choices=Wording.choices, default=Wording.LABEL)
    channel = models.CharField(max_length=100)
    timing = models.CharField(max_length=100, blank=True, help_text="Internal events only.")
    cadence_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text='For "Every 30 min": repeat every this many minutes.'
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["audience", "position", "id"]

    def __str__(self):
        return self.event

    def timing_text(self) -> str:
        return f"Every {self.cadence_minutes} min" if self.cadence_minutes else self.timing


class CommunicationApprover(RoleMention):
    """D9 §7.2: a role that approves an external communication."""

    rule = models.ForeignKey(CommunicationRule, on_delete=models.CASCADE, related_name="approvers")

    class Meta(RoleMention.Meta):
        constraints = [
            models.UniqueConstraint(fields=["rule", "role"], name="communication_approver_once")
        ]


class MessageTemplate(PolicyModel):
    """D9 §7.3: a communication template, printed exactly as D9 prints it.

    Fields are written `[field]` in the body; `fields` lists the ones the template needs.
    """

    key = models.SlugField(max_length=40, unique=True)
    title = models.CharField(max_length=100, help_text='e.g. "Incident Start".')
    body = models.TextField()
    fields = models.JSONField(
        default=list, blank=True, help_text='The bracketed fields the body needs, e.g. "timestamp".'
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.title

    def placeholders(self) -> list[str]:
        """The `[field]` names in the body, in order, each once."""
        return list(dict.fromkeys(re.findall(r"\[([^\[\]\n]+)\]", self.body)))

    def render(self, values: dict[str, str]) -> str:
        """The body with each `[field]` replaced; a missing value raises KeyError."""
        text = self.body
        for field in self.fields:
            text = text.replace(f"[{field}]", str(values[field]))
        return text


class DecisionAuthority(PolicyModel):
    """D9 §8: who decides, and who it escalates to (or who is consulted)."""

    class EscalationKind(models.TextChoices):
        ESCALATE = "escalate", "Escalate"
        CONSULT = "consult", "Consult"

    key = models.SlugField(max_length=40, unique=True)
    decision = models.CharField(max_length=100)
    escalation_role = models.ForeignKey(
        Role, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    escalation_wording = models.CharField(
        max_length=10, choices=Wording.choices, default=Wording.SHORT
    )
    escalation_kind = models.CharField(
        max_length=10, choices=EscalationKind.choices, default=EscalationKind.ESCALATE
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = "decision authorities"

    def __str__(self):
        return self.decision


class DecisionAuthorityRole(RoleMention):
    """D9 §8: a role holding primary authority for a decision (all of them, "A + B")."""

    decision = models.ForeignKey(
        DecisionAuthority, on_delete=models.CASCADE, related_name="authorities"
    )

    class Meta(RoleMention.Meta):
        constraints = [
            models.UniqueConstraint(fields=["decision", "role"], name="decision_authority_once")
        ]


class PolicyVersion(PolicyModel):
    """D9 §9: a version of the policy document."""

    class Status(models.TextChoices):
        DRAFT = "draft", "DRAFT"
        OPERATIONAL = "operational", "OPERATIONAL"
        SUPERSEDED = "superseded", "SUPERSEDED"

    version = models.CharField(max_length=20, unique=True)
    date = models.DateField()
    change_summary = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    prerequisites = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["date", "id"]

    def __str__(self):
        return f"D9 v{self.version}"


class DocumentApproval(PolicyModel):
    """D9 §9: a role's approval of a policy version (blank until signed)."""

    version = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, related_name="approvals")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="document_approvals")
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="document_approvals",
    )
    approved_on = models.DateField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["version", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "role"], name="document_approval_once")
        ]

    def __str__(self):
        return f"{self.version} approval by {self.role}"


class PolicyNote(PolicyModel):
    """Prose of D9 outside the tables: rotation cadence (§3.2), log location (§5.2), the
    escalation path diagrams (§4.3)."""

    key = models.SlugField(max_length=40, unique=True)
    title = models.CharField(max_length=100)
    text = models.TextField()

    class Meta:
        ordering = ["key"]

    def __str__(self):
        return self.title
