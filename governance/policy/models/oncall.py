"""D9 §3: the on-call tiers, the handoff checklist and what is expected on call."""

from django.db import models

from governance.policy.models.base import PolicyModel, Wording
from governance.policy.models.roles import Role


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
