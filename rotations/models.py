"""The on-call rotation of D9 §3: rotations, their weeks, overrides and swaps, handoffs, readiness.

Every model a person edits is history-tracked; writes go through `rotations.services`.
Instants are stored in UTC; the handoff wall clock ("Monday 09:00") lives in the rotation's
IANA zone and is converted by `rotations.schedule`.
"""

import datetime
import secrets
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords


def new_token() -> str:
    return secrets.token_urlsafe(24)


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError(
            f"{value!r} is not an IANA time zone (for example Europe/London)."
        ) from error


class Tier(models.TextChoices):
    """The rotation tiers of D9 §3.1 that weeks and overrides assign."""

    PRIMARY = "primary", "Primary"
    SECONDARY = "secondary", "Secondary"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class RotationPolicy(models.Model):
    """Settings of the rotation process (one row, edited in the admin).

    D9 §3 names the Ingestion Owner as the escalation point of the rotation; whether a swap
    between engineers also needs the Owner's approval is a policy choice, on by default.
    """

    swaps_need_owner_approval = models.BooleanField(
        default=True,
        help_text="An accepted swap takes effect only once the Ingestion Owner approves it.",
    )
    weeks_ahead = models.PositiveSmallIntegerField(
        default=8, help_text="The daily sweep keeps every rotation generated this many weeks ahead."
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "rotation policy"
        verbose_name_plural = "rotation policy"

    def __str__(self):
        return "Rotation policy"

    @classmethod
    def current(cls) -> "RotationPolicy":
        policy = cls.objects.order_by("pk").first()
        return policy if policy is not None else cls.objects.create()


class Rotation(models.Model):
    """D9 §3.2: a weekly rotation with a handoff at a local weekday and time."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=50, unique=True)
    time_zone = models.CharField(
        max_length=64,
        default="Europe/London",
        validators=[validate_time_zone],
        help_text="IANA zone of the handoff wall clock, e.g. Europe/London.",
    )
    handoff_weekday = models.PositiveSmallIntegerField(
        choices=Weekday.choices, default=Weekday.MONDAY
    )
    handoff_time = models.TimeField(
        default=datetime.time(9, 0), help_text="D9 §3.2: handoff Monday 09:00 local time."
    )
    is_policy_rotation = models.BooleanField(
        default=False,
        help_text="The rotation D9 governs: its Primary and Secondary hold the On-Call roles.",
    )
    active = models.BooleanField(default=True)
    calendar_token = models.CharField(max_length=64, unique=True, default=new_token)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_policy_rotation"],
                condition=Q(is_policy_rotation=True),
                name="rotation_one_policy_rotation",
                violation_error_message="Only one rotation can be the D9 policy rotation.",
            )
        ]

    def __str__(self):
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def handoff_text(self) -> str:
        return f"{Weekday(self.handoff_weekday).label} {self.handoff_time:%H:%M} ({self.time_zone})"


class RosterMember(models.Model):
    """An engineer on a rotation's roster, in order (D9 §3.2 round-robin)."""

    rotation = models.ForeignKey(Rotation, on_delete=models.CASCADE, related_name="roster")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rosters"
    )
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True, help_text="Inactive members get no new weeks.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["rotation", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["rotation", "user"], name="roster_member_once")
        ]

    def __str__(self):
        return f"{self.rotation}: {self.user}"


