"""D9 §3.1/3.2: who is on call at an instant, exact at the handoff and across DST."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.utils import timezone

from rotations import selectors, services
from rotations.models import RotationWeek
from tests.conftest import assign

UTC = datetime.UTC


def local(zone: str, *args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=zoneinfo.ZoneInfo(zone))


@pytest.fixture
def make_rotation(rotation_engineers):
    def make(slug, zone, start, weeks=6):
        rotation = services.create_rotation(
            actor=None, name=slug.title(), slug=slug, time_zone=zone, members=rotation_engineers
        )
        services.generate_weeks(
            rotation=rotation,
            actor=None,
            start=start,
            until=start + datetime.timedelta(weeks=weeks),
        )
        return rotation

    return make


# Mondays 09:00 local straddling each DST transition (the transition is the Sunday before).
DST_HANDOFFS = [
    ("Europe/London", (2025, 3, 31, 9, 0)),  # spring forward 30 March
    ("Europe/London", (2025, 10, 27, 9, 0)),  # fall back 26 October
    ("America/New_York", (2025, 3, 10, 9, 0)),  # spring forward 9 March
    ("America/New_York", (2025, 11, 3, 9, 0)),  # fall back 2 November
]


@pytest.mark.parametrize(("zone", "handoff"), DST_HANDOFFS)
def test_one_minute_before_the_handoff_the_old_week_answers_and_at_nine_the_new(
    make_rotation, zone, handoff
):
    at = local(zone, *handoff)
    rotation = make_rotation("dst", zone, at - datetime.timedelta(weeks=2))
    old = selectors.on_call_at(at - datetime.timedelta(minutes=1), rotation=rotation)
    new = selectors.on_call_at(at, rotation=rotation)

    assert old.week.ends_at == at == new.week.starts_at
    assert old.primary != new.primary
    assert new.primary == old.secondary  # round-robin: the secondary is next week's primary
    assert old.primary_until == at
    assert new.week.local_start().hour == 9


@pytest.mark.parametrize(("zone", "handoff"), DST_HANDOFFS)
def test_weeks_across_a_dst_change_are_167_or_169_hours_long(make_rotation, zone, handoff):
    at = local(zone, *handoff)
    rotation = make_rotation("dst", zone, at - datetime.timedelta(weeks=1), weeks=1)
    week = RotationWeek.objects.get(rotation=rotation, ends_at=at)
    hours = (week.ends_at - week.starts_at).total_seconds() / 3600
    assert hours in (167, 169)
    for each in rotation.weeks.all():
        start = each.starts_at.astimezone(zoneinfo.ZoneInfo(zone))
        assert (start.weekday(), start.hour, start.minute) == (0, 9, 0)


def test_round_robin_puts_nobody_on_both_tiers_and_spreads_weeks_evenly(rotation):
    weeks = list(rotation.weeks.order_by("starts_at"))
    assert all(week.primary_id != week.secondary_id for week in weeks)
    counts = {}
    for week in weeks[:24]:
        counts[week.primary_id] = counts.get(week.primary_id, 0) + 1
    assert sorted(counts.values()) == [6, 6, 6, 6]


def test_on_call_at_uses_at_most_three_queries_whatever_the_history(
    rotation, owner, django_assert_max_num_queries
):
    services.generate_weeks(
        rotation=rotation, actor=None, until=timezone.now() + datetime.timedelta(weeks=300)
    )
    now = timezone.now()
    with django_assert_max_num_queries(3):
        on_call = selectors.on_call_at(now)
    assert on_call.primary and on_call.secondary and on_call.ingestion_owner == owner


def test_on_call_at_without_any_week_answers_nobody_in_three_queries(
    rotation, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        on_call = selectors.on_call_at(timezone.now() + datetime.timedelta(weeks=400))
    assert on_call.primary is None and on_call.rotation == rotation


def test_primary_and_secondary_fixtures_are_on_call_now(primary, secondary, rotation):
    assert selectors.on_call_users(timezone.now()) == {primary, secondary}
    assert selectors.tier_holder("primary", at=timezone.now()) == primary
    assert selectors.tier_holder("secondary", at=timezone.now()) == secondary


def test_ingestion_owner_tier_is_the_acting_owner(rotation, owner, owner_backup):
    now = timezone.now()
    assert selectors.tier_holder("ingestion_owner", at=now) == owner
    assignment = assign("ingestion_owner", owner, owner_backup)
    assignment.primary_unavailable_until = now + datetime.timedelta(hours=1)
    assignment.save()
    assert selectors.on_call_at(now).ingestion_owner == owner_backup


def test_unknown_tier_is_refused(rotation):
    with pytest.raises(ValueError, match="Unknown on-call tier"):
        selectors.tier_holder("tertiary", at=timezone.now())


def test_time_travel_inside_the_fixture_span_moves_the_answer(rotation, on_call_at_fixture):
    now = timezone.now()
    with time_machine.travel(now + datetime.timedelta(weeks=1), tick=False):
        later = selectors.on_call_at(timezone.now())
    assert later.primary == on_call_at_fixture(now + datetime.timedelta(weeks=1)).primary
    assert later.primary is not None
