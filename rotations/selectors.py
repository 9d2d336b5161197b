"""Reads of the rotation: who is on call at an instant, shifts, calendars (D9 §3).

`on_call_at` is the one answer to "who holds the On-Call tiers at T"; the authority engine,
incidents, the dashboard, the API and `manage.py oncall` all ask it.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from governance.core import memo
from governance.models import HandoffChecklistItem, OnCallTier
from governance.policy import render
from governance.policy import selectors as governance_selectors
from rotations.models import Handoff, Override, Rotation, RotationWeek, SwapRequest, Tier

INGESTION_OWNER = "ingestion_owner"
TIER_KEYS = (Tier.PRIMARY.value, Tier.SECONDARY.value, INGESTION_OWNER)


@dataclass(frozen=True)
class OnCall:
    """Who holds each D9 §3.1 tier at `at`, and until when (None: not known / open)."""

    at: datetime.datetime
    rotation: Rotation | None
    primary: AbstractBaseUser | None = None
    secondary: AbstractBaseUser | None = None
    primary_until: datetime.datetime | None = None
    secondary_until: datetime.datetime | None = None
    ingestion_owner: AbstractBaseUser | None = None
    week: RotationWeek | None = None
    primary_override: Override | None = None
    secondary_override: Override | None = None

    @property
    def users(self) -> set:
        return {user for user in (self.primary, self.secondary) if user is not None}

    def holder(self, tier_key: str):
        return getattr(self, tier_key)

    def until(self, tier_key: str):
        return getattr(self, f"{tier_key}_until", None)


def policy_rotation() -> Rotation | None:
    """The rotation D9 governs (the one flagged `is_policy_rotation`)."""
    return Rotation.objects.filter(is_policy_rotation=True).first()


def _acting_ingestion_owner(at: datetime.datetime):
    # The assignment's own acting-holder rule, in one query (governance's acting_holder spends
    # one more on checking the role's notion), so on_call_at stays within its three-query budget.
    assignment = governance_selectors.assignment_at(INGESTION_OWNER, at=at)
    if assignment is None:
        return None
    return assignment.acting_holder(at)


def resolve(
    week: RotationWeek | None, overrides: list[Override], at: datetime.datetime
) -> dict[str, tuple]:
    """For each tier: (holder, until, override) at `at`, given the week covering `at` and the
    live overrides overlapping [at, week end). The newest override wins over older ones and
    every override wins over the generated week."""
    window_end = week.ends_at if week else None
    result = {}
    for tier in Tier.values:
        holder = week.holder(tier) if week else None
        until, applied = window_end, None
        mine = sorted((o for o in overrides if o.tier == tier), key=lambda o: o.pk)
        active = [o for o in mine if o.starts_at <= at < o.ends_at]
        if active:
            applied = active[-1]
            holder, until = applied.user, applied.ends_at
        for override in mine:
            # A later override starting before our coverage ends cuts it short.
            later = at < override.starts_at and (until is None or override.starts_at < until)
            if later and (applied is None or override.pk > applied.pk):
                until = override.starts_at
        result[tier] = (holder, until, applied)
    return result


def _week_at(at: datetime.datetime, rotation: Rotation | None):
    """The week of `rotation` (default: the policy rotation) covering `at` and the live
    overrides overlapping it: two queries, or none when this request or sweep has already
    read that week (`governance.core.memo`: asking at many instants of one week is free)."""
    key = ("rotations.weeks", rotation.pk if rotation else None)
    known = memo.remember(key, list)
    for week, overrides in known:
        if week.starts_at <= at < week.ends_at:
            return week, overrides
    weeks = RotationWeek.objects.select_related("rotation", "primary", "secondary").filter(
        starts_at__lte=at, ends_at__gt=at
    )
    if rotation is None:
        weeks = weeks.filter(rotation__is_policy_rotation=True)
    else:
        weeks = weeks.filter(rotation=rotation)
    week = weeks.first()
    if week is None:
        return None, []
    overrides = list(
        Override.objects.select_related("user")
        .filter(rotation_id=week.rotation_id, cancelled_at__isnull=True)
        .filter(ends_at__gt=week.starts_at, starts_at__lt=week.ends_at)
    )
    known.append((week, overrides))
    return week, overrides


def on_call_at(at: datetime.datetime, *, rotation: Rotation | None = None) -> OnCall:
    """D9 §3.1: the On-Call Primary and Secondary of `rotation` (default: the policy rotation)
    at `at`, after approved overrides, with the Ingestion Owner tier. At most three queries.

    The week covering `at` is the one with starts_at <= at < ends_at, so a handoff instant
    belongs to the incoming week. Overrides only exist inside generated weeks (services
    refuse others), so with no week there is nobody on the rotation tiers.
    """
    week, overrides = _week_at(at, rotation)
    if week is None:
        rotation = rotation or policy_rotation()
        owner = _acting_ingestion_owner(at)
        return OnCall(at=at, rotation=rotation, ingestion_owner=owner)
    return _on_call(at, rotation or week.rotation, week, overrides, _acting_ingestion_owner(at))


def _on_call(at, rotation, week, overrides, owner) -> OnCall:
    tiers = resolve(week, overrides, at)
    return OnCall(
        at=at,
        rotation=rotation,
        week=week,
        primary=tiers[Tier.PRIMARY][0],
        primary_until=tiers[Tier.PRIMARY][1],
        primary_override=tiers[Tier.PRIMARY][2],
        secondary=tiers[Tier.SECONDARY][0],
        secondary_until=tiers[Tier.SECONDARY][1],
        secondary_override=tiers[Tier.SECONDARY][2],
        ingestion_owner=owner,
    )


def active_rotations(*, q: str = "") -> QuerySet[Rotation]:
    """The rotations list (D9 §3): active rotations, the policy rotation first, then by name;
    `q` keeps those whose name or slug contains it."""
    rotations = Rotation.objects.filter(active=True)
    if q:
        rotations = rotations.filter(Q(name__icontains=q) | Q(slug__icontains=q))
    return rotations.order_by("-is_policy_rotation", "name", "pk")


def on_call_of(rotations: list[Rotation], *, at: datetime.datetime) -> dict[int, OnCall]:
    """`on_call_at(at, rotation=r)` for each of `rotations`, in three queries whatever their
    number (the rotations list; issue 16 point 2): rotation pk -> OnCall."""
    by_id = {rotation.pk: rotation for rotation in rotations}
    weeks = {
        week.rotation_id: week
        for week in RotationWeek.objects.select_related("primary", "secondary").filter(
            rotation_id__in=by_id, starts_at__lte=at, ends_at__gt=at
        )
    }
    overrides: dict[int, list[Override]] = {pk: [] for pk in by_id}
    for override in Override.objects.select_related("user").filter(
        rotation_id__in=by_id, cancelled_at__isnull=True, ends_at__gt=at
    ):
        week = weeks.get(override.rotation_id)
        if week is not None and override.starts_at < week.ends_at:
            overrides[override.rotation_id].append(override)
    owner = _acting_ingestion_owner(at)
    result = {}
    for pk, rotation in by_id.items():
        week = weeks.get(pk)
        if week is None:
            result[pk] = OnCall(at=at, rotation=rotation, ingestion_owner=owner)
            continue
        week.rotation = rotation
        result[pk] = _on_call(at, rotation, week, overrides[pk], owner)
    return result


def on_call_users(at: datetime.datetime, *, rotation: Rotation | None = None) -> set:
    """D9 "On-Call": whoever is Primary or Secondary at `at`."""
    return on_call_at(at, rotation=rotation).users


def tier_holder(tier_key: str, *, at: datetime.datetime, rotation: Rotation | None = None):
    """Who holds the D9 §3.1 tier `tier_key` ("primary", "secondary", "ingestion_owner")."""
    if tier_key not in TIER_KEYS:
        raise ValueError(f"Unknown on-call tier {tier_key!r}; expected one of {TIER_KEYS}.")
    if tier_key == INGESTION_OWNER:
        return _acting_ingestion_owner(at)
    return on_call_at(at, rotation=rotation).holder(tier_key)


def tiers() -> dict[str, OnCallTier]:
    """The D9 §3.1 tier rows by key (response times, escalation)."""
    return {tier.key: tier for tier in OnCallTier.objects.select_related("escalates_to")}


def upcoming_weeks(rotation: Rotation, *, start: datetime.datetime, count: int):
    """`count` weeks of `rotation` from the one covering `start`, with their overrides.

    Returns (week, overrides) pairs; three queries whatever the history size.
    """
    weeks = list(
        RotationWeek.objects.select_related("primary", "secondary")
        .filter(rotation=rotation, ends_at__gt=start)
        .order_by("starts_at")[:count]
    )
    if not weeks:
        return []
    overrides = list(
        Override.objects.select_related("user", "replaces")
        .filter(rotation=rotation, cancelled_at__isnull=True)
        .filter(ends_at__gt=weeks[0].starts_at, starts_at__lt=weeks[-1].ends_at)
        .order_by("starts_at", "pk")
    )
    return [
        (week, [o for o in overrides if o.starts_at < week.ends_at and o.ends_at > week.starts_at])
        for week in weeks
    ]


def effective_weeks(rotation: Rotation, *, start: datetime.datetime, count: int):
    """Weeks from `start` with the holders at each week's start, overrides applied:
    (week, primary, secondary, overrides)."""
    rows = []
    for week, overrides in upcoming_weeks(rotation, start=start, count=count):
        tiers_at_start = resolve(week, overrides, week.starts_at)
        rows.append(
            (week, tiers_at_start[Tier.PRIMARY][0], tiers_at_start[Tier.SECONDARY][0], overrides)
        )
    return rows


def next_week_held(
    rotation: Rotation, user, tier: str, *, start: datetime.datetime, avoid: tuple, count: int
):
    """The first week from `start` (within `count` weeks) that `user` holds in `tier` at its
    start, overrides applied, outside the range `avoid` = (starts_at, ends_at); or None.
    The "take the colleague's next week" shortcut of the swap form."""
    avoid_start, avoid_end = avoid
    for week, primary, secondary, _overrides in effective_weeks(rotation, start=start, count=count):
        holder = primary if tier == Tier.PRIMARY else secondary
        outside = week.ends_at <= avoid_start or week.starts_at >= avoid_end
        if week.starts_at >= start and outside and holder is not None and holder.pk == user.pk:
            return week
    return None


def shifts_of(user, *, start: datetime.datetime):
    """`user`'s weeks and overrides from `start` (my shifts)."""
    weeks = (
        RotationWeek.objects.select_related("rotation", "primary", "secondary")
        .filter(Q(primary=user) | Q(secondary=user), ends_at__gt=start)
        .order_by("starts_at")
    )
    overrides = (
        Override.objects.select_related("rotation", "replaces")
        .filter(cancelled_at__isnull=True, ends_at__gt=start)
        .filter(Q(user=user) | Q(replaces=user))
        .order_by("starts_at")
    )
    return weeks, overrides


