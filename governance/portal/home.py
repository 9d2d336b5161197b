"""The home page's reads (issue 17 §1): who you are in D9 now, what waits on you, the team.

The top layer may read every app, so this is where the kinds of waiting work meet: approvals
and sign-offs (the one approval mechanism), swap requests, duties, handoffs and incidents to
acknowledge. Each read is one set query, so the page costs the same however large the data.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from governance.approvals import services as approvals
from governance.models import DutyInstance, RoleAssignment
from incidents import selectors as incident_selectors
from rotations import selectors as rotation_selectors
from rotations.models import SwapRequest

# D9 §3.1 tier key → the words of "You are … until …".
TIER_WORDS = {"primary": "On-Call Primary", "secondary": "On-Call Secondary"}


@dataclass
class HeldRole:
    name: str
    until: datetime.datetime | datetime.date | None
    note: str = ""

    @property
    def is_instant(self) -> bool:
        """A rotation week ends at an instant; an assignment on its last valid day."""
        return isinstance(self.until, datetime.datetime)


# The home lists the first this many approvals waiting on you, oldest first; the rest are a
# link away in "My sign-offs" (issue 16: a card renders what fits, not 100 pending requests).
APPROVALS_SHOWN = 10


@dataclass
class Waiting:
    """Everything that waits on one person, by kind; `count` is the total. `approvals` holds
    the first APPROVALS_SHOWN of the `approvals_total` waiting."""

    incidents: list = field(default_factory=list)
    approvals: list = field(default_factory=list)
    approvals_total: int = 0
    swaps: list = field(default_factory=list)
    duties: list = field(default_factory=list)
    handoffs: list = field(default_factory=list)

    @property
    def approvals_more(self) -> int:
        return self.approvals_total - len(self.approvals)

    @property
    def count(self) -> int:
        return self.approvals_total + sum(
            len(kind) for kind in (self.incidents, self.swaps, self.duties, self.handoffs)
        )


def roles_now(user, *, on_call, at: datetime.datetime) -> list[HeldRole]:
    """The D9 roles `user` holds at `at` and until when: rotation tiers end with their week
    (after overrides), assignments on their last valid day (None: open-ended)."""
    held = []
    for tier, words in TIER_WORDS.items():
        holder = on_call.holder(tier)
        if holder is not None and holder.pk == user.pk:
            held.append(HeldRole(words, on_call.until(tier)))
    day = timezone.localdate(at)
    assignments = (
        RoleAssignment.objects.filter(Q(primary=user) | Q(backup=user), valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .select_related("role", "primary")
        .order_by("role__position")
    )
    for assignment in assignments:
        acting = assignment.backup_acts(at)
        if assignment.primary_id == user.pk and not acting:
            held.append(HeldRole(assignment.role.name, assignment.valid_to))
        elif assignment.backup_id == user.pk and acting:
            note = f"acting for {assignment.primary.get_full_name() or assignment.primary}"
            held.append(HeldRole(assignment.role.name, assignment.valid_to, note))
    return held


def waiting_on(user, *, at: datetime.datetime) -> Waiting:
    """What waits on `user` at `at`, each kind most urgent first."""
    duties = (
        DutyInstance.objects.filter(assignee=user, status=DutyInstance.Status.OPEN, due_at__lte=at)
        .select_related("schedule__activity")
        .order_by("due_at", "id")
    )
    swaps = (
        SwapRequest.objects.filter(colleague=user, status=SwapRequest.Status.PENDING)
        .select_related("rotation", "requester")
        .order_by("starts_at")
    )
    pending = approvals.pending_for(user, at=at)
    return Waiting(
        incidents=incident_selectors.to_acknowledge(user, at=at),
        approvals=pending[:APPROVALS_SHOWN],
        approvals_total=len(pending),
        swaps=list(swaps),
        duties=[{"instance": d, "overdue": d.deadline_at < at} for d in duties],
        handoffs=rotation_selectors.handoffs_waiting_on(user, at=at),
    )


def next_shift(user, *, at: datetime.datetime) -> dict | None:
    """`user`'s next week on call starting after `at` (in the weeks as generated)."""
    weeks, _ = rotation_selectors.shifts_of(user, start=at)
    week = weeks.filter(starts_at__gt=at).first()
    if week is None:
        return None
    tier = "primary" if week.primary_id == user.pk else "secondary"
    return {"week": week, "tier": TIER_WORDS[tier]}
