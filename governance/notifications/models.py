"""The notifications outbox, and where it delivers: people's contact methods, team channels and
each person's notification rules (D9 §3.1, §4.4, §7.1)."""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords


class Urgency(models.TextChoices):
    PAGE = "page", "Page"
    INFO = "info", "Information"


class Team(models.Model):
    """A team that has channels of its own: D9's `#ingestion-rollout` is the ingestion team's."""

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ContactMethod(models.Model):
    """One way to reach a person or a team: mail, or an Apprise URL (chat, push, SMS, webhook).

    The URL is stored encrypted (`channels.seal`); only its masked form (Apprise's own privacy
    rendering) is shown and kept in history. A person's method carries pages only once a test
    message reached it (`verified_at`).
    """

    class Kind(models.TextChoices):
        EMAIL = "email", "Email"
        APPRISE = "apprise", "Apprise URL"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="contact_methods",
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="channels"
    )
    name = models.SlugField(max_length=60, unique=True, help_text="How commands refer to it.")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    sealed_url = models.TextField(help_text="The URL or address, encrypted at rest.")
    masked_url = models.CharField(max_length=500, help_text="The URL with its secrets masked.")
    verified_at = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    history = HistoricalRecords(excluded_fields=["sealed_url"])

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, team__isnull=True)
                | Q(user__isnull=True, team__isnull=False),
                name="contact_method_one_owner",
            )
        ]

    def __str__(self):
        return self.name

    @property
    def owner_label(self) -> str:
        return f"team {self.team.slug}" if self.team_id else self.user.get_username()


class NotificationRule(models.Model):
    """PagerDuty's model: for a page (or for information), use this method this many minutes
    after the event. A page's later rules fire only while it is unacknowledged."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_rules"
    )
    urgency = models.CharField(max_length=4, choices=Urgency.choices)
    method = models.ForeignKey(
        ContactMethod,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="rules",
        help_text="Empty: the person's account mail address.",
    )
    delay_minutes = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["user", "urgency", "delay_minutes", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "urgency", "method", "delay_minutes"], name="notification_rule_once"
            )
        ]

    def __str__(self):
        method = self.method or "account mail"
        return f"{self.get_urgency_display()}: {method} at +{self.delay_minutes} min"


class Notification(models.Model):
    """One message to one address or channel. Written in the caller's transaction, sent after
    commit.

    Not history-tracked: it is bookkeeping, and its status changes are the delivery log.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    method = models.ForeignKey(
        ContactMethod,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
        help_text="Empty for plain mail to the address.",
    )
    address = models.CharField(
        max_length=500, help_text="A mail address, or the channel's masked URL."
    )
    template = models.CharField(max_length=100)
    subject = models.CharField(max_length=255)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    headers = models.JSONField(
        default=dict,
        blank=True,
        help_text="Extra mail headers, e.g. List-Unsubscribe for client mail (RFC 2369, 8058).",
    )
    dedupe_key = models.CharField(
        max_length=255,
        unique=True,
        help_text="The same key twice is one mail: the second notify() is a no-op.",
    )
    event_key = models.CharField(
        max_length=255,
        blank=True,
        db_index=True,
        help_text="The caller's key: every method's message of one event shares it.",
    )
    urgency = models.CharField(max_length=4, choices=Urgency.choices, default=Urgency.INFO)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(
        null=True, blank=True, help_text="A claim not reported back by then returns to the queue."
    )
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # Serves the delivery sweep: pending rows whose next attempt is due.
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx"),
            # Serves the lease sweep: sending rows whose worker's lease ran out.
            models.Index(fields=["status", "lease_until"], name="outbox_lease_idx"),
            # The outbox admin changelist (newest first) and the month evidence pack's mails
            # (created_at in the month); "my page" of a person's messages.
            models.Index(fields=["-created_at", "-id"], name="outbox_created_idx"),
        ]

    def __str__(self):
        return f"{self.template} to {self.address} ({self.get_status_display()})"

    @property
    def message_id(self) -> str:
        """A Message-ID stable across retries and re-sends, so a receiver collapses a duplicate."""
        digest = hashlib.sha256(self.dedupe_key.encode()).hexdigest()[:32]
        return f"<{digest}@{settings.OUTBOX_MESSAGE_ID_DOMAIN}>"


class DisplayZone(models.Model):
    """The zone a person reads times in (issue 12 point 9): pages outside a rotation's own
    (which show the rotation's wall clock, D9 §3.2) show instants in it. A preference, not a
    record: no history."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="display_zone"
    )
    time_zone = models.CharField(max_length=64, help_text="An IANA zone, e.g. America/New_York.")

    def __str__(self):
        return f"{self.user} reads times in {self.time_zone}"
