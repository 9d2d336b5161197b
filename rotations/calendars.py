"""iCalendar feeds of the rotation (per rotation and per person), overrides included.

Events carry the rotation's zone (DTSTART;TZID=Europe/London:...T090000) with its VTIMEZONE,
so calendar clients show the handoff at 09:00 local on both sides of a DST change.
"""

import datetime
from dataclasses import dataclass

import icalendar
from django.conf import settings
from django.urls import reverse

from rotations import selectors
from rotations.models import Rotation, RotationWeek, Tier

PAST_WEEKS = 4
FUTURE_WEEKS = 26


@dataclass(frozen=True)
class Shift:
    rotation: Rotation
    tier: str
    user: object
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    overridden: bool


def shifts(rotation: Rotation, *, start: datetime.datetime, count: int) -> list[Shift]:
    """Who holds each tier from `start` over `count` weeks, overrides applied, as contiguous
    shifts (a week split where an override starts or ends)."""
    result = []
    for week, overrides in selectors.upcoming_weeks(rotation, start=start, count=count):
        cuts = {week.starts_at, week.ends_at}
        for override in overrides:
            cuts |= {
                t
                for t in (override.starts_at, override.ends_at)
                if week.starts_at < t < week.ends_at
            }
        points = sorted(cuts)
        for tier in Tier.values:
            current = None
            for begin, end in zip(points, points[1:], strict=False):
                holder, _until, applied = selectors.resolve(week, overrides, begin)[tier]
                if current and current.user == holder and current.overridden == bool(applied):
                    current = Shift(rotation, tier, holder, current.starts_at, end, bool(applied))
                    result[-1] = current
                    continue
                current = Shift(rotation, tier, holder, begin, end, bool(applied))
                result.append(current)
    return [s for s in result if s.user is not None]


def _calendar(name: str) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Governance portal//On-call rotation//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    return calendar


def _event(shift: Shift, *, for_person: bool) -> icalendar.Event:
    zone = shift.rotation.zone
    tier = Tier(shift.tier).label
    person = shift.user.get_full_name() or shift.user.get_username()
    event = icalendar.Event()
    summary = f"On-Call {tier}: {shift.rotation.name}" if for_person else f"{tier}: {person}"
    if shift.overridden:
        summary += " (override)"
    event.add("summary", summary)
    event.add("dtstart", shift.starts_at.astimezone(zone))
    event.add("dtend", shift.ends_at.astimezone(zone))
    event.add("dtstamp", datetime.datetime.now(datetime.UTC))
    event.add(
        "uid",
        f"{shift.rotation.slug}-{shift.tier}-{shift.starts_at:%Y%m%dT%H%M%SZ}-"
        f"{shift.user.pk}@governance-portal",
    )
    event.add("description", f"{person} is On-Call {tier} for {shift.rotation.name}.")
    event.add(
        "url", settings.PORTAL_BASE_URL + reverse("rotations:calendar", args=[shift.rotation.slug])
    )
    return event


def _feed_start(now: datetime.datetime) -> datetime.datetime:
    return now - datetime.timedelta(weeks=PAST_WEEKS)


def rotation_calendar(rotation: Rotation, *, now: datetime.datetime) -> bytes:
    """The rotation's feed: one event per tier and shift, from four weeks ago."""
    calendar = _calendar(f"On-call: {rotation.name}")
    for shift in shifts(rotation, start=_feed_start(now), count=PAST_WEEKS + FUTURE_WEEKS):
        calendar.add_component(_event(shift, for_person=False))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def person_calendar(user, *, now: datetime.datetime) -> bytes:
    """A person's feed: their shifts on every rotation they have been or are on."""
    calendar = _calendar("My on-call shifts")
    rotation_ids = (
        set(
            RotationWeek.objects.filter(primary=user, ends_at__gt=_feed_start(now)).values_list(
                "rotation_id", flat=True
            )
        )
        | set(
            RotationWeek.objects.filter(secondary=user, ends_at__gt=_feed_start(now)).values_list(
                "rotation_id", flat=True
            )
        )
        | set(user.rotation_overrides.values_list("rotation_id", flat=True))
    )
    for rotation in Rotation.objects.filter(pk__in=rotation_ids):
        for shift in shifts(rotation, start=_feed_start(now), count=PAST_WEEKS + FUTURE_WEEKS):
            if shift.user.pk == user.pk:
                calendar.add_component(_event(shift, for_person=True))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def rotation_feed_path(rotation: Rotation) -> str:
    return reverse("rotations:rotation_ical", args=[rotation.calendar_token])


def person_feed_path(personal_calendar) -> str:
    return reverse("rotations:person_ical", args=[personal_calendar.token])
