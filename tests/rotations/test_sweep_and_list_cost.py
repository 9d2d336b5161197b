"""Issue 16 points 2 and 3: the hourly generation sweep and the rotations list cost the same
queries for two rotations as for six (what is due or shown, never what exists)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from governance.ops.sweeps import run_sweep
from rotations import reminders, services
from rotations.models import Handoff

pytestmark = pytest.mark.django_db


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
