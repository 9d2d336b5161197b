"""The month grid of a rotation and of a person (D9 §3.2 "Weekly rotation, handoff Monday
09:00"): who holds each tier on each day, overrides and swaps shown, gaps in coverage marked.

A read: `rotation_month` and `person_month` build the grid from three queries per rotation
(weeks, overrides, open swaps) whatever the number of weeks shown; the pages render it.
"""

import calendar
import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from rotations import schedule, selectors
from rotations.models import Override, RosterMember, Rotation, RotationWeek, SwapRequest, Tier

MIDNIGHT = datetime.time(0, 0)
OPEN_SWAPS = (SwapRequest.Status.PENDING, SwapRequest.Status.ACCEPTED)


@dataclass(frozen=True)
class Segment:
    """One tier held by one person (None: nobody, a gap) over [starts_at, ends_at)."""

    rotation: Rotation
    tier: str
    user: object
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    override: Override | None
    week: RotationWeek | None

    @property
    def tier_label(self) -> str:
        return Tier(self.tier).label


@dataclass
class Holding:
    """A segment as one day's cell shows it: the name, and the local time it starts or ends
    within the day."""

    segment: Segment
    since: datetime.time | None = None
    until: datetime.time | None = None


@dataclass
class Day:
    day: datetime.date
    in_month: bool
    today: bool
    holdings: list[Holding] = field(default_factory=list)
    swaps: list[SwapRequest] = field(default_factory=list)

    @property
    def gap(self) -> bool:
        return any(h.segment.user is None for h in self.holdings)

    @property
    def tiers(self) -> list[tuple[str, list[Holding]]]:
        """The day's holdings by tier, primary first: "Primary: Ana → Ben at 09:00"."""
        return [
            (Tier(tier).label, mine)
            for tier in Tier.values
            if (mine := [h for h in self.holdings if h.segment.tier == tier])
        ]


@dataclass
class Shift:
    """A rotation week's tier as the week's cell offers it: "ask for cover" to its holder,
    "take this shift" to a roster member while some of it is uncovered."""

    rotation: Rotation
    week: RotationWeek
    tier: str
    holder: object
    gap: bool
    mine: bool
    may_take: bool

    @property
    def tier_label(self) -> str:
        return Tier(self.tier).label


@dataclass
class Row:
    days: list[Day]
    current: bool
    shifts: list[Shift] = field(default_factory=list)


@dataclass
class Month:
    year: int
    month: int
    rows: list[Row]

    @property
    def first(self) -> datetime.date:
        return datetime.date(self.year, self.month, 1)


def month_after(year: int, month: int, count: int = 1) -> tuple[int, int]:
    index = year * 12 + (month - 1) + count
    return index // 12, index % 12 + 1


def _days(year: int, month: int) -> list[list[datetime.date]]:
    return calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)


def _bounds(year: int, month: int, months: int) -> tuple[datetime.date, datetime.date]:
    """The first Monday and the day after the last Sunday of the grids of `months` months."""
    last_year, last_month = month_after(year, month, months - 1)
    return _days(year, month)[0][0], _days(last_year, last_month)[-1][-1] + datetime.timedelta(1)


def segments(
    rotation: Rotation,
    *,
    weeks: list[RotationWeek],
    overrides: list[Override],
    start: datetime.datetime,
    end: datetime.datetime,
) -> list[Segment]:
    """Who holds each tier over [start, end), overrides applied, as contiguous segments; time
    with no generated week, or a week with nobody in a tier, is a segment of nobody."""
    cuts = {start, end}
    for row in (*weeks, *overrides):
        cuts |= {t for t in (row.starts_at, row.ends_at) if start < t < end}
    points = sorted(cuts)
    result: list[Segment] = []
    for tier in Tier.values:
        current = None
        for begin, finish in zip(points, points[1:], strict=False):
            week = next((w for w in weeks if w.starts_at <= begin < w.ends_at), None)
            live = [o for o in overrides if o.starts_at < finish and o.ends_at > begin]
            holder, _until, applied = selectors.resolve(week, live, begin)[tier]
            if (
                current is not None
                and getattr(current.user, "pk", None) == getattr(holder, "pk", None)
                and current.override == applied
                and current.week == week
            ):
                current = Segment(rotation, tier, holder, current.starts_at, finish, applied, week)
                result[-1] = current
                continue
            current = Segment(rotation, tier, holder, begin, finish, applied, week)
            result.append(current)
    return result


