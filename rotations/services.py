"""Writes of the rotation (D9 §3): weeks, swaps and overrides, handoffs, readiness, calendars.

Every service takes the acting user, sets `_history_user` and a change reason on what it saves,
and runs in a transaction; mail goes through the outbox in the same transaction.
"""

import datetime
import zoneinfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from governance import authority
from governance.approvals import kinds
from governance.approvals import services as approvals
from governance.core import memo
from governance.core.history import save_with_history as _save
from governance.core.roles import OWNER
from governance.models import ApprovalRequest, HandoffChecklistItem, OnCallExpectation
from governance.notifications.outbox import notify, notify_many
from governance.policy.checks import WARNING, Finding
from rotations import month, schedule, selectors
from rotations.models import (
    Handoff,
    HandoffCheck,
    Override,
    PersonalCalendar,
    ReadinessAttestation,
    RosterMember,
    Rotation,
    RotationPolicy,
    RotationWeek,
    SwapRequest,
    Tier,
    new_token,
)

# D9 §3.4 "Runbook familiarity: D8 reviewed before first shift" is the expectation whose
# requirement names D8; nobody without it is put on a week without a reminder.
RUNBOOK_MARKER = "D8"
WEEK = datetime.timedelta(weeks=1)
# Rows per INSERT of the sweeps' bulk writes: well under PostgreSQL's 65 535 parameters of a
# statement, so a first generation of many rotations (weeks_ahead weeks each) fits too.
INSERT_BATCH = 500


def notify_in_zone(rotation: Rotation, *args, **kwargs):
    """`notify`, rendering the mail on `rotation`'s wall clock: D9 §3.2 "Monday 09:00 local
    time" reads 09:00 in New York whatever the portal's zone, across DST too."""
    with timezone.override(rotation.zone):
        return notify(*args, **kwargs)


def _person(user) -> str:
    if user is None:
        return "nobody"
    return user.get_full_name() or user.get_username()


# ---------------------------------------------------------------------------------------------
# Weeks


def _roster(rotation: Rotation) -> list:
    return [
        member.user
        for member in rotation.roster.filter(active=True, user__is_active=True)
        .select_related("user")
        .order_by("position", "id")
    ]


def _next_pair(roster: list, last_primary_at: dict, previous_primary_id) -> tuple:
    """D9 §3.2 round-robin: the primary is the roster member who was primary least recently
    (never first, ties in roster order), so a new member gets the next turn and a leaver's
    turns spread over the others; the secondary is the next person in the roster."""
    if not roster:
        return None, None
    order = {user.pk: index for index, user in enumerate(roster)}
    never = datetime.datetime.min.replace(tzinfo=datetime.UTC)
    primary = min(
        roster,
        key=lambda user: (
            last_primary_at.get(user.pk, never),
            user.pk == previous_primary_id,
            order[user.pk],
        ),
    )
    secondary = roster[(order[primary.pk] + 1) % len(roster)] if len(roster) > 1 else None
    return primary, secondary


def _last_primary_at(rotation: Rotation, *, before: datetime.datetime) -> dict:
    rows = (
        RotationWeek.objects.filter(rotation=rotation, starts_at__lt=before, primary__isnull=False)
        .values("primary")
        .annotate(last=Max("starts_at"))
    )
    return {row["primary"]: row["last"] for row in rows}


def generate_weeks(
    *, rotation: Rotation, actor, until: datetime.datetime, start: datetime.datetime | None = None
) -> list[RotationWeek]:
    """D9 §3.2: append weeks (handoff to handoff, round-robin) until one ends after `until`.

    New weeks start after the last existing week (or at the handoff on or before `start`,
    default now); existing weeks are never rewritten here.
    """
    return generate_weeks_for(rotations=[rotation], actor=actor, until=until, start=start)


