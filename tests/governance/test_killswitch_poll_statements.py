"""Issue 16 point 6: the kill-switch poll is one statement on the database for a token client at
most, and none on PostgreSQL when the process has the token's row (governance/killswitch/
mirror.py; tests/governance/test_killswitch_poll_mirror.py tests how a change reaches it).

Statements are counted at the driver: a cursor class on the raw connection sees every statement
Django sends, the statements it sends around its own wrappers too (the PostgreSQL connection
health check runs on a raw cursor, which `connection.execute_wrapper` never sees). Requests go
through Django's WSGI handler, not the test client, so the request_started/request_finished
connection handling (persistent connections, health checks) runs as under gunicorn.
"""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.utils import timezone

from governance.killswitch import services as killswitch
from governance.killswitch.mirror import TRUST_SECONDS
from governance.models import ApiToken, Workspace
from tests.helpers.killswitch import activate, poll
from tests.helpers.statements import statements
from tests.helpers.waiting import eventually

# The WSGI handler's end-of-request connection handling would close a connection held inside
# a test's transaction: the tests that count a request's statements run outside one.
pytestmark = pytest.mark.django_db(transaction=True)


def grow(people, count: int) -> None:
    """More of what the poll's query reads past: tokens, workspaces, pauses."""
    start = Workspace.objects.count()
    for n in range(start, start + count):
        ApiToken.issue(user=people["outsider"], name=f"other {n}")
        workspace = Workspace.objects.create(name=f"Client {n}", slug=f"client-{n}")
        activate(people["primary"], "error_rate_20", workspace)


def cold_and_warm_statements(key: str) -> tuple[list[str], list[str]]:
    """The statements of a poll reading the token's row, then of one answered from it."""
    bearer = f"Bearer {key}"
    # A state of this test's own: the answer kept for it was computed here, on today's clock.
    killswitch.bump_state(at=timezone.now())
    assert poll(bearer)[0] == 200  # fills the answer cache (and the token's first last use)
    assert poll(bearer)[0] == 200  # the second request is the first with a health check
    # Past the mirror's trust in the row it kept: the next poll reads the row afresh.
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=TRUST_SECONDS + 1)):
        with statements() as cold:
            assert poll(bearer)[0] == 200
        warm = warm_poll(bearer)
    return cold, warm


def warm_poll(bearer: str) -> list[str]:
    """The statements of a poll answered from the process's rows: a notification of the
    changes before it (the test's setup) may still be on its way, so a poll may read the
    database again, once; after that, nothing has changed."""
    for _ in range(50):
        with statements() as sent:
            assert poll(bearer)[0] == 200
        assert len(sent) <= 1, sent
        if not sent or connection.vendor != "postgresql":
            return sent
    raise AssertionError("every poll read the database")


def test_persistent_connections_skip_the_per_request_health_check():
    database = settings.DATABASES["default"]
    assert database["CONN_MAX_AGE"] > 0
    assert database["CONN_HEALTH_CHECKS"] is False
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is False


def test_a_token_poll_is_one_statement_and_none_when_warm_at_two_data_sizes(people, workspace):
    key = ApiToken.issue(user=people["outsider"], name="ingestion")[1]
    grow(people, 1)
    small = cold_and_warm_statements(key)
    grow(people, 5)
    larger = cold_and_warm_statements(key)
    # PostgreSQL: the lookup prepared once per connection (the warm-up did), then executed;
    # SQLite reads the database every time.
    expected = "EXECUTE killswitch_poll" if connection.vendor == "postgresql" else "SELECT t."
    for cold, warm in (small, larger):
        assert len(cold) == 1 and cold[0].startswith(expected), cold
        assert warm == ([] if connection.vendor == "postgresql" else cold[:1]), warm
        if connection.vendor != "postgresql":
            assert warm[0].startswith(expected), warm


