"""Issue 16 points 2 and 3: the hourly generation sweep and the rotations list cost the same
queries for few rotations as for more (what is due or shown, never what exists)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from governance.models import Notification, OnCallExpectation
from governance.ops.sweeps import run_sweep
from rotations import reminders, schedule, services
from rotations.models import Handoff, ReadinessAttestation, RosterMember, Rotation

pytestmark = pytest.mark.django_db
WEEK = datetime.timedelta(weeks=1)


def _add_rotations(make_user, start: int, stop: int):
    for number in range(start, stop):
        members = [make_user(f"eng{number}-{k}", first_name=f"E{number}{k}") for k in range(3)]
        services.create_rotation(
            actor=None, name=f"Team {number}", slug=f"team-{number}", members=members
        )


def _steady_sweep_queries(now) -> int:
    reminders.keep_generated(now=now)  # generate what is due first
    with CaptureQueriesContext(connection) as queries:
        result = reminders.keep_generated(now=now)
    assert result.startswith("0 week(s) generated")
    return len(queries)


def test_nothing_due_generation_sweep_costs_the_same_for_two_or_six_rotations(make_user):
    now = timezone.now()
    _add_rotations(make_user, 0, 2)
    small = _steady_sweep_queries(now)
    _add_rotations(make_user, 2, 6)
    assert _steady_sweep_queries(now) == small <= 6


def test_a_handoff_follows_an_override_made_before_it(make_user, rotation, rotation_engineers):
    now = timezone.now()
    reminders.keep_generated(now=now)
    handoff = Handoff.objects.filter(at__gt=now + datetime.timedelta(days=8)).order_by("at")[0]
    incoming = handoff.incoming_primary
    taken = (incoming, handoff.incoming_secondary)
    stand_in = next(u for u in rotation_engineers if u not in taken)
    services.create_override(
        actor=None,
        rotation=rotation,
        tier="primary",
        user=stand_in,
        replaces=incoming,
        starts_at=handoff.at,
        ends_at=handoff.at + datetime.timedelta(days=1),
    )
    run_sweep("rotations.generate", now=now)
    handoff.refresh_from_db()
    assert handoff.incoming_primary == stand_in


def _list_queries(client) -> int:
    client.get(reverse("rotations:list"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("rotations:list"))
    assert response.status_code == 200
    return len(queries)


def test_rotations_list_costs_the_same_for_two_or_six_rotations(client, make_user, owner):
    now = timezone.now()
    client.force_login(owner)
    _add_rotations(make_user, 0, 2)
    reminders.keep_generated(now=now)
    small = _list_queries(client)
    _add_rotations(make_user, 2, 6)
    reminders.keep_generated(now=now)
    response = client.get(reverse("rotations:list"))
    assert response.content.decode().count("<tr>") == 7
    assert _list_queries(client) == small


ZONES = ["Europe/London", "America/New_York", "Asia/Tokyo"]


def _add_zoned_rotations(make_user, start: int, stop: int) -> list:
    rotations = []
    for number in range(start, stop):
        members = [make_user(f"oc{number}-{k}") for k in range(3)]
        rotations.append(
            services.create_rotation(
                actor=None,
                name=f"Zone {number}",
                slug=f"zone-{number}",
                time_zone=ZONES[number % len(ZONES)],
                members=members,
            )
        )
    return rotations


def _week_due_sweep_queries(at) -> int:
    """The sweep a week after the last: one week and one handoff due on every rotation, and a
    readiness reminder due to everyone (each attested one more expectation, not the D8 one)."""
    other = OnCallExpectation.objects.exclude(pk=services.runbook_expectation().pk).first()
    for member in RosterMember.objects.select_related("user"):
        if not ReadinessAttestation.objects.filter(user=member.user, expectation=other).exists():
            services.attest_readiness(actor=member.user, user=member.user, expectations=[other])
    with CaptureQueriesContext(connection) as queries:
        result = reminders.keep_generated(now=at)
    rotations = Rotation.objects.count()
    assert result.startswith(f"{rotations} week(s) generated")
    return len(queries)


def test_a_week_due_on_three_or_nine_rotations_costs_the_same_queries(make_user):
    """Issue 16 point 3: the hourly sweep with a new week due everywhere costs a fixed number of
    queries, not ~85 per rotation (weeks, their history, handoffs and reminders in bulk)."""
    now = timezone.now()
    _add_zoned_rotations(make_user, 0, 3)
    reminders.keep_generated(now=now)
    small = _week_due_sweep_queries(now + WEEK)
    _add_zoned_rotations(make_user, 3, 9)
    reminders.keep_generated(now=now + WEEK)  # the new rotations' first weeks
    # About a dozen for the weeks, seven for the handoffs, five per time zone for the mail.
    assert _week_due_sweep_queries(now + 2 * WEEK) == small <= 40


def test_the_swept_week_its_history_handoff_and_reminders(make_user):
    """D9 §3.2 round-robin and §3.3, §3.4 as one rotation at a time made them: the week after
    the last, its holders in turn, one history row, a handoff from the outgoing to the incoming
    holders, and each unready holder's reminder on the rotation's own wall clock."""
    now = timezone.now()
    rotations = _add_zoned_rotations(make_user, 0, 3)
    reminders.keep_generated(now=now)
    last_of = {r.pk: r.weeks.order_by("-starts_at").first() for r in rotations}
    counts = {r.pk: r.weeks.count() for r in rotations}
    Notification.objects.all().delete()
    other = OnCallExpectation.objects.exclude(pk=services.runbook_expectation().pk).first()
    for member in RosterMember.objects.select_related("user"):
        services.attest_readiness(actor=member.user, user=member.user, expectations=[other])

    reminders.keep_generated(now=now + WEEK)

    for rotation in rotations:
        members = [m.user for m in rotation.roster.order_by("position")]
        last = last_of[rotation.pk]
        week = rotation.weeks.get(starts_at=last.ends_at)
        assert week.ends_at == schedule.rotation_next_handoff(rotation, week.starts_at)
        assert week.starts_at.astimezone(rotation.zone).strftime("%a %H:%M") == "Mon 09:00"
        turn = counts[rotation.pk] % 3
        assert (week.primary, week.secondary) == (members[turn], members[(turn + 1) % 3])
        [history] = week.history.all()
        assert (history.history_type, history.history_user) == ("+", None)
        assert history.history_change_reason == "Generated (round-robin)"
        handoff = Handoff.objects.get(week=week)
        assert handoff.at == week.starts_at and handoff.rotation == rotation
        assert (handoff.outgoing_primary, handoff.outgoing_secondary) == (
            last.primary,
            last.secondary,
        )
        assert (handoff.incoming_primary, handoff.incoming_secondary) == (
            week.primary,
            week.secondary,
        )
        assert handoff.history.get().history_change_reason == "Handoff scheduled"
        for user in (week.primary, week.secondary):
            mail = Notification.objects.get(
                recipient=user, method=None, dedupe_key=f"rotations:readiness:{user.pk}:1"
            )
            local = week.local_start()
            assert f"{local:%A} {local.day} {local:%B %Y}, 09:00 ({rotation.time_zone})" in (
                mail.body_text
            )
    # The third member holds no new week and is not reminded.
    assert Notification.objects.filter(template="rotations/readiness-reminder").count() == 6
