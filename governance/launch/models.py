"""D9 §2.1 Pre-Launch and Launch: the launch checklist, its consultations and the Go/No-Go gate."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from governance.policy.models.documents import PolicyVersion
from governance.policy.models.raci import RaciActivity
from governance.policy.models.roles import Role
from governance.record.chain import ChainedRecord


class Launch(models.Model):
    """A launch run through the D9 §2.1 Pre-Launch and Launch rows."""

    name = models.CharField(max_length=100)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("launch:detail", args=[self.pk])


class LaunchChecklistItem(models.Model):
    """One Pre-Launch or Launch activity of a launch: done by R, C consulted, signed off by A
    through the approval mechanism, I informed."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CONSULTING = "consulting", "Done; Consulted roles asked"
        SIGN_OFF = "sign_off", "Waiting for the Accountable's sign-off"
        SIGNED_OFF = "signed_off", "Signed off"

    launch = models.ForeignKey(Launch, on_delete=models.CASCADE, related_name="items")
    activity = models.ForeignKey(RaciActivity, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    signed_off_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["launch", "position"]
        constraints = [
            models.UniqueConstraint(fields=["launch", "activity"], name="launch_item_once")
        ]

    def __str__(self):
        return f"{self.launch}: {self.activity}"


class LaunchConsultation(models.Model):
    """A Consulted role's input on a checklist item, given before the sign-off is asked."""

    item = models.ForeignKey(
        LaunchChecklistItem, on_delete=models.PROTECT, related_name="consultations"
    )
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "role"], name="launch_consultation_once")
        ]

    def __str__(self):
        return f"{self.role} on {self.item}"


class GoNoGoDecision(ChainedRecord):
    """D9 §2.1 Go/No-Go decision: outcome and reason, append-only (a new decision replaces)."""

    class Outcome(models.TextChoices):
        GO = "go", "Go"
        NO_GO = "no_go", "No-Go"

    launch = models.ForeignKey(Launch, on_delete=models.PROTECT, related_name="decisions")
    outcome = models.CharField(max_length=6, choices=Outcome.choices)
    reason = models.TextField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()
    policy_version = models.ForeignKey(
        PolicyVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["decided_at", "id"]

    def __str__(self):
        return f"{self.get_outcome_display()} for {self.launch}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("Go/No-Go decisions are append-only; record a new one.")
        super().save(*args, **kwargs)