def generate_weeks_for(
    *,
    rotations: list[Rotation],
    actor,
    until: datetime.datetime,
    start: datetime.datetime | None = None,
) -> list[RotationWeek]:
    """`generate_weeks` for many rotations in one transaction at a fixed number of queries,
    however many rotations are due (issue 16 point 3): a lock, the last weeks, the rosters,
    who was primary when, two inserts (weeks and their history), then the D9 §3.4 readiness
    reminders of the new weeks at once. Returns the new weeks, rotation by rotation in the
    order given."""
    start = start or timezone.now()
    by_id = {rotation.pk: rotation for rotation in rotations}
    with transaction.atomic():
        # Two sweeps at once (issue 12 point 10) queue on these row locks, taken in one order
        # so that two batches never deadlock; the second then reads the weeks the first
        # appended (a statement of its own: the lock's statement would read from before its
        # wait) and finds nothing due.
        list(Rotation.objects.select_for_update().filter(pk__in=by_id).order_by("pk").values("pk"))
        latest = RotationWeek.objects.filter(rotation=OuterRef("pk")).order_by("-starts_at")
        last_ids = (
            Rotation.objects.filter(pk__in=by_id)
            .annotate(last=Subquery(latest.values("pk")[:1]))
            .values("last")
        )
        last_of = {w.rotation_id: w for w in RotationWeek.objects.filter(pk__in=last_ids)}
        begin_of = {}
        for pk, rotation in by_id.items():
            last = last_of.get(pk)
            if last is None:
                begin_of[pk] = schedule.rotation_handoff_on_or_before(rotation, start)
            elif last.ends_at < until:
                begin_of[pk] = last.ends_at
        if not begin_of:
            return []
        roster_of: dict[int, list] = {pk: [] for pk in begin_of}
        for member in (
            RosterMember.objects.filter(rotation_id__in=begin_of, active=True, user__is_active=True)
            .select_related("user")
            .order_by("rotation_id", "position", "id")
        ):
            roster_of[member.rotation_id].append(member.user)
        # Every existing week of a rotation starts before its new ones, so "primary before
        # the first new week" is all of its history.
        last_primary_of: dict[int, dict] = {pk: {} for pk in begin_of}
        for row in (
            RotationWeek.objects.filter(rotation_id__in=begin_of, primary__isnull=False)
            .values("rotation", "primary")
            .annotate(last=Max("starts_at"))
            .order_by()
        ):
            last_primary_of[row["rotation"]][row["primary"]] = row["last"]
        created = []
        for pk, begin in begin_of.items():
            last = last_of.get(pk)
            created += _round_robin(
                by_id[pk],
                begin=begin,
                until=until,
                roster=roster_of[pk],
                last_primary_at=last_primary_of[pk],
                previous=last.primary_id if last else None,
            )
        # The rows are built valid (holders from the roster, boundaries from the schedule);
        # the database's constraints stand behind them instead of a full_clean per week.
        _bulk_create(created, actor=actor, reason="Generated (round-robin)")
        # A bulk insert sends no post_save: the sweep's memo of the weeks is dropped here.
        memo.forget()
        _remind_unready(created)
        return created


def _round_robin(
    rotation: Rotation, *, begin, until, roster: list, last_primary_at: dict, previous
) -> list[RotationWeek]:
    """The unsaved weeks of `rotation` from `begin` until one ends after `until` (at least
    one), holders in D9 §3.2 round-robin."""
    weeks: list[RotationWeek] = []
    current = begin
    while not weeks or weeks[-1].ends_at < until:
        ends = schedule.rotation_next_handoff(rotation, current)
        primary, secondary = _next_pair(roster, last_primary_at, previous)
        weeks.append(
            RotationWeek(
                rotation=rotation,
                starts_at=current,
                ends_at=ends,
                primary=primary,
                secondary=secondary,
            )
        )
        if primary is not None:
            last_primary_at[primary.pk] = current
            previous = primary.pk
        current = ends
    return weeks


def regenerate_future_weeks(*, rotation: Rotation, actor, now: datetime.datetime | None = None):
    """Reassign the weeks that start after `now` from the current roster (after a roster
    change); past and current weeks are never rewritten. Returns the weeks that changed."""
    now = now or timezone.now()
    with transaction.atomic():
        Rotation.objects.select_for_update().filter(pk=rotation.pk).first()
        roster = _roster(rotation)
        last_primary_at = _last_primary_at(rotation, before=now)
        current = (
            rotation.weeks.filter(starts_at__lte=now).order_by("-starts_at").only("primary").first()
        )
        previous = current.primary_id if current else None
        changed = []
        for week in rotation.weeks.filter(starts_at__gt=now).order_by("starts_at"):
            primary, secondary = _next_pair(roster, last_primary_at, previous)
            if primary is not None:
                last_primary_at[primary.pk] = week.starts_at
                previous = primary.pk
            if set_week_holders(
                week=week,
                primary=primary,
                secondary=secondary,
                actor=actor,
                reason="Regenerated after a roster change",
                now=now,
            ):
                changed.append(week)
        return changed


def set_week_holders(
    *, week: RotationWeek, primary, secondary, actor, reason: str, now=None
) -> bool:
    """Change who holds a week; past weeks are refused. Mails "your shift changed" to everyone
    gained or lost a future week, and the readiness reminder (D9 §3.4) to newcomers."""
    now = now or timezone.now()
    if week.primary_id == getattr(primary, "pk", None) and week.secondary_id == getattr(
        secondary, "pk", None
    ):
        return False
    if week.starts_at <= now:
        raise ValidationError("A week that has started is never rewritten; use an override.")
    before = {week.primary, week.secondary}
    week.primary, week.secondary = primary, secondary
    _save(week, actor=actor, reason=reason)
    version = week.history.latest().history_id
    after = {primary, secondary}
    for user in (before | after) - {None}:
        notify_in_zone(
            week.rotation,
            user,
            "rotations/shift-changed",
            {"week": week, "rotation": week.rotation, "url": reverse("rotations:my_shifts")},
            dedupe_key=f"rotations:shift-changed:{week.pk}:{version}:{user.pk}",
        )
    remind_unready(week=week)
    return True


