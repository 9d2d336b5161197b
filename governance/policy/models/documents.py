"""D9 §9: document control: policy versions, their approvals and notes."""

from django.conf import settings
from django.db import models

from governance.policy.models.base import PolicyModel
from governance.policy.models.roles import Role
from governance.record.chain import ChainedRecord


class PolicyVersion(ChainedRecord, PolicyModel):
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
