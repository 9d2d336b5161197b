"""D9 §2.2 kill-switch authority and the §5 procedure: scenarios, log fields, resume authority."""

from django.db import models

from governance.policy.models.base import PolicyModel, Timing, Wording
from governance.policy.models.roles import Role, RoleMention


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
