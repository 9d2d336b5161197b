"""D9 §7: who communicates what, with whose approval, and the message templates."""

import re

from django.db import models

from governance.policy.models.base import PolicyModel, Wording
from governance.policy.models.roles import Role, RoleMention


class CommunicationRule(PolicyModel):
    """D9 §7.1/7.2: who communicates an event, with whose approval, where and when."""

    class Audience(models.TextChoices):
        INTERNAL = "internal", "Internal (D9 §7.1)"
        EXTERNAL = "external", "External (D9 §7.2)"

    key = models.SlugField(max_length=60, unique=True)
    audience = models.CharField(max_length=10, choices=Audience.choices)
    event = models.CharField(max_length=100)
    owner = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="+")
    owner_wording = models.CharField(max_length=10, choices=Wording.choices, default=Wording.LABEL)
    channel = models.CharField(max_length=100)
    timing = models.CharField(max_length=100, blank=True, help_text="Internal events only.")
    cadence_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text='For "Every 30 min": repeat every this many minutes.'
    )

    class StatusImpact(models.TextChoices):
        """What a published communication of this event says about the service, in the
        vocabulary of Atlassian Statuspage's indicators (issue 21)."""

        NONE = "none", "None (operational)"
        MINOR = "minor", "Minor (degraded)"
        MAJOR = "major", "Major (outage)"

    status_impact = models.CharField(
        max_length=10,
        choices=StatusImpact.choices,
        default=StatusImpact.MINOR,
        help_text="External events: the state the status page shows while this is unresolved.",
    )
    follow_ups_without_approval = models.BooleanField(
        default=False,
        help_text="External events: Support may publish updates and the resolution of an "
        "incident already approved for clients without a new approval.",
    )
    status_shows_severity = models.BooleanField(
        default=False,
        help_text="External events: the status page shows the incident's severity (P1/P2/P3).",
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["audience", "position", "id"]

    def __str__(self):
        return self.event

    def timing_text(self) -> str:
        return f"Every {self.cadence_minutes} min" if self.cadence_minutes else self.timing


class CommunicationApprover(RoleMention):
    """D9 §7.2: a role that approves an external communication."""

    rule = models.ForeignKey(CommunicationRule, on_delete=models.CASCADE, related_name="approvers")

    class Meta(RoleMention.Meta):
        constraints = [
            models.UniqueConstraint(fields=["rule", "role"], name="communication_approver_once")
        ]


class MessageTemplate(PolicyModel):
    """D9 §7.3: a communication template, printed exactly as D9 prints it.

    Fields are written `[field]` in the body; `fields` lists the ones the template needs.
    """

    key = models.SlugField(max_length=40, unique=True)
    title = models.CharField(max_length=100, help_text='e.g. "Incident Start".')
    body = models.TextField()
    fields = models.JSONField(
        default=list, blank=True, help_text='The bracketed fields the body needs, e.g. "timestamp".'
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.title

    def placeholders(self) -> list[str]:
        """The `[field]` names in the body, in order, each once."""
        return list(dict.fromkeys(re.findall(r"\[([^\[\]\n]+)\]", self.body)))

    def render(self, values: dict[str, str]) -> str:
        """The body with each `[field]` replaced; a missing value raises KeyError."""
        text = self.body
        for field in self.fields:
            text = text.replace(f"[{field}]", str(values[field]))
        return text