def add_to_roster(*, rotation: Rotation, user, actor, position: int | None = None) -> RosterMember:
    """Put `user` on the roster (at the end by default) and rebalance the future weeks."""
    with transaction.atomic():
        if position is None:
            position = (rotation.roster.aggregate(top=Max("position"))["top"] or 0) + 1
        member = RosterMember.objects.filter(rotation=rotation, user=user).first()
        member = member or RosterMember(rotation=rotation, user=user)
        member.position, member.active = position, True
        _save(member, actor=actor, reason="Added to the roster")
        regenerate_future_weeks(rotation=rotation, actor=actor)
        return member


# ---------------------------------------------------------------------------------------------
# Readiness (D9 §3.4)


def runbook_expectation() -> OnCallExpectation | None:
    return OnCallExpectation.objects.filter(requirement__contains=RUNBOOK_MARKER).first()


def unready_users(users) -> list:
    """Of `users`, those who have not attested the D8 runbook review (D9 §3.4)."""
    expectation = runbook_expectation()
    users = [user for user in users if user is not None]
    if expectation is None or not users:
        return []
    attested = set(
        ReadinessAttestation.objects.filter(expectation=expectation, user__in=users).values_list(
            "user_id", flat=True
        )
    )
    return [user for user in users if user.pk not in attested]


def readiness_findings(now: datetime.datetime) -> list[Finding]:
    """Policy findings (registered with `governance.policy.checks`): D9 §3.4 "D8 reviewed
    before first shift" — people on an upcoming week who have not attested it."""
    weeks = RotationWeek.objects.filter(ends_at__gt=now).select_related("primary", "secondary")
    people = {u.pk: u for week in weeks[:500] for u in (week.primary, week.secondary) if u}
    return [
        Finding(
            WARNING,
            "on_call_not_ready",
            f"{user.get_full_name() or user} is on an upcoming on-call week but has not "
            'attested "D8 reviewed before first shift" (D9 §3.4).',
            user,
        )
        for user in unready_users(list(people.values()))
    ]


def remind_unready(*, week: RotationWeek) -> list:
    """D9 §3.4 "D8 reviewed before first shift": mail each holder of `week` who has not attested
    it (once per person until they attest). Returns them, so the admin can warn."""
    return _remind_unready([week])[0]


def _remind_unready(weeks: list[RotationWeek]) -> list[list]:
    """`remind_unready` for many weeks at a fixed number of queries: the unready holders of
    each week, in order. A person's reminder is keyed by how many expectations they attested
    (once, and again after a change of attestations); of several weeks the first names it."""
    expectation = runbook_expectation()
    holders = {user.pk for week in weeks for user in (week.primary, week.secondary) if user}
    if expectation is None or not holders:
        return [[] for _ in weeks]
    attested = set(
        ReadinessAttestation.objects.filter(
            expectation=expectation, user_id__in=holders
        ).values_list("user_id", flat=True)
    )
    unready_of = [
        [user for user in (week.primary, week.secondary) if user and user.pk not in attested]
        for week in weeks
    ]
    unready = {user.pk for users in unready_of for user in users}
    counts = dict(
        ReadinessAttestation.objects.filter(user_id__in=unready)
        .values("user")
        .annotate(count=Count("id"))
        .order_by()
        .values_list("user", "count")
        if unready
        else []
    )
    # Mail is rendered on each rotation's wall clock (as `notify_in_zone`): one outbox batch
    # per time zone, each key given to its first week as one mail after another would.
    by_zone: dict[zoneinfo.ZoneInfo, dict[str, tuple]] = {}
    seen = set()
    for week, users in zip(weeks, unready_of, strict=True):
        for user in users:
            key = f"rotations:readiness:{user.pk}:{counts.get(user.pk, 0)}"
            if key in seen:
                continue
            seen.add(key)
            context = {
                "week": week,
                "rotation": week.rotation,
                "url": reverse("rotations:readiness"),
            }
            by_zone.setdefault(week.rotation.zone, {})[key] = (
                user,
                "rotations/readiness-reminder",
                context,
                key,
            )
    for zone, items in by_zone.items():
        with timezone.override(zone):
            notify_many(items.values())
    return unready_of


def attest_readiness(*, actor, user, expectations, on: datetime.date | None = None) -> list:
    """D9 §3.4: `user` attests the given expectations today. Only the person attests."""
    if actor.pk != user.pk:
        raise PermissionDenied("Only the engineer themselves can attest their readiness.")
    on = on or timezone.localdate()
    saved = []
    with transaction.atomic():
        for expectation in expectations:
            attestation = ReadinessAttestation.objects.filter(
                user=user, expectation=expectation
            ).first() or ReadinessAttestation(user=user, expectation=expectation)
            attestation.attested_on = on
            _save(attestation, actor=actor, reason="Attested")
            saved.append(attestation)
    return saved


# ---------------------------------------------------------------------------------------------
# Overrides and swaps