def _load(rotations: list[Rotation], start: datetime.datetime, end: datetime.datetime) -> dict:
    """Each rotation's weeks, overrides and open swaps meeting [start, end), by rotation id:
    three queries whatever the number of rotations."""
    ids = [rotation.pk for rotation in rotations]
    loaded = {rotation.pk: ([], [], []) for rotation in rotations}
    by_id = {rotation.pk: rotation for rotation in rotations}
    in_range = Q(rotation_id__in=ids, ends_at__gt=start, starts_at__lt=end)
    for week in (
        RotationWeek.objects.select_related("primary", "secondary")
        .filter(in_range)
        .order_by("starts_at")
    ):
        week.rotation = by_id[week.rotation_id]
        loaded[week.rotation_id][0].append(week)
    for override in (
        Override.objects.select_related("user", "replaces", "swap")
        .filter(in_range, cancelled_at__isnull=True)
        .order_by("starts_at", "pk")
    ):
        loaded[override.rotation_id][1].append(override)
    for swap in (
        SwapRequest.objects.select_related("requester", "colleague")
        .filter(in_range, status__in=OPEN_SWAPS)
        .order_by("starts_at", "pk")
    ):
        loaded[swap.rotation_id][2].append(swap)
    return loaded


def _within(rows: list, start: datetime.datetime, end: datetime.datetime) -> list:
    return [row for row in rows if row.ends_at > start and row.starts_at < end]


def _place(day: Day, segs: list[Segment], swaps, zone) -> None:
    begin = schedule.to_utc(day.day, MIDNIGHT, zone)
    finish = schedule.to_utc(day.day + datetime.timedelta(1), MIDNIGHT, zone)
    for seg in segs:
        if seg.starts_at < finish and seg.ends_at > begin:
            day.holdings.append(
                Holding(
                    seg,
                    since=seg.starts_at.astimezone(zone).time() if seg.starts_at > begin else None,
                    until=seg.ends_at.astimezone(zone).time() if seg.ends_at < finish else None,
                )
            )
    day.holdings.sort(key=lambda h: (h.segment.tier != Tier.PRIMARY, h.segment.starts_at))
    day.swaps.extend(s for s in swaps if s.starts_at < finish and s.ends_at > begin)


def _grid(year, month, months, *, today) -> list[Month]:
    result = []
    for offset in range(months):
        y, m = month_after(year, month, offset)
        rows = [
            Row(
                days=[Day(d, d.month == m, d == today) for d in week],
                current=week[0] <= today <= week[-1],
            )
            for week in _days(y, m)
        ]
        result.append(Month(y, m, rows))
    return result


def _shifts(rotation, weeks, segs, *, user, on_roster: bool, now) -> dict[int, list[Shift]]:
    """The week cells' actions, for `user`: by week id."""
    by_week: dict[int, list[Shift]] = {}
    for week in weeks:
        for tier in Tier.values:
            mine = [s for s in segs if s.week is week and s.tier == tier]
            if not mine:
                continue
            holder = mine[0].user
            future_gap = any(s.user is None and s.ends_at > now for s in mine)
            by_week.setdefault(week.pk, []).append(
                Shift(
                    rotation=rotation,
                    week=week,
                    tier=tier,
                    holder=holder,
                    gap=any(s.user is None for s in mine),
                    mine=week.ends_at > now
                    and any(getattr(s.user, "pk", None) == user.pk for s in mine),
                    may_take=on_roster and future_gap,
                )
            )
    return by_week


