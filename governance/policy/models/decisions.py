"""D9 §8: decision authority and escalation."""

from django.db import models

from governance.policy.models.base import PolicyModel, Wording
from governance.policy.models.roles import Role, RoleMention


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
