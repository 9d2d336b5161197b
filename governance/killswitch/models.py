"""The kill switch: activations (the pause state), their append-only §5.2 log, resume checks."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from governance.approvals.models import ApprovalRequest
from governance.core.models import Workspace
from governance.policy.models.documents import PolicyVersion
from governance.policy.models.escalation import Severity
from governance.policy.models.killswitch import (
    KillSwitchAction,
    KillSwitchScenario,
    ResumeAuthority,
    ResumeVerification,
)
from governance.record.chain import ChainedRecord

GLOBAL_SCOPE = "global"


class KillSwitchActivation(models.Model):
    """One pause of ingestion, global or for one workspace (D9 §2.2, §5.1).

    At most one live activation (awaiting approval, scheduled or active) per scope, enforced by
    the database so two On-Calls pressing the button at once leave one pause.
    """

    class Scope(models.TextChoices):
        GLOBAL = "global", "Global"
        WORKSPACE = "workspace", "Workspace"

    class Status(models.TextChoices):
        AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
        SCHEDULED = "scheduled", "Scheduled"
        ACTIVE = "active", "Active (paused)"
        REJECTED = "rejected", "Rejected"
        RESUMED = "resumed", "Resumed"

    LIVE = (Status.AWAITING_APPROVAL, Status.SCHEDULED, Status.ACTIVE)

    scenario = models.ForeignKey(KillSwitchScenario, on_delete=models.PROTECT, related_name="+")
    action = models.ForeignKey(
        KillSwitchAction, on_delete=models.PROTECT, related_name="+", help_text="D9 §2.2 action."
    )
    severity = models.ForeignKey(Severity, on_delete=models.PROTECT, related_name="+")
    scope = models.CharField(max_length=10, choices=Scope.choices)
    workspace = models.ForeignKey(
        Workspace, on_delete=models.PROTECT, null=True, blank=True, related_name="activations"
    )
    scope_key = models.CharField(
        max_length=80, editable=False, help_text='"global" or the workspace slug.'
    )
    reason = models.TextField()
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="kill_switch_activations"
    )
    activated_at = models.DateTimeField(default=timezone.now)
    starts_at = models.DateTimeField(help_text="When the pause takes effect (later if planned).")
    paused_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices)
    approval = models.ForeignKey(
        ApprovalRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    long_pause_at = models.DateTimeField(
        null=True, blank=True, help_text='When it became a "> 1 hour" pause (D9 §2.2).'
    )
    long_pause_approval = models.ForeignKey(
        ApprovalRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resume_approval = models.ForeignKey(
        ApprovalRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resumed_at = models.DateTimeField(null=True, blank=True)
    resumed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="kill_switch_resumes",
    )
    policy_version = models.ForeignKey(
        PolicyVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-activated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["scope_key"],
                condition=Q(status__in=["awaiting_approval", "scheduled", "active"]),
                name="kill_switch_one_live_activation_per_scope",
                violation_error_message="This scope already has a pause in force or pending.",
            ),
            models.CheckConstraint(
                condition=Q(scope="global", workspace__isnull=True)
                | Q(scope="workspace", workspace__isnull=False),
                name="kill_switch_scope_matches_workspace",
            ),
        ]
        indexes = [
            # paused_state(): the active pauses.
            models.Index(fields=["status", "scope_key"], name="kill_switch_status_scope"),
            # the one-hour sweep: active pauses not yet long, by when they began.
            models.Index(fields=["status", "paused_at"], name="kill_switch_status_paused"),
        ]

    def __str__(self):
        return f"{self.scenario} — {self.scope_label} ({self.get_status_display()})"

    @property
    def scope_label(self) -> str:
        return f"Workspace {self.workspace}" if self.workspace_id else "Global"


class KillSwitchLogEntry(ChainedRecord):
    """D9 §5.2: the append-only activation log. Every required field is stored as it was.

    Event "activated" rows are the §5.2 log proper; approvals, the one-hour mark, rejections and
    resumes are appended as further rows. Nothing here is ever edited or deleted.
    """

    class Event(models.TextChoices):
        ACTIVATED = "activated", "Activated"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected (vetoed)"
        VETO_WITHDRAWN = "veto_withdrawn", "Veto withdrawn (approval pending again)"
        STARTED = "started", "Pause started"
        LONG_PAUSE = "long_pause", "Became a > 1 hour pause"
        RESUMED = "resumed", "Resumed"

    activation = models.ForeignKey(
        KillSwitchActivation, on_delete=models.PROTECT, related_name="log_entries"
    )
    event = models.CharField(max_length=20, choices=Event.choices)
    timestamp = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", help_text="Who."
    )
    reason = models.TextField()
    severity = models.CharField(max_length=5)
    scope = models.CharField(max_length=120)
    approval = models.TextField(help_text='Who approved, or "Not required" (D9 §5.2).')
    notification_sent_to = models.TextField()
    rows = models.TextField(blank=True, help_text="The D9 rows applied.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-timestamp", "-id"]
        verbose_name_plural = "kill-switch log entries"
        indexes = [models.Index(fields=["timestamp"], name="kill_switch_log_time")]

    def __str__(self):
        return f"{self.timestamp:%Y-%m-%d %H:%M} {self.get_event_display()} — {self.scope}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("The kill-switch log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("The kill-switch log is append-only.")


class ResumeCheck(ChainedRecord):
    """D9 §5.3: one verification ticked before resuming, with who verified it (append-only)."""

    activation = models.ForeignKey(
        KillSwitchActivation, on_delete=models.PROTECT, related_name="resume_checks"
    )
    authority = models.ForeignKey(ResumeAuthority, on_delete=models.PROTECT, related_name="+")
    verification = models.ForeignKey(ResumeVerification, on_delete=models.PROTECT, related_name="+")
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["verified_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["activation", "verification"], name="resume_check_once")
        ]

    def __str__(self):
        return f"{self.verification} by {self.verified_by}"


class KillSwitchState(models.Model):
    """Bookkeeping: one row whose version changes with every kill-switch change.

    GET /api/kill-switch/ reads it (one query, with the token) to tell whether its cached answer
    is current in every web process, and a trigger announces each change to them (migration
    governance/0073); not history-tracked.
    """

    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Kill-switch state v{self.version}"
