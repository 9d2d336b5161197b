"""Two sweeps at the same moment on separate connections page each person once (PostgreSQL)."""

import threading

import pytest
from django.db import connection, connections

from governance.models import Notification
from incidents.escalation import escalate_due
from incidents.models import IncidentEvent, IncidentStep
from tests.incidents.conftest import minutes_after

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks with SKIP LOCKED need PostgreSQL; SQLite serialises writers anyway",
    ),
]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweeps_at_once_page_each_person_once(crew, declare, clock):
    incidents = [declare("P1", title=f"Outage {n}") for n in range(20)]
    at = minutes_after(incidents[0], 61)
    clock.move_to(at, tick=False)
    due = IncidentStep.objects.filter(
        fired_at__isnull=True, cancelled_at__isnull=True, due_at__lte=at
    ).count()
    barrier = threading.Barrier(2)
    results, errors = [], []

    def sweep():
        try:
            barrier.wait()
            results.append(escalate_due(now=at))
        except Exception as error:  # reported below; a thread cannot fail the test itself
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    fired = sum(int(r.split()[1]) for r in results if r.startswith("fired"))
    assert fired == due  # every due step fired, by one sweep or the other, never by both
    for incident in incidents:
        for role in ("secondary", "owner", "sre_lead", "pm"):
            person = crew[role]
            mails = Notification.objects.filter(
                recipient=person,
                template="incident-escalation",
                dedupe_key__startswith=f"incident:{incident.pk}:",
            )
            assert mails.count() == 1, (incident.pk, role)
    fired_steps = IncidentStep.objects.filter(fired_at__isnull=False)
    assert IncidentEvent.objects.filter(step__in=fired_steps).count() == fired_steps.count()
