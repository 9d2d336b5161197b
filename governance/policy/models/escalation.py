"""D9 §4: severities, the escalation ladder and how to reach each role."""

from django.core.validators import MinValueValidator
from django.db import models

from governance.policy.models.base import PolicyModel, Wording
from governance.policy.models.roles import Role


class Severity(PolicyModel):
    """D9 §4.1: an incident severity (P1/P2/P3)."""

    key = models.CharField(max_length=5, unique=True, help_text="P1, P2 or P3.")
    criteria = models.CharField(max_length=200)
    examples = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)
    review_due_working_days = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(1)],
        help_text="D9 §2.1 Post-incident review: due this many working days after resolution "
        "(every P1, and any incident marked for a review).",
    )

    class Meta:
        ordering = ["position", "key"]
        verbose_name_plural = "severities"

    def __str__(self):
        return self.key


class EscalationStep(PolicyModel):
    """D9 §4.2: who does what, how many minutes after an incident opens.

    Steps of one severity sharing a minute print in one cell, joined by " + ".
    """

    class Action(models.TextChoices):
        ACKS = "acks", "acks"
        JOINS = "joins", "joins"
        INVESTIGATES = "investigates", "investigates"
        NOTIFIED = "notified", "notified"
        RESOLVES = "resolves", "resolves"
        TICKET = "ticket", "ticket"

    severity = models.ForeignKey(Severity, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(help_text="Order of the step in the ladder.")
    at_minute = models.PositiveIntegerField(help_text="Minutes after the incident opens.")
    role = models.ForeignKey(
        Role,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="escalation_steps",
        help_text='Empty only where D9 names no person (e.g. "Ticket").',
    )
    wording = models.CharField(max_length=10, choices=Wording.choices, default=Wording.SHORT)
    action = models.CharField(max_length=20, choices=Action.choices)
    show_action = models.BooleanField(
        default=True, help_text='Print the action in §4.2 ("Primary acks" vs "SRE Lead + PM").'
    )
    if_unresolved = models.BooleanField(
        default=False, help_text='Only if the incident is still unresolved ("if unresolved").'
    )

    class Meta:
        ordering = ["severity__position", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["severity", "position"], name="escalation_step_position_once"
            )
        ]

    def __str__(self):
        return f"{self.severity} +{self.at_minute} min: {self.cell_text()}"

    def cell_text(self) -> str:
        """This step as D9 §4.2 prints it, e.g. "Secondary joins", "Ticket if unresolved"."""
        if self.role_id:
            text = self.role.word(self.wording)
            if self.show_action:
                text = f"{text} {self.get_action_display()}"
        else:
            text = self.get_action_display().capitalize()
        return f"{text} if unresolved" if self.if_unresolved else text


class Channel(models.TextChoices):
    """Contact channels of D9 §4.4."""

    PAGER = "pager", "Pager"
    PHONE = "phone", "Phone"
    SLACK = "slack", "Slack"
    SLACK_DM = "slack_dm", "Slack DM"
    EMAIL = "email", "Email"


class EscalationContact(PolicyModel):
    """D9 §4.4: how to reach a role (primary and backup channel and value)."""

    role = models.OneToOneField(Role, on_delete=models.PROTECT, related_name="contact")
    primary_channel = models.CharField(max_length=10, choices=Channel.choices)
    primary_value = models.CharField(max_length=200, blank=True)
    backup_channel = models.CharField(max_length=10, choices=Channel.choices)
    backup_value = models.CharField(
        max_length=200, blank=True, help_text="Not needed for Slack DM."
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return f"Contact for {self.role}"

    @staticmethod
    def needs_value(channel: str) -> bool:
        return channel != Channel.SLACK_DM
