"""Issue 17 point 2 and issue 16 point 5: the compliance figures are honest at any instant (a
record inside its window is pending, hours on call stop at now) and cost the same queries for a
few incidents as for many."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from governance.compliance import report as compliance
from governance.models import Severity
from incidents.models import Incident, IncidentUpdate

pytestmark = pytest.mark.django_db
MINUTE = datetime.timedelta(minutes=1)


def _incident(opened, *, acknowledged=None, resolved=None, updates=(), title="x"):
    row = Incident.objects.create(
        title=title,
        severity=Severity.objects.get(key="P2"),
        opened_at=opened,
        ladder_started_at=opened,
        acknowledged_at=acknowledged,
        resolved_at=resolved,
        status="resolved" if resolved else "open",
    )
    for at in updates:
        IncidentUpdate.objects.create(
            incident=row, kind="incident_update", status="investigating", body="u", posted_at=at
        )
    return row


def _report(now):
    return compliance.build_report(
        start=now - datetime.timedelta(days=1), end=now + datetime.timedelta(days=1), now=now
    )


def test_an_incident_inside_its_response_window_is_pending_not_missed():
    now = timezone.now()
    fresh = _incident(now - MINUTE)
    report = _report(now)
    assert report.acks_in_time.pending_ids == [fresh.pk]
    assert (report.acks_in_time.good, report.acks_in_time.total) == (0, 0)
    assert report.updates_in_slot.pending_ids == [fresh.pk]
    assert report.updates_in_slot.total == 0


def test_an_incident_past_its_response_window_unacknowledged_is_not_met():
    now = timezone.now()
    stale = _incident(now - 20 * MINUTE)
    report = _report(now)
    assert report.acks_in_time.bad_ids == [stale.pk] and report.acks_in_time.pending == 0


def test_the_same_incident_is_pending_then_not_met_as_time_passes():
    opened = timezone.now() - 5 * MINUTE
    incident = _incident(opened, updates=[opened + 10 * MINUTE])
    assert _report(opened + 12 * MINUTE).updates_in_slot.pending_ids == [incident.pk]
    later = _report(opened + 50 * MINUTE)
    assert later.updates_in_slot.pending == 0
    assert (later.updates_in_slot.good, later.updates_in_slot.total) == (1, 2)


def test_hours_on_call_count_up_to_now_never_future_weeks(rotation):
    now = timezone.now()
    start = now - datetime.timedelta(hours=30)
    report = compliance.build_report(start=start, end=now + datetime.timedelta(weeks=8), now=now)
    total = sum(person.hours_on_call for person in report.people)
    assert 0 < total <= 2 * 30 + 0.1  # Primary and Secondary, 30 hours each at most


def _page_queries(client) -> int:
    client.get(reverse("compliance:report"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("compliance:report"))
    assert response.status_code == 200
    return len(queries)


def test_the_report_page_costs_the_same_for_three_or_sixty_incidents(client, owner):
    client.force_login(owner)
    now = timezone.now()
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)

    def add(count):
        for n in range(count):
            opened = max(first, now - datetime.timedelta(hours=n + 1))
            _incident(
                opened,
                acknowledged=opened + 3 * MINUTE,
                resolved=opened + 40 * MINUTE,
                updates=[opened + 20 * MINUTE],
            )

    add(3)
    small = _page_queries(client)
    add(57)
    assert _page_queries(client) == small
