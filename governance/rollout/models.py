"""The ingestion rollout (D9 §6): its phase P0..P4, gate reviews, transitions, rollback sign-offs.

Approvals go through the one approval mechanism (`ApprovalRequest`); these models are what the
requests approve. Phases change only through `governance.rollout`, which writes one
`PhaseTransition` per change (unique per gate review and per rollback, so a change can never be
applied twice).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from governance.approvals.models import ApprovalRequest
from governance.policy.models.base import Phase
from governance.policy.models.documents import PolicyVersion
from governance.policy.models.roles import Role
from governance.policy.models.rollout import PhaseGate, RollbackReason, RollbackType
from governance.record.chain import ChainedRecord


class Rollout(models.Model):
    """An ingestion rollout and the phase it is in now (D9 §6.1; P4 is GA)."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=60, unique=True)
    phase = models.CharField(max_length=2, choices=Phase.choices, default=Phase.P0)
    ga_declared_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.name} ({self.phase})"


class PhaseAdvance(models.Model):
    """A request to pass a D9 §6.1 gate: the criteria evidence and its sign-offs.

    The requester's own approver roles count as given (asking is their decision, as for the
    D9 §6.3/§8 rules); the other approver roles sign through `approval`.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for sign-offs"
        VETOED = "vetoed", "Vetoed (blocked until withdrawn)"
        HELD = "held", "Approved, held by an open incident or a pause"
        DONE = "done", "Phase advanced"
        CANCELLED = "cancelled", "Cancelled"

    OPEN = (Status.PENDING, Status.VETOED, Status.HELD)

    rollout = models.ForeignKey(Rollout, on_delete=models.PROTECT, related_name="advances")
    gate = models.ForeignKey(PhaseGate, on_delete=models.PROTECT, related_name="+")
    from_phase = models.CharField(max_length=2, choices=Phase.choices)
    to_phase = models.CharField(max_length=2, choices=Phase.choices)
    criteria = models.TextField(help_text="The evidence that the gate's criteria are met.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="phase_advances"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    requester_role_keys = models.JSONField(
        default=list, blank=True, help_text="Keys of the gate's approver roles the requester holds."
    )
    requester_statement = models.TextField(
        blank=True, help_text="What the requester confirmed for their own roles (D9 §6.2)."
    )
    approval = models.OneToOneField(
        ApprovalRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    held_reason = models.TextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rollout"],
                condition=Q(status__in=["pending", "vetoed", "held"]),
                name="phase_advance_one_open_per_rollout",
                violation_error_message="This rollout already has an open gate review.",
            )
        ]

    def __str__(self):
        return f"{self.rollout.name}: {self.gate}"

    @property
    def is_ga(self) -> bool:
        return self.to_phase == Phase.P4


class RollbackSignOff(ChainedRecord):
    """D9 §6.4: the rollback sign-off form, every field of it, and its approval (D9 §6.3)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        IN_EFFECT = "in_effect", "Rolled back"
        VETOED = "vetoed", "Vetoed"
        CANCELLED = "cancelled", "Cancelled"

    rollout = models.ForeignKey(Rollout, on_delete=models.PROTECT, related_name="rollbacks")
    rollback_type = models.ForeignKey(RollbackType, on_delete=models.PROTECT, related_name="+")
    date = models.DateField(help_text="D9 §6.4 Date.")
    time = models.TimeField(help_text="D9 §6.4 Time.")
    from_phase = models.CharField(max_length=2, choices=Phase.choices)
    to_phase = models.CharField(max_length=2, choices=Phase.choices)
    reasons = models.ManyToManyField(
        RollbackReason, through="RollbackSignOffReason", related_name="+"
    )
    other_reason = models.CharField(max_length=200, blank=True, help_text='"Other: ____".')
    authorized_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rollbacks_authorized"
    )
    authorized_role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rollbacks_approved"
    )
    approved_role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="+")
    investigation_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rollback_investigations",
    )
    re_ramp_on = models.DateField(help_text="D9 §6.4 Re-ramp target date.")
    client_communication = models.BooleanField(help_text="Client communication required.")
    created_at = models.DateTimeField(default=timezone.now)
    effective_at = models.DateTimeField(null=True, blank=True)
    approval = models.OneToOneField(
        ApprovalRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(to_phase__lt=F("from_phase")),
                name="rollback_target_below_current",
                violation_error_message="A rollback goes to a lower phase.",
            ),
            models.CheckConstraint(
                condition=~Q(authorized_by=F("approved_by")),
                name="rollback_authorizer_is_not_approver",
                violation_error_message="The authorizer and the approver must be different.",
            ),
        ]

    def __str__(self):
        return f"Rollback {self.from_phase} → {self.to_phase} ({self.rollback_type})"


