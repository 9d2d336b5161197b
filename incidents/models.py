"""Incidents (D9 §4, §7): the incident, its frozen escalation steps, timeline, updates,
post-incident review, client communication and follow-up tickets.

Incident, updates, reviews, client communications and tickets are history-tracked records.
`IncidentStep` and `Responder` are sweep bookkeeping (written with `.update()` by the sweep,
not history-tracked); `IncidentEvent` is the append-only timeline (never edited).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from governance.models import Role, Severity, Workspace


class Incident(models.Model):
    """An incident of the ingestion system (D9 §4.1 severity, §7.3 fields)."""

    class Status(models.TextChoices):
        INVESTIGATING = "investigating", "Investigating"
        MITIGATING = "mitigating", "Mitigating"
        RESOLVED = "resolved", "Resolved"

    title = models.CharField(max_length=200)
    severity = models.ForeignKey(Severity, on_delete=models.PROTECT, related_name="incidents")
    impact = models.TextField(blank=True, help_text="D9 §7.3 Impact: brief description.")
    workspace = models.ForeignKey(
        Workspace,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents",
        help_text="The affected workspace; empty: global.",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.INVESTIGATING)
    dedupe_key = models.CharField(
        max_length=200, blank=True, help_text="Alerts with the same open key are one incident."
    )
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    ladder_started_at = models.DateTimeField(
        help_text="When the current severity's ladder started (opening or last severity change)."
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    root_cause = models.TextField(blank=True)
    resolution = models.TextField(blank=True)
    client_facing = models.BooleanField(default=False)
    follow_up_needed = models.BooleanField(default=False)
    review_required = models.BooleanField(
        default=False, help_text="Hold a post-incident review even though it is not a P1."
    )
    next_update_at = models.DateTimeField(null=True, blank=True, help_text="D9 §7.1 cadence.")
    on_call_primary = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="On-Call Primary when the incident opened.",
    )
    on_call_secondary = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="On-Call Secondary when the incident opened.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [
            # incident list and admin changelist: newest first.
            models.Index(fields=["-opened_at", "-id"], name="incident_opened"),
            # list filters by status and severity.
            models.Index(fields=["status", "-opened_at"], name="incident_status_opened"),
            models.Index(fields=["severity", "-opened_at"], name="incident_severity_opened"),
        ]
        constraints = [
            # open_incident(): one open incident per alert dedupe key.
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=~Q(dedupe_key="") & ~Q(status="resolved"),
                name="incident_open_dedupe_key_once",
            )
        ]

    def __str__(self):
        return f"#{self.pk} {self.severity_id and self.severity.key} {self.title}"

    def get_absolute_url(self):
        return reverse("incidents:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.RESOLVED

    @property
    def scope(self) -> str:
        return f"workspace {self.workspace.slug}" if self.workspace_id else "global"


class IncidentStep(models.Model):
    """A time-driven step frozen onto one incident; the sweep fires it once when due.

    Ladder steps are copied from the D9 §4.2 policy rows when the incident opens (a later policy
    edit changes nothing in flight); response steps from the §3.1 tiers; update and review
    reminders are added as slots come due. `key` is unique per incident: a ladder step is keyed
    by its role and action, so a severity change never repeats a step that already fired.
    """

    class Kind(models.TextChoices):
        LADDER = "ladder", "Escalation ladder (D9 §4.2)"
        RESPONSE = "response", "Response track (D9 §3.1)"
        UPDATE = "update", "Update reminder (D9 §7.1)"
        REVIEW = "review", "Post-incident review reminder"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    key = models.CharField(max_length=100)
    label = models.CharField(max_length=200, help_text='As D9 prints it, e.g. "Secondary joins".')
    severity_key = models.CharField(max_length=5, blank=True)
    at_minute = models.PositiveIntegerField(null=True, blank=True)
    role = models.ForeignKey(
        Role, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=20, blank=True)
    if_unresolved = models.BooleanField(default=False)
    due_at = models.DateTimeField()
    fired_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "key"], name="incident_step_key_once")
        ]
        indexes = [
            # escalate_due(): pending steps by due time; the partial index holds only pending
            # rows, so a sweep costs what is due, not how many incidents are open.
            models.Index(
                fields=["due_at"],
                condition=Q(fired_at__isnull=True, cancelled_at__isnull=True),
                name="incident_step_pending_due",
            )
        ]

    def __str__(self):
        return f"{self.label} (+{self.at_minute} min)" if self.at_minute is not None else self.label

    @property
    def state(self) -> str:
        if self.fired_at:
            return "fired"
        return "cancelled" if self.cancelled_at else "pending"


class Responder(models.Model):
    """Someone the ladder or the response track pulled into an incident, in a role."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="responders")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="+")
    paged_at = models.DateTimeField()

    class Meta:
        ordering = ["paged_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "user", "role"], name="incident_responder_once"
            )
        ]

    def __str__(self):
        return f"{self.user} as {self.role}"