def _holder_conflicts(
    *, rotation: Rotation, tier: str, user, starts_at, ends_at, extra: list[Override] = ()
) -> list[str]:
    """Plain-words problems if `user` took `tier` over [starts_at, ends_at)."""
    weeks = list(
        RotationWeek.objects.select_related("primary", "secondary")
        .filter(rotation=rotation, ends_at__gt=starts_at, starts_at__lt=ends_at)
        .order_by("starts_at")
    )
    problems = []
    covered = starts_at
    for week in weeks:
        if week.starts_at > covered:
            break
        covered = week.ends_at
    if not weeks or covered < ends_at:
        problems.append(
            "Those dates are outside the generated weeks of this rotation; pick dates "
            "within the calendar."
        )
        return problems
    overrides = list(
        Override.objects.select_related("user").filter(
            rotation=rotation,
            cancelled_at__isnull=True,
            ends_at__gt=starts_at,
            starts_at__lt=ends_at,
        )
    ) + list(extra)
    other = Tier.SECONDARY if tier == Tier.PRIMARY else Tier.PRIMARY
    points = {starts_at} | {w.starts_at for w in weeks if w.starts_at > starts_at}
    points |= {o.starts_at for o in overrides if starts_at < o.starts_at < ends_at}
    points |= {o.ends_at for o in overrides if starts_at < o.ends_at < ends_at}
    for point in sorted(points):
        week = next(w for w in weeks if w.starts_at <= point < w.ends_at)
        holder = selectors.resolve(week, overrides, point)[other][0]
        if holder is not None and holder.pk == user.pk:
            local = point.astimezone(rotation.zone)
            problems.append(
                f"{_person(user)} is On-Call {Tier(other).label} on {local:%a %d %b %H:%M}; "
                "nobody can be primary and secondary at the same time."
            )
            break
    return problems


def create_override(
    *, actor, rotation: Rotation, tier: str, starts_at, ends_at, user, swap=None, replaces=None
) -> Override:
    """An override of one tier over a range; it wins over the generated week (D9 §3.2).

    Refused when it would make `user` primary and secondary at the same instant.
    """
    if ends_at <= starts_at:
        raise ValidationError("The end must be after the start.")
    problems = _holder_conflicts(
        rotation=rotation, tier=tier, user=user, starts_at=starts_at, ends_at=ends_at
    )
    if problems:
        raise ValidationError(problems)
    override = Override(
        rotation=rotation,
        tier=tier,
        starts_at=starts_at,
        ends_at=ends_at,
        user=user,
        replaces=replaces,
        swap=swap,
        created_by=actor,
    )
    _save(override, actor=actor, reason="Swap approved" if swap else "Override")
    return override


def take_shift(
    *, actor, week: RotationWeek, tier: str, at: datetime.datetime | None = None
) -> list[Override]:
    """D9 §3.2: an engineer on the rotation's roster takes the uncovered part of one tier of a
    week (a gap in coverage, from now on); each uncovered stretch becomes an override for
    them, which wins over the generated week. Refused when nothing of it is uncovered (ask its
    holder instead) or when it would make them primary and secondary at once."""
    now = at or timezone.now()
    if tier not in Tier.values:
        raise ValidationError({"tier": "Choose the primary or the secondary tier."})
    authority.require(actor, "rotations.shift.take", obj=week, at=now)
    with transaction.atomic():
        # Two people taking the same gap at once: the second sees it covered.
        week = RotationWeek.objects.select_for_update().select_related("rotation").get(pk=week.pk)
        overrides = list(
            Override.objects.select_related("user").filter(
                rotation=week.rotation,
                cancelled_at__isnull=True,
                ends_at__gt=week.starts_at,
                starts_at__lt=week.ends_at,
            )
        )
        gaps = [
            segment
            for segment in month.segments(
                week.rotation,
                weeks=[week],
                overrides=overrides,
                start=max(week.starts_at, now),
                end=week.ends_at,
            )
            if segment.tier == tier and segment.user is None
        ]
        if not gaps:
            raise ValidationError(
                f"The {Tier(tier).label} shift of that week is covered; ask its holder to "
                "swap with you instead."
            )
        return [
            create_override(
                actor=actor,
                rotation=week.rotation,
                tier=tier,
                starts_at=gap.starts_at,
                ends_at=gap.ends_at,
                user=actor,
            )
            for gap in gaps
        ]


def _grant(swap: SwapRequest, user, *perms: str) -> None:
    for perm in perms:
        assign_perm(f"rotations.{perm}", user, swap)


def _return_leg_errors(*, starts_at, ends_at, return_starts_at, return_ends_at, now) -> dict:
    """Plain-words problems with the dates of a return leg (before anyone's shifts are read)."""
    if return_starts_at is None and return_ends_at is None:
        return {}
    if return_starts_at is None or return_ends_at is None:
        missing = "return_starts_at" if return_starts_at is None else "return_ends_at"
        return {missing: "Give both the start and the end of the shift you take in exchange."}
    if return_ends_at <= return_starts_at:
        return {"return_ends_at": "The end must be after the start."}
    if return_ends_at <= now:
        return {"return_ends_at": "That time is already over; pick a range in the future."}
    if return_starts_at < ends_at and return_ends_at > starts_at:
        return {
            "return_starts_at": "The shift you take in exchange cannot overlap the shift "
            "you hand over; pick another week."
        }
    return {}


