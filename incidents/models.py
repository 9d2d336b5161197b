"""Incidents (D9 §4, §7): the incident, its frozen escalation steps, timeline, updates,
post-incident review, client communication and follow-up tickets.

Incident, updates, reviews, client communications and tickets are history-tracked records.
`IncidentStep` and `Responder` are sweep bookkeeping (written with `.update()` by the sweep,
not history-tracked); `IncidentEvent` is the append-only timeline (never edited).
`Integration` (an alert source) is history-tracked; its `IntegrationStats` counters and the
`AlertGroup` / `Alert` rows behind an alert-opened incident are intake bookkeeping (no history).
"""

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from governance.models import CommunicationRule, Notification, Role, Severity, Workspace
from governance.record.chain import ChainedRecord


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
            # Open incidents only (a few among 100 000 a year): the dashboard card, the rollout
            # blocker, the handoff and status pages, the list's "open" filter.
            models.Index(
                fields=["-opened_at"], condition=~Q(status="resolved"), name="incident_open"
            ),
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


class IncidentEvent(ChainedRecord):
    """One line of the incident timeline; append-only. A fired step has exactly one event."""

    class Kind(models.TextChoices):
        OPENED = "opened", "Opened"
        ALERT_REPEATED = "alert_repeated", "Alert fired again"
        ALERT_CLEARED = "alert_cleared", "Alert cleared"
        ALERT_NOTE = "alert_note", "Alert intake note"
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
        CLIENT_FACING = "client_facing", "Marked client-facing"

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
        indexes = [
            # The updates admin changelist, newest first (ordering by posted_at over every row).
            models.Index(fields=["-posted_at", "-id"], name="incident_update_posted"),
            # The incident page's updates and the compliance report's update slots: one
            # incident's updates in time order.
            models.Index(fields=["incident", "posted_at"], name="incident_update_timeline"),
        ]

    def __str__(self):
        return self.body.splitlines()[0] if self.body else self.kind


class FollowUpTicket(models.Model):
    """A follow-up ticket of an incident: the D9 §4.2 P3 "Ticket if unresolved" (one per
    incident, no review), or an action item of its post-incident review (D9 §2.1), owned by
    its assignee and due on `due_on`."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="tickets")
    review = models.ForeignKey(
        "PostIncidentReview",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="action_items",
        help_text="The review whose action item this ticket is; empty: the §4.2 ladder ticket.",
    )
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    summary = models.CharField(max_length=300)
    due_on = models.DateField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # escalation.ticket(): the §4.2 ladder opens one ticket per incident.
            models.UniqueConstraint(
                fields=["incident"], condition=Q(review=None), name="follow_up_ladder_ticket_once"
            )
        ]
        indexes = [
            # the gate page and the follow-up lists: open tickets.
            models.Index(fields=["closed_at", "due_on"], name="follow_up_open_due"),
        ]

    def __str__(self):
        return f"Ticket #{self.pk} of incident #{self.incident_id}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class PostIncidentReview(models.Model):
    """D9 §2.1 "Post-incident review": Owner Accountable, On-Call Responsible; due the severity's
    policy number of working days after resolution; done when its summary is filed (with its
    contributing factors and action items), then signed off by the Owner."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Filed"

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
    signed_off_at = models.DateTimeField(
        null=True, blank=True, help_text="When the Owner's sign-off (D9 §2.1 A) was recorded."
    )
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    overdue_chased_at = models.DateTimeField(
        null=True, blank=True, help_text="When the Owner was mailed that the review is overdue."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            # reviews.chase_overdue_reviews(): open reviews past their date, not yet chased.
            models.Index(fields=["status", "due_on"], name="review_status_due"),
        ]

    def __str__(self):
        return f"Review of incident #{self.incident_id}"

    def get_absolute_url(self):
        return reverse("incidents:review_page", args=[self.incident_id])

    @property
    def state_label(self) -> str:
        """Open, filed and awaiting the Owner's sign-off, or signed off."""
        if self.status == self.Status.OPEN:
            return "Open"
        return "Signed off" if self.signed_off_at else "Filed; awaiting the Owner's sign-off"


class ContributingFactor(models.Model):
    """A contributing factor a post-incident review names (D9 §2.1 "Post-incident review")."""

    review = models.ForeignKey(PostIncidentReview, on_delete=models.CASCADE, related_name="factors")
    description = models.TextField()
    added_at = models.DateTimeField()
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["added_at", "id"]

    def __str__(self):
        return self.description[:80]


