"""Issue 16 point 6: the kill-switch poll is one statement on the database for a token client.

Statements are counted at the driver: a cursor class on the raw connection sees every statement
Django sends, the statements it sends around its own wrappers too (the PostgreSQL connection
health check runs on a raw cursor, which `connection.execute_wrapper` never sees). Requests go
through Django's WSGI handler, not the test client, so the request_started/request_finished
connection handling (persistent connections, health checks) runs as under gunicorn.
"""

import datetime
import io
import sys

import pytest
import time_machine
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.utils import timezone

from governance.killswitch import services as killswitch
from governance.models import ApiToken, Workspace
from tests.helpers.killswitch import scenario, severity
from tests.helpers.statements import statements

# The WSGI handler's end-of-request connection handling would close a connection held inside
# a test's transaction: the tests that count a request's statements run outside one.
pytestmark = pytest.mark.django_db(transaction=True)


def poll(token: str | None, query: str = "workspace=acme", host: str = "testserver"):
    """GET /api/kill-switch/ through the WSGI handler: (status, headers, body)."""
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/api/kill-switch/",
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": host,
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
    }
    if token is not None:
        environ["HTTP_AUTHORIZATION"] = token
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer.update(status=int(status.split()[0]), headers=dict(headers))

    result = WSGIHandler()(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        result.close()  # request_finished: Django's end-of-request connection handling
    return answer["status"], answer["headers"], body


def grow(people, count: int) -> None:
    """More of what the poll's query reads past: tokens, workspaces, pauses."""
    start = Workspace.objects.count()
    for n in range(start, start + count):
        ApiToken.issue(user=people["outsider"], name=f"other {n}")
        workspace = Workspace.objects.create(name=f"Client {n}", slug=f"client-{n}")
        killswitch.activate_kill_switch(
            actor=people["primary"],
            scenario=scenario("error_rate_20"),
            severity=severity(),
            reason="errors",
            workspace=workspace,
        )


def warm_statements(key: str) -> list[str]:
    bearer = f"Bearer {key}"
    assert poll(bearer)[0] == 200  # fills the answer cache (and the token's first last use)
    assert poll(bearer)[0] == 200  # the second request is the first with a health check
    with statements() as sent:
        status, _, _ = poll(bearer)
    assert status == 200
    return sent


def test_persistent_connections_skip_the_per_request_health_check():
    database = settings.DATABASES["default"]
    assert database["CONN_MAX_AGE"] > 0
    assert database["CONN_HEALTH_CHECKS"] is False
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is False


def test_a_token_poll_is_one_statement_at_two_data_sizes(people, workspace):
    key = ApiToken.issue(user=people["outsider"], name="ingestion")[1]
    grow(people, 1)
    small = warm_statements(key)
    assert len(small) == 1, small
    grow(people, 5)
    larger = warm_statements(key)
    assert len(larger) == 1, larger
    # PostgreSQL: the lookup prepared once per connection (the warm-up did), then executed.
    expected = "EXECUTE killswitch_poll" if connection.vendor == "postgresql" else "SELECT t."
    assert larger[0].startswith(expected), larger


def test_the_counter_sees_the_health_check_the_settings_leave_out(people, workspace):
    """The twin of the test above: with Django's health check on, the same poll is two
    statements on PostgreSQL, so the counter above would have caught it."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's health check sends no statement")
    key = ApiToken.issue(user=people["outsider"], name="ingestion")[1]
    connection.settings_dict["CONN_HEALTH_CHECKS"] = True
    connection.health_check_enabled = True
    try:
        sent = warm_statements(key)
    finally:
        connection.settings_dict["CONN_HEALTH_CHECKS"] = False
        connection.health_check_enabled = False
    assert sent[0] == "SELECT 1" and len(sent) == 2, sent


def test_last_use_is_written_at_most_every_five_minutes(people, workspace):
    key = ApiToken.issue(user=people["outsider"], name="ingestion")[1]
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        assert len(warm_statements(key)) == 1
        written = ApiToken.objects.get(name="ingestion").last_used_at
        assert written == start
        traveller.shift(datetime.timedelta(minutes=5, seconds=1))
        with statements() as sent:
            assert poll(f"Bearer {key}")[0] == 200
        # (The answer's cache expired too, so this request also reads the state afresh.)
        assert [q.split()[0] for q in sent].count("UPDATE") == 1, sent
        assert ApiToken.objects.get(name="ingestion").last_used_at > written
        with statements() as sent:
            poll(f"Bearer {key}")
        assert len(sent) == 1


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
