"""D9 §6: phase gates, GA confirmations, rollback types and reasons."""

from django.db import models

from governance.policy.models.base import Phase, PolicyModel, Wording
from governance.policy.models.roles import Role, RoleMention


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
