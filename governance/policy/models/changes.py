"""D9 §9 / §1.3: a proposed change to who holds a role, waiting for the Document Control roles.

Who holds a role is policy (DESIGN "Security": nobody grants themselves a role). An edit of a
role assignment or an escalation contact in the admin is kept here, with the values before and
the values proposed, until the one approval mechanism approves it; only then is it applied.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from governance.policy.models.escalation import EscalationContact
from governance.policy.models.roles import RoleAssignment


class RoleChangeRequest(models.Model):
    """A pending change of a role assignment (new or existing) or of an escalation contact."""

    class Subject(models.TextChoices):
        ASSIGNMENT = "assignment", "Role assignment (D9 §1.3)"
        CONTACT = "contact", "Escalation contact (D9 §4.4)"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending approval"
        APPLIED = "applied", "Approved and applied"
        REJECTED = "rejected", "Vetoed"
        CANCELLED = "cancelled", "Cancelled"

    subject = models.CharField(max_length=20, choices=Subject.choices)
    assignment = models.ForeignKey(
        RoleAssignment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="change_requests",
        help_text="The assignment changed; empty for a new assignment until it is applied.",
    )
    contact = models.ForeignKey(
        EscalationContact,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="change_requests",
        help_text="The contact changed; empty for a new contact until it is applied.",
    )
    previous = models.JSONField(
        default=dict, blank=True, encoder=DjangoJSONEncoder, help_text="Values before the change."
    )
    proposed = models.JSONField(
        encoder=DjangoJSONEncoder, help_text="Values proposed, by field name (people by id)."
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="role_change_requests"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    resolved_at = models.DateTimeField(null=True, blank=True)
    approval = models.OneToOneField(
        "governance.ApprovalRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="role_change",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self):
        return f"Role change #{self.pk} ({self.get_subject_display()})"