def request_swap(
    *,
    actor,
    rotation: Rotation,
    tier: str,
    starts_at,
    ends_at,
    colleague,
    reason: str = "",
    return_starts_at=None,
    return_ends_at=None,
    at: datetime.datetime | None = None,
) -> SwapRequest:
    """D9 §3.2: `actor`, holding `tier` at the start of the range, asks `colleague` to take it,
    and optionally takes in exchange the colleague's shift in the same tier over the return
    range ("you take my week, I take yours"). Both legs take effect together or not at all.

    Only the requester and the colleague can see it; the colleague alone can answer.
    """
    now = at or timezone.now()
    errors = {}
    if colleague.pk == actor.pk:
        errors["colleague"] = "Pick a colleague other than yourself."
    if ends_at <= starts_at:
        errors["ends_at"] = "The end must be after the start."
    elif ends_at <= now:
        errors["ends_at"] = "That time is already over; pick a range in the future."
    else:
        errors |= _return_leg_errors(
            starts_at=starts_at,
            ends_at=ends_at,
            return_starts_at=return_starts_at,
            return_ends_at=return_ends_at,
            now=now,
        )
    if errors:
        raise ValidationError(errors)
    # A refusal stays a form error on the start (the swap form shows it next to the field).
    decision = authority.decide(
        actor,
        "rotations.swap.request",
        obj=SwapRequest(
            rotation=rotation,
            tier=tier,
            starts_at=starts_at,
            ends_at=ends_at,
            requester=actor,
            colleague=colleague,
        ),
        at=now,
    )
    if not decision:
        raise ValidationError({"starts_at": decision.reason})
    problems = _holder_conflicts(
        rotation=rotation, tier=tier, user=colleague, starts_at=starts_at, ends_at=ends_at
    )
    if problems:
        raise ValidationError({"colleague": problems})
    if return_starts_at is not None:
        _check_return_leg(
            rotation=rotation,
            tier=tier,
            requester=actor,
            colleague=colleague,
            starts_at=return_starts_at,
            ends_at=return_ends_at,
        )
    with transaction.atomic():
        swap = SwapRequest(
            rotation=rotation,
            tier=tier,
            starts_at=starts_at,
            ends_at=ends_at,
            return_starts_at=return_starts_at,
            return_ends_at=return_ends_at,
            requester=actor,
            colleague=colleague,
            reason=reason,
            needs_owner_approval=RotationPolicy.current().swaps_need_owner_approval,
        )
        _save(swap, actor=actor, reason="Swap requested")
        _grant(swap, actor, "view_swaprequest", "cancel_swaprequest")
        _grant(swap, colleague, "view_swaprequest", "respond_swaprequest")
        notify_in_zone(
            swap.rotation,
            colleague,
            "rotations/swap-requested",
            {"swap": swap, "url": reverse("rotations:swap_detail", args=[swap.pk])},
            dedupe_key=f"rotations:swap:{swap.pk}:requested",
        )
    return swap


def _check_return_leg(*, rotation, tier: str, requester, colleague, starts_at, ends_at) -> None:
    """The return leg is the colleague's own shift, and taking it makes nobody primary and
    secondary at once (D9 §3.1)."""
    holder = selectors.on_call_at(starts_at, rotation=rotation).holder(tier)
    if holder is None or holder.pk != colleague.pk:
        raise ValidationError(
            {
                "return_starts_at": f"{_person(colleague)} is not On-Call {Tier(tier).label} "
                f"at that time ({_person(holder)} is); in exchange you can only take "
                "your colleague's own shift."
            }
        )
    problems = _holder_conflicts(
        rotation=rotation, tier=tier, user=requester, starts_at=starts_at, ends_at=ends_at
    )
    if problems:
        raise ValidationError({"return_starts_at": problems})


def _locked(swap: SwapRequest) -> SwapRequest:
    return SwapRequest.objects.select_for_update().get(pk=swap.pk)