class RotationWeek(models.Model):
    """D9 §3.2: one week of a rotation, from one handoff instant to the next."""

    rotation = models.ForeignKey(Rotation, on_delete=models.CASCADE, related_name="weeks")
    starts_at = models.DateTimeField(help_text="The handoff instant that opens the week (UTC).")
    ends_at = models.DateTimeField(help_text="The next handoff instant (UTC).")
    primary = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="primary_weeks",
    )
    secondary = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="secondary_weeks",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["rotation", "starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["rotation", "starts_at"], name="rotation_week_once"),
            models.CheckConstraint(
                condition=Q(primary__isnull=True) | ~Q(primary=F("secondary")),
                name="rotation_week_primary_is_not_secondary",
                violation_error_message="Nobody is primary and secondary in the same week.",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="rotation_week_ends_after_start"
            ),
        ]
        indexes = [
            # on_call_at(): the week of a rotation covering an instant.
            models.Index(fields=["rotation", "ends_at", "starts_at"], name="rotation_week_cover"),
            # my shifts: a person's weeks in order.
            models.Index(fields=["primary", "starts_at"], name="rotation_week_primary"),
            models.Index(fields=["secondary", "starts_at"], name="rotation_week_secondary"),
        ]

    def __str__(self):
        return f"{self.rotation} week of {self.starts_at:%Y-%m-%d}"

    def clean(self):
        if self.primary_id and self.primary_id == self.secondary_id:
            raise ValidationError(
                {"secondary": "Nobody can be primary and secondary in the same week (D9 §3.1)."}
            )

    def holder(self, tier: str):
        return self.primary if tier == Tier.PRIMARY else self.secondary

    def local_start(self) -> datetime.datetime:
        return self.starts_at.astimezone(self.rotation.zone)