def rotation_month(
    rotation: Rotation, *, year: int, month: int, months: int = 1, user, now: datetime.datetime
) -> list[Month]:
    """The month grid(s) of `rotation` from `year`-`month` over `months` months: each day's
    holders per tier (gaps marked), overrides and open swaps, the current week, and each
    rotation week's actions for `user`. Four queries, whatever the number of weeks."""
    zone = rotation.zone
    first, after = _bounds(year, month, months)
    start, end = schedule.to_utc(first, MIDNIGHT, zone), schedule.to_utc(after, MIDNIGHT, zone)
    weeks, overrides, swaps = _load([rotation], start, end)[rotation.pk]
    segs = segments(rotation, weeks=weeks, overrides=overrides, start=start, end=end)
    on_roster = rotation.roster.filter(user=user, active=True, user__is_active=True).exists()
    actions = _shifts(rotation, weeks, segs, user=user, on_roster=on_roster, now=now)
    grids = _grid(year, month, months, today=now.astimezone(zone).date())
    for grid in grids:
        for row in grid.rows:
            for day in row.days:
                _place(day, segs, swaps, zone)
            row_start = schedule.to_utc(row.days[0].day, MIDNIGHT, zone)
            row_end = schedule.to_utc(row.days[-1].day + datetime.timedelta(1), MIDNIGHT, zone)
            for week in weeks:
                if row_start <= week.starts_at < row_end:
                    row.shifts.extend(actions.get(week.pk, []))
    return grids


def person_month(
    user, *, year: int, month: int, months: int = 1, now: datetime.datetime
) -> list[Month]:
    """`user`'s month grid(s): on every rotation they hold a tier in or are on the roster of,
    the days they hold one (overrides and swaps applied), with "ask for cover" on their weeks.
    Four queries, whatever the number of rotations and weeks."""
    first, after = _bounds(year, month, months)
    # Bounds in UTC wide enough for any zone; each rotation's own bounds are computed below.
    wide_start = datetime.datetime.combine(first, MIDNIGHT, datetime.UTC) - datetime.timedelta(1)
    wide_end = datetime.datetime.combine(after, MIDNIGHT, datetime.UTC) + datetime.timedelta(1)
    held = Q(primary=user) | Q(secondary=user)
    in_range = Q(ends_at__gt=wide_start, starts_at__lt=wide_end)
    # Subqueries, not joins: a join across weeks and overrides multiplies their rows.
    rotations = list(
        Rotation.objects.filter(
            Q(pk__in=RosterMember.objects.filter(user=user).values("rotation_id"))
            | Q(pk__in=RotationWeek.objects.filter(held, in_range).values("rotation_id"))
            | Q(
                pk__in=Override.objects.filter(
                    in_range, user=user, cancelled_at__isnull=True
                ).values("rotation_id")
            )
        ).order_by("name")
    )
    grids = _grid(year, month, months, today=timezone.localdate(now))
    loaded = _load(rotations, wide_start, wide_end)
    for rotation in rotations:
        zone = rotation.zone
        start = schedule.to_utc(first, MIDNIGHT, zone)
        end = schedule.to_utc(after, MIDNIGHT, zone)
        weeks, overrides, swaps = (_within(rows, start, end) for rows in loaded[rotation.pk])
        segs = segments(rotation, weeks=weeks, overrides=overrides, start=start, end=end)
        mine = [s for s in segs if getattr(s.user, "pk", None) == user.pk]
        asked = [s for s in swaps if user.pk in (s.requester_id, s.colleague_id)]
        actions = _shifts(rotation, weeks, segs, user=user, on_roster=False, now=now)
        for grid in grids:
            for row in grid.rows:
                for day in row.days:
                    _place(day, mine, asked, zone)
                row_start = schedule.to_utc(row.days[0].day, MIDNIGHT, zone)
                row_end = schedule.to_utc(row.days[-1].day + datetime.timedelta(1), MIDNIGHT, zone)
                for week in weeks:
                    if row_start <= week.starts_at < row_end:
                        row.shifts.extend(s for s in actions.get(week.pk, []) if s.mine)
    return grids