class IncidentEvent(models.Model):
    """One line of the incident timeline; append-only. A fired step has exactly one event."""

    class Kind(models.TextChoices):
        OPENED = "opened", "Opened"
        ALERT_REPEATED = "alert_repeated", "Alert fired again"
        PAGED = "paged", "Paged"
        NOTIFIED = "notified", "Notified"
        STEP = "step", "Escalation step"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        UPDATE = "update", "Update posted"
        UPDATE_OVERDUE = "update_overdue", "Update overdue"
        SEVERITY = "severity", "Severity changed"
        RESOLVED = "resolved", "Resolved"
        TICKET = "ticket", "Follow-up ticket"
        REVIEW = "review", "Post-incident review"
        CLIENT_COMM = "client_comm", "Client communication"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    text = models.TextField()
    step = models.OneToOneField(
        IncidentStep,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="event",
        help_text="The step this event fired; unique, so a step fires once.",
    )

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            # incident page timeline.
            models.Index(fields=["incident", "at"], name="incident_event_timeline"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}: {self.text[:60]}"


class IncidentUpdate(models.Model):
    """A status message from a D9 §7.3 template, mailed to the list and everyone paged."""

    class Kind(models.TextChoices):
        START = "incident_start", "🔴 Incident start"
        UPDATE = "incident_update", "🟡 Update"
        RESOLVED = "incident_resolved", "🟢 Resolved"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Incident.Status.choices)
    values = models.JSONField(default=dict, help_text="The template fields as filled in.")
    body = models.TextField(help_text="The rendered template, exactly as sent.")
    posted_at = models.DateTimeField()
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    next_update_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["posted_at", "id"]

    def __str__(self):
        return self.body.splitlines()[0] if self.body else self.kind


class FollowUpTicket(models.Model):
    """D9 §4.2 P3 "Ticket if unresolved": the follow-up ticket record of an incident."""

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="ticket")
    created_at = models.DateTimeField()
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    summary = models.CharField(max_length=300)
    closed_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Ticket for incident #{self.incident_id}"


class PostIncidentReview(models.Model):
    """D9 §2.1 "Post-incident review": Owner Accountable, On-Call Responsible; due in working
    days after resolution; done when its summary is filed."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="review")
    accountable = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    summary = models.TextField(blank=True)
    filed_at = models.DateTimeField(null=True, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self):
        return f"Review of incident #{self.incident_id}"


class ClientCommunication(models.Model):
    """D9 §7.2 "Incident (client-facing)": Support drafts, the PM approves, then it is sent."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft (awaiting approval)"
        APPROVED = "approved", "Approved"
        SENT = "sent", "Sent"

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="client_communications"
    )
    status_page_text = models.TextField()
    email_text = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    drafted_at = models.DateTimeField()
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["drafted_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(approved_at__isnull=False),
                name="client_communication_approved_before_sent",
                violation_error_message="A client communication is sent only once approved.",
            )
        ]

    def __str__(self):
        return f"Client communication for incident #{self.incident_id} ({self.status})"


class AcknowledgeLinkUse(models.Model):
    """A one-click acknowledge link that was used: a link works once (D9 §3.1 acknowledge from
    the page). Keyed by the SHA-256 of the signed token; the token itself is not kept."""

    token_digest = models.CharField(max_length=64, unique=True)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    used_at = models.DateTimeField()

    class Meta:
        ordering = ["-used_at"]

    def __str__(self):
        return f"Acknowledge link for incident #{self.incident_id} used by {self.user}"