def respond_swap(
    *, actor, swap: SwapRequest, accept: bool, at: datetime.datetime | None = None
) -> SwapRequest:
    """The colleague accepts or declines. Accepting takes effect at once, or waits for the
    Ingestion Owner where the rotation policy says so (see `approve_swap`)."""
    authority.require(actor, "rotations.swap.respond", obj=swap, at=at)
    with transaction.atomic():
        swap = _locked(swap)
        if swap.status != SwapRequest.Status.PENDING:
            raise ValidationError(f"This request is already {swap.get_status_display().lower()}.")
        swap.responded_at = at or timezone.now()
        if not accept:
            swap.status = SwapRequest.Status.DECLINED
            _save(swap, actor=actor, reason="Declined")
            _tell(swap, swap.requester, "declined")
            return swap
        swap.status = SwapRequest.Status.ACCEPTED
        _save(swap, actor=actor, reason="Accepted")
        if not swap.needs_owner_approval:
            return _apply(swap, actor=actor)
        # D9 §3.2 "Owner approval": the approval mechanism addresses whoever holds the role
        # now, neither party may decide (requester and executor), and it shows in the Owner's
        # pending approvals.
        approvals.request_approval(
            kind=SWAP_APPROVAL,
            target=swap,
            title=f"Swap: {_person(swap.colleague)} takes {_person(swap.requester)}'s "
            f"On-Call {Tier(swap.tier).label} shift",
            requester=swap.requester,
            executor=swap.colleague,
            requirements=[authority.Requirement(OWNER, None, "D9 §3.2 Swaps")],
            at=swap.responded_at,
        )
        _tell(swap, swap.requester, "accepted")
        return swap


def swap_url(request) -> str:
    """A swap's Owner approval is decided on the swap's own page."""
    return reverse("rotations:swap_detail", args=[request.object_id])


SWAP_APPROVAL = kinds.register("rotations.swap", url=swap_url, label="Swap of on-call shifts")


def swap_approval(swap: SwapRequest) -> ApprovalRequest | None:
    """The Owner-approval request of an accepted swap (the one approval mechanism)."""
    return approvals.request_for(kind=SWAP_APPROVAL, target=swap)


def approve_swap(
    *, actor, swap: SwapRequest, approve: bool = True, at: datetime.datetime | None = None
) -> SwapRequest:
    """D9 §3.2: the Ingestion Owner approves (or rejects) an accepted swap through the one
    approval mechanism; approval creates the overrides (`swap_approved`)."""
    request = swap_approval(swap)
    if request is None:
        raise ValidationError("Only a swap the colleague has accepted can be decided.")
    approvals.decide_approval(
        request=request,
        actor=actor,
        verdict="approve" if approve else "veto",
        statement="Swap approved." if approve else "Swap rejected.",
        at=at,
    )
    swap.refresh_from_db()
    return swap


@kinds.before_decide(SWAP_APPROVAL)
def check_swap_open(request, *, actor, verdict, statement, confirmed, at) -> str:
    """Only an accepted swap is decided, and a rejection is final (ask for a new swap)."""
    swap = SwapRequest.objects.select_for_update().get(pk=request.object_id)
    if swap.status != SwapRequest.Status.ACCEPTED:
        raise ValidationError("Only a swap the colleague has accepted can be decided.")
    if verdict == "withdraw":
        raise ValidationError("A rejected swap stays rejected; ask for a new swap instead.")
    return statement


@kinds.on_quorum(SWAP_APPROVAL)
def swap_approved(request, *, actor, at) -> None:
    _apply(SwapRequest.objects.select_for_update().get(pk=request.object_id), actor=actor)


@kinds.on_veto(SWAP_APPROVAL)
def swap_rejected(request, *, actor, at) -> None:
    swap = SwapRequest.objects.select_for_update().get(pk=request.object_id)
    swap.status = SwapRequest.Status.REJECTED
    swap.decided_by, swap.decided_at = actor, at
    _save(swap, actor=actor, reason="Rejected by the Ingestion Owner")
    _tell(swap, swap.requester, "rejected")
    _tell(swap, swap.colleague, "rejected")


def _apply(swap: SwapRequest, *, actor) -> SwapRequest:
    """Both legs of a swap become overrides in the caller's transaction: if the return leg is
    refused (say the requester became secondary meanwhile), the first leg is rolled back too."""
    create_override(
        actor=actor,
        rotation=swap.rotation,
        tier=swap.tier,
        starts_at=swap.starts_at,
        ends_at=swap.ends_at,
        user=swap.colleague,
        swap=swap,
        replaces=swap.requester,
    )
    if swap.is_exchange:
        create_override(
            actor=actor,
            rotation=swap.rotation,
            tier=swap.tier,
            starts_at=swap.return_starts_at,
            ends_at=swap.return_ends_at,
            user=swap.requester,
            swap=swap,
            replaces=swap.colleague,
        )
    swap.status = SwapRequest.Status.APPROVED
    swap.decided_by, swap.decided_at = actor, timezone.now()
    _save(swap, actor=actor, reason="Approved; override in effect")
    _tell(swap, swap.requester, "approved")
    _tell(swap, swap.colleague, "approved")
    return swap


def cancel_swap(*, actor, swap: SwapRequest, at: datetime.datetime | None = None) -> SwapRequest:
    """The requester withdraws a request that is not yet in effect."""
    authority.require(actor, "rotations.swap.cancel", obj=swap, at=at)
    with transaction.atomic():
        swap = _locked(swap)
        if not swap.is_open:
            raise ValidationError(f"This request is already {swap.get_status_display().lower()}.")
        swap.status = SwapRequest.Status.CANCELLED
        _save(swap, actor=actor, reason="Cancelled by the requester")
        _tell(swap, swap.colleague, "cancelled")
        return swap


