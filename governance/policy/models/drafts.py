"""D9 §9: a draft of the next policy version — a copy of the D9 tables, edited and replayed
before it is proposed, never read by the live rules."""

from django.conf import settings
from django.db import models

from governance.policy.models.base import PolicyModel
from governance.policy.models.documents import PolicyVersion


class PolicyDraft(PolicyModel):
    """A working copy of the D9 tables (`tables`: model label -> rows as Django's "python"
    serializer writes them), edited through the policy's own ModelForms.

    The live rows stay untouched; proposing the draft (`publish_draft`) creates its
    `PolicyVersion` through §9 document control with the replay report attached (`report`),
    and the version's approval applies the draft's rows to the live tables.
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open for edits"
        PROPOSED = "proposed", "Proposed for approval"
        APPLIED = "applied", "Approved and applied"

    title = models.CharField(max_length=200)
    based_on = models.ForeignKey(
        PolicyVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The version in force when the draft was opened.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    tables = models.JSONField(default=dict, help_text="The draft's rows, table by table.")
    version = models.OneToOneField(
        PolicyVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="draft",
        help_text="The version proposed from this draft.",
    )
    report = models.JSONField(
        default=dict, blank=True, help_text="The what-if replay attached when proposed."
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Draft #{self.pk}: {self.title}"
