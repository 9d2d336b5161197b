"""The sweep's cost is a fixed handful of queries per batch of steps, not a few per step or mail."""

import pytest

from governance.models import Notification
from incidents.escalation import escalate_due
from incidents.models import IncidentEvent
from tests.incidents.conftest import minutes_after


@pytest.mark.parametrize("incidents", [1, 12])
def test_paging_the_secondary_on_many_p1s_costs_what_paging_on_one_does(
    crew, declare, clock, incidents, django_assert_max_num_queries
):
    opened = [declare("P1", title=f"Incident {n}") for n in range(incidents)]
    fifteen = minutes_after(opened[0], 15)
    clock.move_to(fifteen, tick=False)

    # The due ids; one batch: lock the steps, look up each role's holders once, mark them
    # fired, insert events and responders, and record the mails with one bulk insert between
    # a read of the keys already recorded (and of the people's rules and verified contact
    # methods) and a read of the new ids; the events enter the tamper-evident record under one
    # lock of its head (lock, insert the entries, move the head: issue 20).
    with django_assert_max_num_queries(20):
        assert escalate_due(now=fifteen) == f"fired {2 * incidents} step(s)"

    # The ladder's and the response track's steps both page the secondary: one mail each.
    assert Notification.objects.filter(recipient=crew["secondary"]).count() == incidents
    assert IncidentEvent.objects.filter(at=fifteen, step__isnull=False).count() == 2 * incidents