def _tell(swap: SwapRequest, user, outcome: str) -> None:
    notify_in_zone(
        swap.rotation,
        user,
        "rotations/swap-outcome",
        {
            "swap": swap,
            "outcome": outcome,
            "url": reverse("rotations:swap_detail", args=[swap.pk]),
        },
        dedupe_key=f"rotations:swap:{swap.pk}:{outcome}:{user.pk}",
    )


# ---------------------------------------------------------------------------------------------
# Handoffs (D9 §3.3)


def _covering(weeks: list[RotationWeek], at: datetime.datetime) -> RotationWeek | None:
    return next((week for week in weeks if week.starts_at <= at < week.ends_at), None)


def _holders_at(weeks, overrides, at) -> tuple:
    """(primary, secondary) at `at` from a rotation's weeks and live overrides, as `on_call_at`
    answers it (the same `selectors.resolve`), without a query."""
    week = _covering(weeks, at)
    if week is None:
        return None, None
    tiers = selectors.resolve(week, overrides, at)
    return tiers[Tier.PRIMARY][0], tiers[Tier.SECONDARY][0]


PEOPLE = ("outgoing_primary", "outgoing_secondary", "incoming_primary", "incoming_secondary")
PEOPLE_IDS = tuple(f"{key}_id" for key in PEOPLE)


def sync_handoffs(*, rotations: list[Rotation], now: datetime.datetime, actor=None) -> int:
    """D9 §3.3: a handoff record at every week boundary of `rotations` from last week to the
    generated horizon, with outgoing and incoming on-call as they stand (kept up to date until
    the handoff instant, frozen after it).

    Three reads for all the rotations together (weeks, handoffs, overrides); when something is
    to write, one transaction of a fixed number of statements for all of it (`_write_handoffs`):
    the hourly sweep costs what changed, not what exists (issue 16 point 3)."""
    since = now - datetime.timedelta(days=8)
    by_id = {rotation.pk: rotation for rotation in rotations}
    weeks_of: dict[int, list[RotationWeek]] = {pk: [] for pk in by_id}
    # Weeks ending after `since` include the one before the first boundary (its outgoing side).
    # Of the holders only who they are: the sweep reads every week of the horizon each hour.
    for week in (
        RotationWeek.objects.select_related("primary", "secondary")
        .only("rotation_id", "starts_at", "ends_at", "primary__id", "secondary__id")
        .filter(rotation_id__in=by_id, ends_at__gte=since)
        .order_by("rotation_id", "starts_at")
    ):
        week.rotation = by_id[week.rotation_id]
        weeks_of[week.rotation_id].append(week)
    # Plain tuples (when, who): the sweep reads every handoff of the horizon each hour.
    handoffs = {
        week_id: (at, people)
        for week_id, at, *people in Handoff.objects.filter(
            rotation_id__in=by_id, at__gte=since
        ).values_list("week_id", "at", *PEOPLE_IDS)
    }
    overrides_of: dict[int, list[Override]] = {pk: [] for pk in by_id}
    for override in Override.objects.select_related("user").filter(
        rotation_id__in=by_id, cancelled_at__isnull=True, ends_at__gt=since - WEEK
    ):
        overrides_of[override.rotation_id].append(override)
    count = 0
    wanted: dict[int, tuple[RotationWeek, dict]] = {}
    for rotation_id, weeks in weeks_of.items():
        overrides = overrides_of[rotation_id]
        for week in weeks:
            if week.starts_at < since:
                continue
            count += 1
            at, held = handoffs.get(week.pk, (None, None))
            if at is not None and at <= now:
                continue
            before = _holders_at(
                weeks, overrides, week.starts_at - datetime.timedelta(microseconds=1)
            )
            after = _holders_at(weeks, overrides, week.starts_at)
            people = dict(zip(PEOPLE, (*before, *after), strict=True))
            if held != _ids(people):
                wanted[week.pk] = (week, people)
    if wanted:
        _write_handoffs(wanted, actor=actor)
    return count


def _ids(people: dict) -> list:
    return [getattr(user, "pk", None) for user in people.values()]