class SwapRequest(models.Model):
    """D9 §3.2: an engineer asks a colleague to take one tier of theirs over a time range and,
    for a real swap, takes the colleague's shift in the same tier over a return range."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the colleague"
        ACCEPTED = "accepted", "Accepted, waiting for the Ingestion Owner"
        APPROVED = "approved", "Approved (in effect)"
        DECLINED = "declined", "Declined by the colleague"
        REJECTED = "rejected", "Rejected by the Ingestion Owner"
        CANCELLED = "cancelled", "Cancelled"

    OPEN = (Status.PENDING, Status.ACCEPTED)

    rotation = models.ForeignKey(Rotation, on_delete=models.CASCADE, related_name="swaps")
    tier = models.CharField(max_length=10, choices=Tier.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    return_starts_at = models.DateTimeField(
        null=True, blank=True, help_text="In exchange, the requester takes the colleague's shift."
    )
    return_ends_at = models.DateTimeField(null=True, blank=True)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="swaps_requested"
    )
    colleague = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="swaps_received"
    )
    reason = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    needs_owner_approval = models.BooleanField(default=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="swaps_decided",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("respond_swaprequest", "Can accept or decline this swap request"),
            ("cancel_swaprequest", "Can cancel this swap request"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(requester=F("colleague")), name="swap_request_needs_a_colleague"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="swap_request_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(return_starts_at__isnull=True, return_ends_at__isnull=True)
                | Q(
                    return_starts_at__isnull=False,
                    return_ends_at__isnull=False,
                    return_ends_at__gt=F("return_starts_at"),
                ),
                name="swap_request_return_leg_whole",
                violation_error_message="A return shift needs a start and a later end.",
            ),
            models.CheckConstraint(
                condition=Q(return_starts_at__isnull=True)
                | Q(return_ends_at__lte=F("starts_at"))
                | Q(return_starts_at__gte=F("ends_at")),
                name="swap_request_return_leg_apart",
                violation_error_message="The return shift cannot overlap the shift handed over.",
            ),
        ]

    def __str__(self):
        tier = self.get_tier_display()
        return f"{self.requester} → {self.colleague}: {tier} {self.starts_at:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def is_exchange(self) -> bool:
        return self.return_starts_at is not None


class SwapRequestUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(SwapRequest, on_delete=models.CASCADE)


class SwapRequestGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(SwapRequest, on_delete=models.CASCADE)


class Override(models.Model):
    """An approved change of who holds one tier over a time range; it wins over the week."""

    rotation = models.ForeignKey(Rotation, on_delete=models.CASCADE, related_name="overrides")
    tier = models.CharField(max_length=10, choices=Tier.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rotation_overrides"
    )
    replaces = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who held the tier before (for the calendar).",
    )
    swap = models.ForeignKey(
        SwapRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="overrides",
        help_text="The swap this override carries out (an exchange has two, one per person).",
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["rotation", "starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="override_ends_after_start"
            ),
            # A swap gives the colleague the first leg and the requester the return leg.
            models.UniqueConstraint(
                fields=["swap", "user"],
                condition=Q(swap__isnull=False),
                name="override_one_leg_per_person_per_swap",
            ),
        ]
        indexes = [
            # on_call_at(): the live overrides of a rotation overlapping a window.
            models.Index(
                fields=["rotation", "ends_at", "starts_at"],
                name="override_cover",
                condition=Q(cancelled_at__isnull=True),
            )
        ]

    def __str__(self):
        return f"{self.user} as {self.get_tier_display()} {self.starts_at:%Y-%m-%d %H:%M}"


class Handoff(models.Model):
    """D9 §3.3: the handoff at a week boundary, outgoing and incoming on-call, notes."""

    rotation = models.ForeignKey(Rotation, on_delete=models.CASCADE, related_name="handoffs")
    week = models.OneToOneField(
        RotationWeek,
        on_delete=models.PROTECT,
        related_name="handoff",
        help_text="The incoming week.",
    )
    at = models.DateTimeField(help_text="The handoff instant (UTC).")
    outgoing_primary = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outgoing_secondary = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    incoming_primary = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    incoming_secondary = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status_summary = models.TextField(
        blank=True, help_text="Status summary posted to #ingestion-rollout (D9 §3.3)."
    )
    ongoing_issues = models.TextField(blank=True, help_text="D9 §3.3: ongoing issues.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["rotation", "at"]
        indexes = [
            # reminder sweep: handoffs around now.
            models.Index(fields=["at"], name="handoff_at"),
        ]

    def __str__(self):
        return f"{self.rotation} handoff {self.at:%Y-%m-%d %H:%M} UTC"

    def people(self, side: str) -> list:
        if side == "outgoing":
            pair = (self.outgoing_primary, self.outgoing_secondary)
        else:
            pair = (self.incoming_primary, self.incoming_secondary)
        return [user for user in pair if user is not None]


class HandoffCheck(models.Model):
    """D9 §3.3: one checklist item ticked at one handoff, by someone of its side."""

    handoff = models.ForeignKey(Handoff, on_delete=models.CASCADE, related_name="checks")
    item = models.ForeignKey(
        "governance.HandoffChecklistItem", on_delete=models.PROTECT, related_name="+"
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["handoff", "item__side", "item__position"]
        constraints = [
            models.UniqueConstraint(fields=["handoff", "item"], name="handoff_check_once")
        ]

    def __str__(self):
        return f"{self.item} ✓ {self.checked_by}"


class ReadinessAttestation(models.Model):
    """D9 §3.4: a person attests an on-call expectation on a date."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="readiness"
    )
    expectation = models.ForeignKey(
        "governance.OnCallExpectation", on_delete=models.PROTECT, related_name="+"
    )
    attested_on = models.DateField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["user", "expectation__position"]
        constraints = [
            models.UniqueConstraint(fields=["user", "expectation"], name="readiness_once")
        ]

    def __str__(self):
        return f"{self.user}: {self.expectation} ({self.attested_on})"


class PersonalCalendar(models.Model):
    """The secret, revocable address of a person's iCalendar feed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="on_call_calendar"
    )
    token = models.CharField(max_length=64, unique=True, default=new_token)
    history = HistoricalRecords()

    def __str__(self):
        return f"Calendar of {self.user}"


class HandoffReminder(models.Model):
    """Bookkeeping: a handoff reminder that fired (one row per handoff and kind, never twice).

    Not history-tracked: it is sweep state, written in the transaction that sends the mail.
    """

    class Kind(models.TextChoices):
        DAY_BEFORE = "day_before", "24 hours before the handoff"
        AT_HANDOFF = "at_handoff", "At the handoff"
        STILL_OPEN = "still_open", "Checklist still open one hour after"

    handoff = models.ForeignKey(Handoff, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    sent_at = models.DateTimeField()
    # Its moment passed while the sweeps were not running (issue 12 point 8): recorded once,
    # never mailed late.
    missed = models.BooleanField(default=False)

    class Meta:
        ordering = ["handoff", "sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["handoff", "kind"], name="handoff_reminder_once")
        ]

    def __str__(self):
        missed = " (missed)" if self.missed else ""
        return f"{self.handoff}: {self.get_kind_display()}{missed}"