def swaps_for(user):
    """Swap requests `user` is involved in: sent, received, or awaiting their approval."""
    from guardian.shortcuts import get_objects_for_user

    visible = get_objects_for_user(
        user, "rotations.view_swaprequest", klass=SwapRequest, accept_global_perms=False
    )
    return visible.select_related("rotation", "requester", "colleague", "decided_by").order_by(
        "-created_at"
    )


def on_call_roles(at: datetime.datetime) -> dict[str, AbstractBaseUser | None]:
    """The rotation source of the authority engine: D9 role key -> who holds that §3.1 tier at
    `at` (registered in RotationsConfig.ready())."""
    on_call = on_call_at(at)
    tiers = memo.remember(
        "rotations.tier_roles",
        lambda: list(
            OnCallTier.objects.filter(key__in=Tier.values, role__isnull=False).values_list(
                "key", "role__key"
            )
        ),
    )
    return {role_key: on_call.holder(tier) for tier, role_key in tiers}


def schedule_rows(count: int) -> list[tuple[str, str, str]]:
    """D9 §3.2 "Rotation Schedule" for the rendered policy (registered with
    `governance.policy.render` in RotationsConfig.ready()): (week label, primary, secondary)
    for the next `count` weeks of the policy rotation, after overrides."""
    rotation = policy_rotation()
    if rotation is None:
        return []
    weeks = effective_weeks(rotation, start=timezone.now(), count=count)
    return [
        (
            f"Week {number} ({week.local_start():%a %d %b %Y})",
            render.person(primary) if primary else render.SLOT_BLANK,
            render.person(secondary) if secondary else render.SLOT_BLANK,
        )
        for number, (week, primary, secondary, _overrides) in enumerate(weeks, start=1)
    ]


