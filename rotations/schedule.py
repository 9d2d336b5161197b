"""Wall-clock arithmetic of the weekly handoff (D9 §3.2: "handoff Monday 09:00 local time").

Handoffs are computed on local dates in the rotation's IANA zone and converted to UTC one by
one, so a week that crosses a DST transition is 167 or 169 hours long and every handoff stays
at 09:00 local. A wall time that does not exist (inside a spring-forward gap) moves forward by
the gap; an ambiguous one (fall-back) takes its first occurrence.
"""

import datetime
import zoneinfo
from collections.abc import Iterator

UTC = datetime.UTC


def to_utc(day: datetime.date, at: datetime.time, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    """The UTC instant of local `day` `at` in `zone` (fold=0; gaps resolved forwards)."""
    local = datetime.datetime.combine(day, at).replace(tzinfo=zone, fold=0)
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        # Non-existent local time: zoneinfo used the pre-transition offset; fold=1 gives the
        # instant just after the gap, which is what a clock on the wall would show.
        instant = local.replace(fold=1).astimezone(UTC)
    return instant


def handoff_on_or_before(
    moment: datetime.datetime, *, weekday: int, at: datetime.time, zone: zoneinfo.ZoneInfo
) -> datetime.datetime:
    """The last handoff instant at or before `moment` (UTC)."""
    local_day = moment.astimezone(zone).date()
    day = local_day - datetime.timedelta(days=(local_day.weekday() - weekday) % 7)
    instant = to_utc(day, at, zone)
    if instant > moment:
        instant = to_utc(day - datetime.timedelta(days=7), at, zone)
    return instant


def next_handoff(
    instant: datetime.datetime, *, at: datetime.time, zone: zoneinfo.ZoneInfo
) -> datetime.datetime:
    """The handoff one week after the handoff `instant`, at the same local wall time."""
    day = instant.astimezone(zone).date() + datetime.timedelta(days=7)
    return to_utc(day, at, zone)


def handoffs(
    start: datetime.datetime, count: int, *, at: datetime.time, zone: zoneinfo.ZoneInfo
) -> Iterator[tuple[datetime.datetime, datetime.datetime]]:
    """`count` consecutive (starts_at, ends_at) weeks from the handoff instant `start`."""
    current = start
    for _ in range(count):
        following = next_handoff(current, at=at, zone=zone)
        yield current, following
        current = following


def rotation_handoff_on_or_before(rotation, moment: datetime.datetime) -> datetime.datetime:
    return handoff_on_or_before(
        moment, weekday=rotation.handoff_weekday, at=rotation.handoff_time, zone=rotation.zone
    )


def rotation_next_handoff(rotation, instant: datetime.datetime) -> datetime.datetime:
    return next_handoff(instant, at=rotation.handoff_time, zone=rotation.zone)
