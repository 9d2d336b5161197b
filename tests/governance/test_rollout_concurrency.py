"""Two approvers deciding at the same instant (PostgreSQL, separate connections): both decisions
are recorded and the phase advances exactly once (DESIGN "Approvals and sign-offs")."""

import threading

import pytest
from django.db import connection, connections

from governance.models import ApprovalDecision, PhaseTransition
from governance.rollout import services as rollout
from tests.helpers.signoffs import phase, set_phase


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_approvers_at_the_same_instant_advance_the_phase_exactly_once(owner, pm, db_owner):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks (select_for_update); SQLite serialises writes")
    set_phase("P1")
    advance = rollout.request_phase_advance(actor=db_owner, criteria="Met.")
    barrier = threading.Barrier(2)
    errors = []

    def decide(person):
        try:
            barrier.wait(timeout=10)
            rollout.sign(request=advance.approval, actor=person, statement="Go.")
        except Exception as error:  # reported below: the test fails with it
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=decide, args=(p,)) for p in (owner, pm)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert ApprovalDecision.objects.filter(request=advance.approval).count() == 2
    assert PhaseTransition.objects.filter(advance=advance).count() == 1
    assert phase() == "P2"