def _write_handoffs(wanted: dict[int, tuple[RotationWeek, dict]], *, actor) -> None:
    """Create or update the handoffs of `wanted` (week id → week, people), in one transaction.

    Two sweeps at once (issue 12 point 10) queue on the row locks of the rotations concerned,
    taken in one order; the second re-reads the handoffs after its wait and finds what the
    first created or changed: no duplicate, no failure on the unique week, no second history
    row for the same change."""
    with transaction.atomic():
        rotation_ids = {week.rotation_id for week, _people in wanted.values()}
        list(
            Rotation.objects.select_for_update()
            .filter(pk__in=rotation_ids)
            .order_by("pk")
            .values("pk")
        )
        current = {
            handoff.week_id: handoff for handoff in Handoff.objects.filter(week_id__in=wanted)
        }
        new, changed = [], []
        for week_id, (week, people) in wanted.items():
            handoff = current.get(week_id)
            if handoff is None:
                new.append(Handoff(rotation=week.rotation, week=week, at=week.starts_at, **people))
            elif [getattr(handoff, name) for name in PEOPLE_IDS] != _ids(people):
                for key, user in people.items():
                    setattr(handoff, key, user)
                changed.append(handoff)
        # Built from the weeks and overrides just read, so valid by construction; the unique
        # week and the foreign keys are the database's to enforce.
        _bulk_create(new, actor=actor, reason="Handoff scheduled")
        if changed:
            for handoff in changed:
                handoff._history_user = actor
            bulk_update_with_history(
                changed,
                Handoff,
                list(PEOPLE),
                batch_size=INSERT_BATCH,
                default_user=actor,
                default_change_reason="On-call changed before the handoff",
            )


def _bulk_create(objs: list, *, actor, reason: str) -> None:
    """`save_with_history` for many new rows of one model: one insert of the rows and one of
    their history rows per INSERT_BATCH, naming `actor` (None too, as a sweep's save does,
    never a request's user) and `reason`."""
    if not objs:
        return
    for obj in objs:
        obj._history_user = actor
    bulk_create_with_history(
        objs,
        type(objs[0]),
        batch_size=INSERT_BATCH,
        default_user=actor,
        default_change_reason=reason,
    )


def check_item(
    *,
    actor,
    handoff: Handoff,
    item: HandoffChecklistItem,
    checked: bool = True,
    at: datetime.datetime | None = None,
):
    """D9 §3.3: tick (or untick) a checklist item. Outgoing items are ticked by the outgoing
    on-call, incoming items by the incoming on-call; nobody else."""
    authority.require(
        actor, "rotations.handoff.check_item", obj=HandoffCheck(handoff=handoff, item=item)
    )
    with transaction.atomic():
        existing = HandoffCheck.objects.filter(handoff=handoff, item=item).first()
        if checked and existing is None:
            check = HandoffCheck(
                handoff=handoff, item=item, checked_by=actor, checked_at=at or timezone.now()
            )
            _save(check, actor=actor, reason="Checked")
            return check
        if not checked and existing is not None:
            existing._history_user = actor
            existing._change_reason = "Unchecked"
            existing.delete()
        return existing if checked else None


def update_handoff_notes(*, actor, handoff: Handoff, status_summary: str, ongoing_issues: str):
    """D9 §3.3 "Update #ingestion-rollout with status summary", "Document any ongoing issues":
    the outgoing on-call writes them (the incoming may add to them)."""
    allowed = {u.pk for u in handoff.people("outgoing") + handoff.people("incoming")}
    if actor.pk not in allowed:
        raise PermissionDenied("Only the outgoing and incoming on-call can write handoff notes.")
    handoff.status_summary, handoff.ongoing_issues = status_summary, ongoing_issues
    _save(handoff, actor=actor, reason="Handoff notes")
    return handoff


def open_items(handoff: Handoff) -> list[HandoffChecklistItem]:
    done = set(handoff.checks.values_list("item_id", flat=True))
    return [item for item in HandoffChecklistItem.objects.all() if item.pk not in done]


# ---------------------------------------------------------------------------------------------
# Calendars


def revoke_rotation_calendar(*, actor, rotation: Rotation) -> Rotation:
    """Give the rotation feed a new secret address; the old one stops working."""
    rotation.calendar_token = new_token()
    _save(rotation, actor=actor, reason="Calendar address revoked")
    return rotation


def personal_calendar(*, actor, user) -> PersonalCalendar:
    calendar = PersonalCalendar.objects.filter(user=user).first()
    if calendar is None:
        calendar = PersonalCalendar(user=user)
        _save(calendar, actor=actor, reason="Calendar address created")
    return calendar


def revoke_personal_calendar(*, actor, user) -> PersonalCalendar:
    if actor.pk != user.pk and not actor.is_superuser:
        raise PermissionDenied("Only the owner of a calendar can revoke its address.")
    calendar = personal_calendar(actor=actor, user=user)
    calendar.token = new_token()
    _save(calendar, actor=actor, reason="Calendar address revoked")
    return calendar


def create_rotation(
    *,
    actor,
    name: str,
    slug: str,
    time_zone: str = "Europe/London",
    members=(),
    is_policy_rotation: bool = False,
) -> Rotation:
    """A rotation with the D9 §3.2 default handoff (Monday 09:00 local) and a roster."""
    with transaction.atomic():
        rotation = Rotation(
            name=name, slug=slug, time_zone=time_zone, is_policy_rotation=is_policy_rotation
        )
        _save(rotation, actor=actor, reason="Rotation created")
        for position, user in enumerate(members, start=1):
            member = RosterMember(rotation=rotation, user=user, position=position)
            _save(member, actor=actor, reason="Roster")
        return rotation
