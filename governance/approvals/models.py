"""The one approval mechanism (DESIGN "Approvals and sign-offs"): requests, the roles whose
decision they need and by when, and append-only decisions.

Kill-switch approvals use it here; phase gates, GA, rollback sign-offs, swaps and policy versions
reuse it by `kind`.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from governance.policy.models.documents import PolicyVersion
from governance.policy.models.roles import Role
from governance.record.chain import ChainedRecord


class ApprovalRequest(models.Model):
    """A request for the decision of one or more roles on some object (generic target)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        VETOED = "vetoed", "Vetoed (blocked until withdrawn)"
        CANCELLED = "cancelled", "Cancelled"

    kind = models.CharField(
        max_length=60, help_text='What is approved, e.g. "killswitch.activation".'
    )
    title = models.CharField(max_length=200)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="approval_requests"
    )
    executor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="executed_approval_requests",
        help_text="Who carries the action out; like the requester, may not approve it.",
    )
    revision = models.PositiveIntegerField(
        default=1, help_text="Editing the request bumps it; earlier approvals stop counting."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    policy_version = models.ForeignKey(
        PolicyVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("decide_approvalrequest", "May decide this approval request")]
        indexes = [
            # target_requests(): the requests about one object.
            models.Index(fields=["content_type", "object_id"], name="approval_request_target"),
            # pending lists on the dashboard.
            models.Index(fields=["status", "created_at"], name="approval_request_status"),
        ]

    def __str__(self):
        return self.title


class ApprovalRequirement(models.Model):
    """One role whose approval a request needs, and by when (from the policy; may be open)."""

    request = models.ForeignKey(
        ApprovalRequest, on_delete=models.CASCADE, related_name="requirements"
    )
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="+")
    due_at = models.DateTimeField(null=True, blank=True)
    rows = models.CharField(max_length=200, blank=True, help_text="The D9 row requiring it.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "role"], name="approval_requirement_once")
        ]
        indexes = [
            # escalate_overdue_approvals(): requirements past their deadline.
            models.Index(fields=["due_at"], name="approval_requirement_due"),
        ]

    def __str__(self):
        return f"{self.role} for {self.request}"


class ApprovalDecision(ChainedRecord):
    """An append-only decision: approve (with a statement), veto (with a reason) or withdraw.

    Unique (request, role, person, revision, verdict): a person decides once per verdict on a
    revision of the request. Corrections are new rows, never edits: a veto is lifted by a new
    "withdraw" row and the person may then approve in a new "approve" row; vetoing again or
    approving again needs a new revision. The person's latest row on the current revision is
    their stance; editing the request (a new revision) voids every earlier decision.
    """

    class Verdict(models.TextChoices):
        APPROVE = "approve", "Approve"
        VETO = "veto", "Veto / reject"
        WITHDRAW = "withdraw", "Withdraw my veto"

    class HeldAs(models.TextChoices):
        """How the decider held the role at that moment (D9 §1.3 primary and backup, §3.1)."""

        PRIMARY = "primary", "primary holder"
        ACTING_BACKUP = "acting_backup", "backup, acting for the unavailable primary"
        BACKUP_ASKED = "backup_asked", "backup, asked in the primary's place"
        SUCCESSOR = "successor", "successor (took the role over after the request)"

    request = models.ForeignKey(ApprovalRequest, on_delete=models.PROTECT, related_name="decisions")
    role = models.ForeignKey(
        Role, on_delete=models.PROTECT, related_name="+", help_text="The role held when deciding."
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="approval_decisions"
    )
    verdict = models.CharField(max_length=10, choices=Verdict.choices)
    held_as = models.CharField(
        max_length=25,
        choices=HeldAs.choices,
        blank=True,
        help_text="How the role was held when deciding; empty on decisions recorded before.",
    )
    statement = models.TextField(help_text="The approval statement or the reason of the veto.")
    revision = models.PositiveIntegerField()
    policy_version = models.ForeignKey(
        PolicyVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["decided_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "role", "person", "revision", "verdict"],
                name="approval_decision_once",
            )
        ]

    def __str__(self):
        return f"{self.person} ({self.role}): {self.get_verdict_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("Decisions are append-only; record a new decision instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Decisions are append-only and cannot be deleted.")

    @property
    def role_text(self) -> str:
        """The role as pages and printed records show it: "Ingestion Owner (successor …)"."""
        if not self.held_as:
            return self.role.name
        return f"{self.role.name} ({self.get_held_as_display()})"


class ApprovalEscalation(models.Model):
    """Bookkeeping: a requirement escalated for its missed deadline, once (unique)."""

    requirement = models.OneToOneField(
        ApprovalRequirement, on_delete=models.CASCADE, related_name="escalation"
    )
    fired_at = models.DateTimeField()

    def __str__(self):
        return f"Escalated {self.requirement}"


class ApprovalRequestUserObjectPermission(UserObjectPermissionBase):
    """Guardian grants addressing a request to the people who may decide it."""

    content_object = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE)


class ApprovalRequestGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE)