class RevalidationCheck(ChainedRecord):
    """D9 §5.3 "Rollback: Full P0 revalidation", one item of it verified after a rollback
    (append-only, once per item). The items are the D9 §2.1 Pre-Launch and Launch checks the
    portal reads as P0's (`governance.rollout.services.REVALIDATION_ACTIVITIES`)."""

    sign_off = models.ForeignKey(
        RollbackSignOff, on_delete=models.PROTECT, related_name="revalidation_checks"
    )
    activity = models.ForeignKey(
        "governance.RaciActivity", on_delete=models.PROTECT, related_name="+"
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    verified_role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="+")
    verified_at = models.DateTimeField(default=timezone.now)
    note = models.TextField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["verified_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["sign_off", "activity"], name="revalidation_check_once")
        ]

    def __str__(self):
        return f"{self.activity} verified by {self.verified_by}"


class RollbackSignOffReason(models.Model):
    """A reason ticked on a rollback sign-off (D9 §6.4 "Reason")."""

    sign_off = models.ForeignKey(
        RollbackSignOff, on_delete=models.CASCADE, related_name="reason_rows"
    )
    reason = models.ForeignKey(RollbackReason, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["reason__position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["sign_off", "reason"], name="rollback_reason_once")
        ]

    def __str__(self):
        return str(self.reason)


class PhaseTransition(ChainedRecord):
    """One change of a rollout's phase. Unique per gate review and per rollback: applied once."""

    class Kind(models.TextChoices):
        ADVANCE = "advance", "Advance"
        ROLLBACK = "rollback", "Rollback"
        EMERGENCY_ROLLBACK = "emergency_rollback", "Emergency rollback"

    rollout = models.ForeignKey(Rollout, on_delete=models.PROTECT, related_name="transitions")
    from_phase = models.CharField(max_length=2, choices=Phase.choices)
    to_phase = models.CharField(max_length=2, choices=Phase.choices)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    advance = models.OneToOneField(
        PhaseAdvance, on_delete=models.PROTECT, null=True, blank=True, related_name="transition"
    )
    rollback = models.OneToOneField(
        RollbackSignOff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transition",
    )
    policy_version = models.ForeignKey(
        PolicyVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            # rollout page: a rollout's transitions, newest first.
            models.Index(fields=["rollout", "-at"], name="phase_transition_rollout_at"),
        ]

    def __str__(self):
        return f"{self.rollout.name}: {self.from_phase} → {self.to_phase}"


class OnCallTrainedAttestation(models.Model):
    """D9 §6.2 "SRE Lead sign-off — Confirms: … on-call trained": the SRE Lead's recorded
    attestation that the on-call engineers are trained, with the readiness evidence shown to
    them at that moment. Append-only: a newer attestation supersedes, none is edited."""

    rollout = models.ForeignKey(
        Rollout, on_delete=models.PROTECT, related_name="on_call_attestations"
    )
    statement = models.TextField()
    evidence = models.TextField(blank=True, help_text="The readiness figures when attesting.")
    attested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    attested_at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-attested_at", "-id"]

    def __str__(self):
        return f"On-call trained, attested {self.attested_at:%Y-%m-%d} by {self.attested_by}"
