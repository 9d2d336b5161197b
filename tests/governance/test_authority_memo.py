"""Issue 16 point 1: who holds which role is read once per request or sweep, "may this user do
these N actions" costs a bounded number of queries, and a change within a request is seen."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from governance import authority
from governance.approvals import services as approvals
from governance.core import memo
from governance.killswitch import services as killswitch
from governance.models import Workspace
from tests.conftest import assign
from tests.helpers.killswitch import scenario, severity

pytestmark = pytest.mark.django_db


def _pause(actor, number: int):
    """An error-rate > 10% pause of its own workspace, awaiting the Owner (D9 §5.1)."""
    workspace = Workspace.objects.create(name=f"Client {number}", slug=f"client-{number}")
    return killswitch.activate_kill_switch(
        actor=actor,
        scenario=scenario("error_rate_10"),
        severity=severity(),
        reason="errors at 12%",
        workspace=workspace,
    )


def _pending_queries(user) -> tuple[int, int]:
    approvals.pending_for(user)  # process-wide caches (content types) warm, as in production
    with CaptureQueriesContext(connection) as queries:
        pending = approvals.pending_for(user)
    return len(pending), len(queries)


def test_pending_approvals_cost_the_same_for_two_or_eight_requests(people):
    for number in range(2):
        _pause(people["primary"], number)
    small = _pending_queries(people["owner"])
    for number in range(2, 8):
        _pause(people["primary"], number)
    large = _pending_queries(people["owner"])
    assert (small[0], large[0]) == (2, 8)
    # Requests addressed to the user and those pending on a role they hold now (a backup or a
    # successor, D9 §1.3), then the requests with their requirements and the engine's memo.
    assert large[1] == small[1] <= 15


def test_requests_the_user_may_not_decide_cost_nothing_more_per_row(people):
    for number in range(2):
        _pause(people["primary"], number)
    small = _pending_queries(people["pm"])
    for number in range(2, 8):
        _pause(people["primary"], number)
    assert _pending_queries(people["pm"]) == small == (0, small[1])


def test_many_decisions_for_one_user_read_the_roles_once(people):
    questions = [("decision.go_no_go", None), ("decision.rollback", None)] * 10
    at = timezone.now()
    with CaptureQueriesContext(connection) as one:
        authority.decide_many(people["owner"], questions[:2], at=at)
    with CaptureQueriesContext(connection) as twenty:
        authority.decide_many(people["owner"], questions, at=at)
    assert len(twenty) <= len(one) + 2


def test_who_holds_a_role_is_read_once_within_a_memo(people):
    now = timezone.now()
    with memo.memoised():
        authority.roles_of(people["owner"], at=now)
        authority.holders("ingestion_owner", at=now)
        with CaptureQueriesContext(connection) as again:
            later = now + datetime.timedelta(minutes=5)
            assert "ingestion_owner" in authority.roles_of(people["owner"], at=later)
            authority.holders("ingestion_owner", at=later)
    assert [q["sql"] for q in again.captured_queries] == []


def test_a_role_change_within_a_memo_is_seen_at_once(people):
    now = timezone.now()
    with memo.memoised():
        assert "ingestion_owner" in authority.roles_of(people["owner"], at=now)
        assign("ingestion_owner", people["pm"])
        assert "ingestion_owner" not in authority.roles_of(people["owner"], at=now)
        assert "ingestion_owner" in authority.roles_of(people["pm"], at=now)


def test_without_a_memo_nothing_is_kept(people):
    now = timezone.now()
    authority.roles_of(people["owner"], at=now)
    with CaptureQueriesContext(connection) as again:
        authority.roles_of(people["owner"], at=now)
    assert len(again) > 0


def test_the_pending_approvals_card_costs_the_same_for_two_or_eight_requests(client, people):
    client.force_login(people["owner"])

    def card_queries() -> int:
        client.get("/")
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/")
        assert response.status_code == 200
        return len(queries)

    for number in range(2):
        _pause(people["primary"], number)
    small = card_queries()
    for number in range(2, 8):
        _pause(people["primary"], number)
    assert card_queries() == small