def handoffs_waiting_on(user, *, at: datetime.datetime) -> list[dict]:
    """Handoffs of the coming day (or the last hour, D9 §3.3 "within one hour") where `user` is
    outgoing or incoming and items of their side are still unticked."""
    items = {side: 0 for side in HandoffChecklistItem.Side.values}
    for side in HandoffChecklistItem.objects.values_list("side", flat=True):
        items[side] += 1
    handoffs = (
        Handoff.objects.filter(
            at__gte=at - datetime.timedelta(hours=1), at__lte=at + datetime.timedelta(days=1)
        )
        .filter(
            Q(outgoing_primary=user)
            | Q(outgoing_secondary=user)
            | Q(incoming_primary=user)
            | Q(incoming_secondary=user)
        )
        .select_related(
            "rotation",
            "outgoing_primary",
            "outgoing_secondary",
            "incoming_primary",
            "incoming_secondary",
        )
        .prefetch_related("checks__item")
        .order_by("at")
    )
    waiting = []
    for handoff in handoffs:
        for side in ("outgoing", "incoming"):
            if user not in handoff.people(side):
                continue
            ticked = sum(1 for check in handoff.checks.all() if check.item.side == side)
            if ticked < items[side]:
                waiting.append(
                    {"handoff": handoff, "side": side, "ticked": ticked, "items": items[side]}
                )
    return waiting
