"""D9 §2.1 RACI in motion: recurring Steady State duties and the Pre-Launch/Launch checklist.

Who is Responsible, Accountable, Consulted or Informed is never stored here: it is read from the
`RaciEntry` rows of the activity when it matters, and the person is whoever holds that role then.
The schedule (cadence, local time, grace) is data, editable in the admin.

Duty instances, check-ins, comments, launches, checklist items, consultations and Go/No-Go
decisions are history-tracked records. `DutyNotice` (a reminder, escalation or summary fired
once) is sweep bookkeeping, not history-tracked.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from governance.policy.models.raci import RaciActivity
from governance.policy.models.roles import Role


class Cadence(models.TextChoices):
    HOURLY = "hourly", "Hourly"
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class Health(models.TextChoices):
    """The status a daily health review reports."""

    GREEN = "green", "Green"
    AMBER = "amber", "Amber"
    RED = "red", "Red"


class DutySchedule(models.Model):
    """When a D9 §2.1 Steady State activity recurs (hourly, daily at a local time, weekly)."""

    activity = models.OneToOneField(
        RaciActivity,
        on_delete=models.PROTECT,
        related_name="duty_schedule",
        limit_choices_to={"phase": RaciActivity.LifecyclePhase.STEADY_STATE},
    )
    cadence = models.CharField(max_length=10, choices=Cadence.choices)
    time_of_day = models.TimeField(
        default=datetime.time(0, 0),
        help_text="Local time of a daily or weekly duty (portal time zone); hourly: minute.",
    )
    weekday = models.PositiveSmallIntegerField(
        choices=Weekday.choices, default=Weekday.MONDAY, help_text="Weekly duties only."
    )
    grace_minutes = models.PositiveIntegerField(
        default=15, help_text="The check-in is due this long after the slot; then R is reminded."
    )
    escalate_after_minutes = models.PositiveIntegerField(
        default=15,
        help_text="Still not done this long after the reminder: the Accountable is informed.",
    )
    fallback_role = models.ForeignKey(
        Role,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=(
            "Told of a missed instance when the activity names no Accountable "
            "(D9 v1.0 Hourly monitoring reads I R C I I)."
        ),
    )
    asks_health = models.BooleanField(
        default=False, help_text="The check-in reports a status green / amber / red."
    )
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["activity__position"]

    def __str__(self):
        return f"{self.activity} ({self.describe()})"

    def describe(self) -> str:
        if self.cadence == Cadence.HOURLY:
            return f"hourly at :{self.time_of_day:%M}"
        if self.cadence == Cadence.DAILY:
            return f"daily {self.time_of_day:%H:%M} local"
        return f"weekly {self.get_weekday_display()} {self.time_of_day:%H:%M} local"


class DutyInstance(models.Model):
    """One due occurrence of a duty, assigned to whoever held the Responsible role at `due_at`."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done on time"
        LATE = "late", "Done late"
        MISSED = "missed", "Missed"

    schedule = models.ForeignKey(DutySchedule, on_delete=models.PROTECT, related_name="instances")
    due_at = models.DateTimeField(help_text="The slot (UTC).")
    deadline_at = models.DateTimeField(help_text="Check in by then, or R is reminded.")
    escalate_at = models.DateTimeField(help_text="Still open then: the Accountable is informed.")
    responsible_role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="+")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duty_instances",
        help_text="Who held the Responsible role at the slot; empty: nobody did.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    next_check_at = models.DateTimeField(
        null=True, blank=True, help_text="When the sweep next looks at it; empty: nothing left."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "due_at"], name="duty_instance_slot_once")
        ]
        indexes = [
            # chase_due_duties(): open instances whose reminder or escalation is due.
            models.Index(
                fields=["next_check_at"],
                condition=Q(next_check_at__isnull=False),
                name="duty_instance_next_check",
            ),
            # compliance report and "my duties": instances of a period.
            models.Index(fields=["due_at"], name="duty_instance_due"),
        ]

    def __str__(self):
        return f"{self.schedule.activity} due {self.due_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self):
        return reverse("duties:detail", args=[self.pk])

    @property
    def is_done(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.LATE)


class DutyCheckIn(models.Model):
    """The Responsible's check-in on an instance: a short note (and the health status)."""

    duty = models.OneToOneField(DutyInstance, on_delete=models.PROTECT, related_name="check_in")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.ForeignKey(
        Role, on_delete=models.PROTECT, related_name="+", help_text="The role held then."
    )
    note = models.CharField(max_length=500)
    health = models.CharField(max_length=10, choices=Health.choices, blank=True)
    at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["at"]

    def __str__(self):
        return f"Check-in by {self.person} on {self.duty}"


class DutyComment(models.Model):
    """A Consulted (or Accountable) role's comment on an instance."""

    duty = models.ForeignKey(DutyInstance, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"Comment by {self.author} on {self.duty}"


class DutyNotice(models.Model):
    """Bookkeeping: a reminder, escalation or day summary that fired once (unique key)."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", "Reminder to the Responsible"
        ESCALATION = "escalation", "Accountable informed of a miss"
        SUMMARY = "summary", "Summary to the Informed"

    key = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    instance = models.ForeignKey(
        DutyInstance, on_delete=models.CASCADE, null=True, blank=True, related_name="notices"
    )
    fired_at = models.DateTimeField()

    def __str__(self):
        return self.key
