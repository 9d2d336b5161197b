"""Simultaneous ticks never fail (issue 12 point 10): two `manage.py tick` runs at the same
instant, right after the D9 §3.2 Monday 09:00 handoff, both finish every sweep and deliver their
mail; what one creates the other finds, and nothing is recorded twice (PostgreSQL)."""

import datetime
import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from governance.models import Notification, SweepHeartbeat
from governance.ops.sweeps import SWEEPS
from rotations.models import Handoff, HandoffReminder, RotationWeek

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises writers, there is no race to test",
    ),
]


def at_once(count: int, work) -> tuple[list, list]:
    """Run `work()` in `count` threads released together; (results, errors)."""
    barrier = threading.Barrier(count)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(work())
        except Exception as error:  # reported by the test; a thread cannot fail it
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def tick() -> str:
    out = StringIO()
    call_command("tick", stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_ticks_right_after_the_monday_handoff_both_finish(rotation, owner, time_machine):
    """D9 §3.2 "Monday 09:00 local time", §3.3 handoff reminders: two ticks a minute after
    the handoff each run every sweep and their mail delivery; one handoff per week, one
    reminder per kind, one mail per person and reminder."""
    handoff_at = (
        RotationWeek.objects.filter(rotation=rotation, starts_at__gt=timezone.now())
        .earliest("starts_at")
        .starts_at
    )
    time_machine.move_to(handoff_at + datetime.timedelta(minutes=1), tick=False)

    results, errors = at_once(2, tick)

    assert errors == []
    for output in results:
        assert output.count(":") >= len(SWEEPS) and "mail:" in output
    weeks = RotationWeek.objects.filter(rotation=rotation)
    assert (
        Handoff.objects.filter(rotation=rotation).count()
        == weeks.filter(starts_at__gte=timezone.now() - datetime.timedelta(days=8)).count()
    )
    handoff = Handoff.objects.get(rotation=rotation, at=handoff_at)
    assert HandoffReminder.objects.filter(handoff=handoff, kind="at_handoff").count() == 1
    for user in handoff.people("outgoing") + handoff.people("incoming"):
        assert (
            Notification.objects.filter(
                recipient=user, method=None, dedupe_key__contains=f":{handoff.pk}:at_handoff:"
            ).count()
            == 1
        )
    assert not SweepHeartbeat.objects.exclude(last_error="").exists()
