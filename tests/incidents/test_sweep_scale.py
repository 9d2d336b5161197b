"""Issue 16 point 3: the incidents sweep costs a fixed number of queries per batch of steps,
whatever their number and kinds — pages of several roles, P3 follow-up tickets (D9 §4.2), P3
steps held at the On-Call (§4.3), update and review reminders (§7.1, §2.1), and steps of an
incident resolved just before the sweep locked them."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance import authority
from governance.models import Notification
from governance.record.verify import verify_chain
from incidents import services
from incidents.escalation import escalate_due
from incidents.models import FollowUpTicket, Incident, IncidentEvent, IncidentStep
from tests.incidents.conftest import START

# Six days on every step below is due: the ladders, the response tracks, the missed update
# slots, and the first review reminder (a working day before the P1 review's deadline).
SWEEP = START + datetime.timedelta(days=6)


def open_mixed(declare, crew, units: int) -> list[Incident]:
    """`units` times: an unacknowledged P1, P2 and P3 (not client-facing), a resolved P1 (its
    review open), and a P2 resolved behind the sweep's back (its steps still pending, as when
    it resolves while a sweep holds them)."""
    incidents = []
    for n in range(units):
        incidents += [declare(key, title=f"{key} {n}") for key in ("P1", "P2", "P3")]
        resolved = declare("P1", title=f"P1 resolved {n}")
        services.resolve(
            incident=resolved, actor=crew["primary"], root_cause="Disk", resolution="Freed"
        )
        raced = declare("P2", title=f"P2 raced {n}")
        Incident.objects.filter(pk=raced.pk).update(status="resolved", resolved_at=START)
        incidents += [resolved, raced]
    return incidents


def due_kinds() -> set[str]:
    due = IncidentStep.objects.filter(fired_at=None, cancelled_at=None, due_at__lte=SWEEP)
    return set(due.values_list("kind", flat=True))


# The due ids; one batch: lock the steps; read the batch's existing ladder tickets, insert the
# new ones and their history; who holds the roles (roles, rotation weeks and overrides,
# assignments, the tiers: once per run) and the update cadence; mark the steps fired; insert
# responders and the next reminders; record the mails (keys, rules, methods, insert, ids); the
# events and their entries in the tamper-evident record (lock its head, insert, move the head).
QUERIES = 23


@pytest.mark.parametrize("units", [1, 2])
def test_a_mixed_sweep_costs_the_same_at_29_and_58_due_steps(crew, declare, clock, units):
    incidents = open_mixed(declare, crew, units)
    clock.move_to(SWEEP, tick=False)
    assert due_kinds() == {"ladder", "response", "update", "review"}
    due = IncidentStep.objects.filter(fired_at=None, cancelled_at=None, due_at__lte=SWEEP).count()
    assert due == 29 * units

    with CaptureQueriesContext(connection) as queries:
        assert escalate_due(now=SWEEP) == f"fired {due} step(s)"
    savepoints = sum(q["sql"].startswith(("SAVEPOINT", "RELEASE")) for q in queries)
    assert len(queries) - savepoints == QUERIES

    fired = IncidentEvent.objects.filter(at=SWEEP, step__isnull=False)
    assert fired.count() == due
    # The week changed on Monday: the On-Call Primary of the sweep's instant is assigned.
    primary = authority.holders("on_call_primary", at=SWEEP)[0]
    p3s = [i for i in incidents if i.severity.key == "P3"]
    assert FollowUpTicket.objects.filter(review=None).count() == len(p3s)
    for incident in p3s:
        ticket = FollowUpTicket.objects.get(incident=incident, review=None)
        assert ticket.assignee == primary and ticket.history.count() == 1
        assert fired.get(incident=incident, kind=IncidentEvent.Kind.TICKET).text.endswith(
            f"follow-up ticket #{ticket.pk} created for {primary.get_full_name()}."
        )
        assert fired.filter(incident=incident, text__contains="D9 §4.3 P3").count() == 2
    assert fired.filter(text__endswith="incident already resolved.").count() == 7 * units
    assert fired.filter(kind=IncidentEvent.Kind.REVIEW).count() == units
    assert fired.filter(kind=IncidentEvent.Kind.UPDATE_OVERDUE).count() == 3 * units
    # The Owner: paged once per P1 and P2 (ladder and response track share the page), told of
    # the P2 at 60 min; never for the P3 (D9 §4.3).
    to_owner = Notification.objects.filter(recipient=crew["owner"], template="incident-escalation")
    assert to_owner.count() == 3 * units
    assert verify_chain().ok
    assert escalate_due(now=SWEEP) == "nothing due"


def test_a_ladder_ticket_that_exists_is_kept_not_opened_twice(crew, declare, clock):
    """D9 §4.2 "Ticket if unresolved": one ladder ticket per incident; one already there (opened
    by hand) is the one the step names."""
    incident = declare("P3")
    existing = FollowUpTicket.objects.create(
        incident=incident, created_at=START, summary="Opened by hand"
    )
    clock.move_to(START + datetime.timedelta(minutes=60), tick=False)
    escalate_due(now=START + datetime.timedelta(minutes=60))
    assert list(FollowUpTicket.objects.filter(incident=incident)) == [existing]
    event = IncidentEvent.objects.get(incident=incident, kind=IncidentEvent.Kind.TICKET)
    assert f"follow-up ticket #{existing.pk} created" in event.text


def test_nothing_due_is_one_query_however_many_steps_wait(crew, declare, clock):
    for key in ("P1", "P2", "P3"):
        declare(key)
    with CaptureQueriesContext(connection) as queries:
        assert escalate_due(now=START + datetime.timedelta(minutes=1)) == "nothing due"
    assert len(queries) == 1