class ClientCommunication(models.Model):
    """D9 §7.2 "Incident (client-facing)" and "Outage communication": Support drafts, the
    approvers the rule names (PM; PM + Owner for an outage) approve, and the approval publishes
    it on the status page and mails it to the subscribers. "Sent" is set by the delivery."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft (awaiting approval)"
        APPROVED = "approved", "Published (mail under way)"
        SENT = "sent", "Sent (every subscriber's mail delivered)"

    class PublicStatus(models.TextChoices):
        """The incident's state as clients read it (Atlassian Statuspage's vocabulary)."""

        INVESTIGATING = "investigating", "Investigating"
        IDENTIFIED = "identified", "Identified"
        MONITORING = "monitoring", "Monitoring"
        RESOLVED = "resolved", "Resolved"

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="client_communications"
    )
    rule = models.ForeignKey(
        CommunicationRule,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The D9 §7.2 row it follows; it names the approvers and the channel.",
    )
    title = models.CharField(max_length=200, help_text="The headline clients read.")
    public_status = models.CharField(
        max_length=20, choices=PublicStatus.choices, default=PublicStatus.INVESTIGATING
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
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty for a follow-up the policy lets Support publish without approval.",
    )
    published_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(
        null=True, blank=True, help_text="When the last subscriber's mail was delivered."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["drafted_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(approved_at__isnull=False),
                name="client_communication_approved_before_sent",
                violation_error_message="A client communication is sent only once approved.",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="client_communication_published_unless_draft",
            ),
        ]
        indexes = [
            # the status page and its feeds: what was published in the last 90 days.
            models.Index(fields=["published_at"], name="client_comm_published"),
            # the delivery sweep: published communications whose mail is still under way.
            models.Index(fields=["status"], name="client_comm_status"),
        ]

    def __str__(self):
        return f"Client communication for incident #{self.incident_id} ({self.status})"


class StatusSubscriber(models.Model):
    """A client who receives the client mail of one workspace, or of every workspace (empty).

    Added by Support or the Account Manager (confirmed at once), or self-subscribed on the
    status page and confirmed by a signed link (double opt-in). Unsubscribing keeps the row.
    """

    email = models.EmailField(max_length=254, help_text="Stored lower-case.")
    workspace = models.ForeignKey(
        Workspace,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="status_subscribers",
        help_text="Empty: every workspace's mail (global).",
    )
    created_at = models.DateTimeField()
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty: subscribed on the status page.",
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["email", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["email", "workspace"],
                name="status_subscriber_once_per_workspace",
                violation_error_message="This address already subscribes to this workspace.",
            ),
            models.UniqueConstraint(
                fields=["email"],
                condition=Q(workspace__isnull=True),
                name="status_subscriber_once_globally",
                violation_error_message="This address already subscribes to every workspace.",
            ),
        ]
        indexes = [
            # mail_communication(): the active subscribers of a workspace and the global ones.
            models.Index(
                fields=["workspace"],
                condition=Q(confirmed_at__isnull=False, unsubscribed_at__isnull=True),
                name="status_subscriber_active",
            )
        ]

    def __str__(self):
        return f"{self.email} ({self.workspace or 'all workspaces'})"

    @property
    def is_active(self) -> bool:
        return bool(self.confirmed_at and not self.unsubscribed_at)


class ClientMailDelivery(models.Model):
    """One subscriber's mail of one communication: its outbox row carries the delivery state.

    Bookkeeping (not history-tracked); unique per communication and subscriber, so a retry or a
    replay mails nobody twice.
    """

    communication = models.ForeignKey(
        ClientCommunication, on_delete=models.CASCADE, related_name="deliveries"
    )
    subscriber = models.ForeignKey(
        StatusSubscriber, on_delete=models.CASCADE, related_name="deliveries"
    )
    notification = models.OneToOneField(
        Notification, on_delete=models.PROTECT, related_name="client_mail"
    )

    class Meta:
        ordering = ["communication", "subscriber"]
        verbose_name_plural = "client mail deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["communication", "subscriber"], name="client_mail_once_per_subscriber"
            )
        ]

    def __str__(self):
        return f"{self.communication} to {self.subscriber.email}"


def default_severity_map() -> dict:
    """Alertmanager's customary `severity` label values and the Events API v2 severities, to
    the D9 §4.1 severities; each integration keeps its own copy, editable in the admin."""
    return {"critical": "P1", "error": "P2", "warning": "P2", "info": "P3"}


class Integration(models.Model):
    """An alert source (D9 §4.3 "Alert fires"): one monitoring system with its own key.

    Only the key's hash is stored; the key is shown once when issued. Alerts open incidents as
    the integration's service user (`acts_as`), so the timeline and history name the source.
    """

    class Kind(models.TextChoices):
        ALERTMANAGER = "alertmanager", "Prometheus Alertmanager webhook"
        EVENTS_V2 = "events_v2", "PagerDuty Events API v2 format"

    KEY_PREFIX = "gi_"

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    acts_as = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="integration",
        editable=False,
        help_text="The service user the integration's alerts act as (it cannot log in).",
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_hint = models.CharField(max_length=12, editable=False)
    key_revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    enabled = models.BooleanField(default=True)
    default_severity = models.ForeignKey(
        Severity,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Used when an alert's severity is missing or not in the mapping.",
    )
    default_workspace = models.ForeignKey(
        Workspace,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Used when an alert names no known workspace; empty: global.",
    )
    severity_label = models.CharField(
        max_length=100,
        default="severity",
        help_text="The alert label (Alertmanager) holding the severity.",
    )
    severity_map = models.JSONField(
        default=default_severity_map,
        help_text='Alert severity → D9 severity key, e.g. {"critical": "P1", "warning": "P2"}.',
    )
    workspace_label = models.CharField(
        max_length=100,
        default="workspace",
        help_text="The alert label (or Events v2 custom_details key) naming the workspace slug.",
    )
    stop_paging_when_cleared = models.BooleanField(
        default=True,
        help_text="When the alert clears, stop paging the escalation ladder (never resolves).",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @staticmethod
    def hash_key(key: str) -> str:
        # Keys carry 256 bits of randomness, so a fast hash is enough to keep them safe at rest.
        return hashlib.sha256(key.encode()).hexdigest()

    def clean(self):
        errors = {}
        if not isinstance(self.severity_map, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in self.severity_map.items()
        ):
            errors["severity_map"] = 'Give a JSON object of strings, e.g. {"critical": "P1"}.'
        else:
            known = set(Severity.objects.values_list("key", flat=True))
            unknown = sorted({v for v in self.severity_map.values() if v not in known})
            if unknown:
                errors["severity_map"] = (
                    f"Unknown D9 severity {', '.join(unknown)}; use one of "
                    f"{', '.join(sorted(known))}."
                )
        if errors:
            raise ValidationError(errors)


class IntegrationStats(models.Model):
    """Delivery counters of an integration (bookkeeping, written with `F()`, no history)."""

    integration = models.OneToOneField(
        Integration, on_delete=models.CASCADE, primary_key=True, related_name="stats"
    )
    last_received_at = models.DateTimeField(null=True, blank=True)
    accepted = models.PositiveBigIntegerField(default=0, help_text="Deliveries recorded (2xx).")
    deduplicated = models.PositiveBigIntegerField(
        default=0, help_text="Accepted deliveries that matched an incident already recorded."
    )
    refused = models.PositiveBigIntegerField(default=0, help_text="Malformed deliveries (400).")

    def __str__(self):
        return f"{self.integration}: {self.accepted} accepted"


class AlertGroup(models.Model):
    """The alert group behind an incident an integration opened (bookkeeping, no history).

    `Incident.dedupe_key` holds the group's key hashed with the integration, so one open
    incident exists per group; this row keeps the group key as sent, the last raw payload and
    when the alert cleared.
    """

    incident = models.OneToOneField(
        Incident, on_delete=models.CASCADE, primary_key=True, related_name="alert_group"
    )
    integration = models.ForeignKey(
        Integration, on_delete=models.PROTECT, related_name="alert_groups"
    )
    group_key = models.TextField(help_text="Alertmanager's groupKey or the Events v2 dedup_key.")
    payload = models.JSONField(help_text="The last delivery, exactly as received.")
    first_received_at = models.DateTimeField()
    last_received_at = models.DateTimeField()
    deliveries = models.PositiveIntegerField(default=1)
    cleared_at = models.DateTimeField(
        null=True, blank=True, help_text="When the whole group last cleared (resolved)."
    )
    follows = models.ForeignKey(
        Incident,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followed_by",
        help_text="The resolved incident of the same group this one follows.",
    )

    def __str__(self):
        return f"{self.integration}: {self.group_key[:60]}"


class Alert(models.Model):
    """One alert of a group, as the monitoring system last sent it (bookkeeping, no history)."""

    group = models.ForeignKey(AlertGroup, on_delete=models.CASCADE, related_name="alerts")
    fingerprint = models.CharField(max_length=64)
    status = models.CharField(max_length=10)
    labels = models.JSONField(default=dict)
    annotations = models.JSONField(default=dict)
    generator_url = models.TextField(blank=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    last_received_at = models.DateTimeField()

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "fingerprint"], name="alert_once_per_group")
        ]

    def __str__(self):
        return f"{self.labels.get('alertname', self.fingerprint)} ({self.status})"


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
