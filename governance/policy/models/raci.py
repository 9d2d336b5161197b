"""D9 §2.1: the RACI matrix of the ingestion lifecycle."""

from django.db import models

from governance.policy.models.base import PolicyModel
from governance.policy.models.roles import Role


class RaciActivity(PolicyModel):
    """D9 §2.1: one activity of the ingestion lifecycle, grouped by phase."""

    class LifecyclePhase(models.TextChoices):
        PRE_LAUNCH = "pre_launch", "Pre-Launch"
        LAUNCH = "launch", "Launch"
        STEADY_STATE = "steady_state", "Steady State"
        INCIDENTS = "incidents", "Incidents"
        GA = "ga", "GA"

    key = models.SlugField(max_length=60, unique=True)
    phase = models.CharField(max_length=20, choices=LifecyclePhase.choices)
    name = models.CharField(max_length=100, help_text='D9 §2.1 "Activity", e.g. "GA sign-off".')
    accountable_waived = models.BooleanField(
        default=False,
        help_text=(
            'D9 v1.0 gives "Test upload" no A (it reads R, R, I, I, I). Tick only where the '
            "policy deliberately names no Accountable role: validation then warns instead of "
            "refusing. Two A's are always refused."
        ),
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = "RACI activities"
        verbose_name = "RACI activity"

    def __str__(self):
        return self.name


class RaciEntry(PolicyModel):
    """D9 §2.1: one role's letter for one activity (exactly one A, at least one R per activity)."""

    class Letter(models.TextChoices):
        RESPONSIBLE = "R", "R — Responsible"
        ACCOUNTABLE = "A", "A — Accountable"
        CONSULTED = "C", "C — Consulted"
        INFORMED = "I", "I — Informed"

    activity = models.ForeignKey(RaciActivity, on_delete=models.CASCADE, related_name="entries")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="raci_entries")
    letter = models.CharField(
        max_length=1,
        choices=Letter.choices,
        help_text="D9 legend: R = Responsible, A = Accountable, C = Consulted, I = Informed.",
    )

    class Meta:
        ordering = ["activity__position", "role__position"]
        verbose_name_plural = "RACI entries"
        verbose_name = "RACI entry"
        constraints = [
            models.UniqueConstraint(fields=["activity", "role"], name="raci_entry_one_per_role")
        ]

    def __str__(self):
        return f"{self.activity}: {self.role.label} {self.letter}"