def test_the_counter_sees_the_health_check_the_settings_leave_out(people, workspace):
    """The twin of the test above: with Django's health check on, the same poll is two
    statements on PostgreSQL, so the counter above would have caught it."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's health check sends no statement")
    key = ApiToken.issue(user=people["outsider"], name="ingestion")[1]
    connection.settings_dict["CONN_HEALTH_CHECKS"] = True
    connection.health_check_enabled = True
    try:
        sent, _ = cold_and_warm_statements(key)
    finally:
        connection.settings_dict["CONN_HEALTH_CHECKS"] = False
        connection.health_check_enabled = False
    assert sent[0] == "SELECT 1" and len(sent) == 2, sent


def test_last_use_is_written_at_most_every_five_minutes(people, workspace):
    key = ApiToken.issue(user=people["outsider"], name="ingestion")[1]
    bearer = f"Bearer {key}"
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        assert poll(bearer)[0] == 200
        written = ApiToken.objects.get(name="ingestion").last_used_at
        assert written == start
        assert len(warm_poll(bearer)) <= 1
        traveller.shift(datetime.timedelta(minutes=5, seconds=1))
        with statements() as sent:
            assert poll(bearer)[0] == 200
        # (The answer's cache expired too, so this request also reads the state afresh.)
        assert [q.split()[0] for q in sent].count("UPDATE") == 1, sent
        assert ApiToken.objects.get(name="ingestion").last_used_at > written
        # The process's row carries the new last use: no second write.
        assert not [q for q in warm_poll(bearer) if q.startswith("UPDATE")]


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        (None, "No Authorization header: send 'Authorization: Bearer <API token>'."),
        ("Basic dXNlcjpwdw==", "The Authorization header is not 'Bearer <API token>'."),
        ("Bearer ", "The Authorization header is not 'Bearer <API token>'."),
        ("Bearer gp_not-a-token", "Unknown API token."),
    ],
)
def test_a_poll_without_a_valid_token_is_refused_naming_the_problem(workspace, header, problem):
    with statements() as sent:
        status, headers, body = poll(header)
    assert status == 401
    assert headers["Content-Type"] == "application/json"
    assert headers["WWW-Authenticate"] == 'Bearer realm="kill-switch"'
    assert body.decode() == f'{{"error": "{problem}"}}'
    # A refusal costs at most the token lookup (prepared first on a new PostgreSQL connection):
    # no session, no user.
    assert len([sql for sql in sent if not sql.startswith("PREPARE ")]) <= 1, sent


def test_a_revoked_token_and_a_deactivated_owner_are_refused_by_name(people, workspace):
    key = ApiToken.issue(user=people["outsider"], name="ingestion")[1]
    ApiToken.objects.update(revoked_at=timezone.now())
    status, _, body = poll(f"Bearer {key}")
    assert (status, body) == (401, b'{"error": "This API token has been revoked."}')
    ApiToken.objects.update(revoked_at=None)
    people["outsider"].is_active = False
    people["outsider"].save()
    # The process kept the revoked row; the notifications of both changes replace it.
    revoked = b'{"error": "This API token has been revoked."}'
    assert eventually(lambda: poll(f"Bearer {key}")[2] != revoked)
    status, _, body = poll(f"Bearer {key}")
    assert (status, body) == (401, b'{"error": "The owner of this API token is deactivated."}')


def test_the_poll_answered_first_still_gets_the_host_check_and_security_headers(people, workspace):
    """The poll skips the session-to-memo middleware (governance.killswitch.api
    .AnswerPollFirst), not what guards every request."""
    key = ApiToken.issue(user=people["outsider"], name="ingestion")[1]
    status, headers, _ = poll(f"Bearer {key}")
    assert status == 200
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "Set-Cookie" not in headers and "Vary" not in headers
    status, _, body = poll(f"Bearer {key}", host="evil.example")
    assert status == 400
    status, _, body = poll(f"Bearer {key}", query="workspace=a%00b")
    assert status == 400 and b"field" in body
