"""GET /api/kill-switch/: is ingestion paused (globally or for ?workspace=SLUG)?

Polled constantly by the ingestion system, so at most one statement on the database per request
(issue 16 point 6): the token check and the kill-switch state version come back in the same
SELECT, and on PostgreSQL a process that has read a token's row answers from it until a trigger's
NOTIFY says something changed (governance/killswitch/mirror.py): no statement at all. The poll
is answered before the session and user middleware (`AnswerPollFirst`), and persistent
connections skip Django's health check (governance/env.py).
The answer is kept per (version, last change, workspace) in the process's memory and carries an
ETag, so an unchanged state answers 304.
Every kill-switch change bumps the version, so every process sees it on its next request.
"""

import datetime
import functools
import weakref
import zlib
from typing import NamedTuple

from django.db import DatabaseError, connection
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET
from psycopg import pq

from governance.killswitch import services as killswitch
from governance.killswitch.mirror import MIRROR
from governance.models import ApiToken, KillSwitchState

# Where governance/urls.py serves the poll, and where AnswerPollFirst answers it.
PATH = "api/kill-switch/"
CACHE_SECONDS = 300
# The answers by (state version, instant of its last change, workspace), in the process's own
# memory. Both come with the token's row, read afresh or kept until a change is announced
# (mirror.py), so an answer kept here is never stale, and a poll costs no round trip to a cache
# server (CACHE_URL is Redis in production). The instant tells apart two states of one
# version: a version number comes back after a restore from an earlier backup, or after a
# rolled-back transaction (a test's). Cleared when full.
_ANSWERS: dict[tuple[int, str | None, str], tuple[float, bytes]] = {}
ANSWERS_KEPT = 1_000
LAST_USED_EVERY = 300


@functools.cache
def _lookup_sql() -> str:
    """The one SELECT behind every poll, written once: building it through the ORM costs
    about ten times the query itself on this hot path (measured with bench/poll_throughput.py).
    It reads the token whatever its state, so a refusal can say why (revoked, owner
    deactivated) without a second query."""
    token = ApiToken._meta
    user = ApiToken._meta.get_field("user").related_model._meta
    state = KillSwitchState._meta
    return (
        f'SELECT t."id", t."last_used_at", t."revoked_at" IS NULL, u."is_active", '
        f's."version", s."changed_at" '
        f'FROM "{token.db_table}" t INNER JOIN "{user.db_table}" u ON u."id" = t."user_id" '
        f'LEFT JOIN "{state.db_table}" s ON s."id" = 1 '
        f'WHERE t."key_hash" = %s LIMIT 1'
    )


class TokenRow(NamedTuple):
    token_id: int
    last_used_at: datetime.datetime | None
    unrevoked: bool
    owner_active: bool
    version: int | None
    # As the database gives it: only compared, never read.
    state_changed_at: str | None


_STATEMENT = b"killswitch_poll"
# The raw PostgreSQL connections on which the lookup is prepared. On PostgreSQL a read is one
# libpq PQexecPrepared: planning the join costs about three times running it (0.17 ms of
# 0.23 ms, EXPLAIN ANALYZE), and psycopg's cursor machinery about ten times the libpq call
# itself (170 µs against 15 µs of CPU a poll, bench/poll_throughput.py's numbers before and
# after), which halved the poll's throughput beside a plain Django view. A persistent
# connection lives CONN_MAX_AGE (60 s), so a thread prepares once a minute at most. (A named
# prepared statement needs the session: no transaction-pooling pgbouncer between the portal
# and PostgreSQL.) libpq releases the GIL while it waits, as a cursor does.
_PREPARED = weakref.WeakSet()


def _lookup_postgresql(key_hash: str) -> TokenRow | None:
    # What Django does before a cursor: the health check (when enabled), then connect.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = connection.connection
    if raw not in _PREPARED:
        _checked(raw.pgconn.prepare(_STATEMENT, _lookup_sql().replace("%s", "$1").encode()))
        _PREPARED.add(raw)
    result = _checked(raw.pgconn.exec_prepared(_STATEMENT, [key_hash.encode()]))
    if result.ntuples == 0:
        return None
    token_id, last_used_at, unrevoked, owner_active, version, changed_at = (
        result.get_value(0, column) for column in range(6)
    )
    # Text results; the portal's connections run in UTC (Django sets the session's TimeZone).
    return TokenRow(
        int(token_id),
        datetime.datetime.fromisoformat(last_used_at.decode()) if last_used_at else None,
        unrevoked == b"t",
        owner_active == b"t",
        int(version) if version is not None else None,
        changed_at.decode() if changed_at is not None else None,
    )


def _checked(result):
    if result.status not in (pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK):
        # Django closes a connection that saw an error at the end of the request.
        connection.errors_occurred = True
        raise DatabaseError(result.error_message.decode(errors="replace"))
    return result


def _lookup(key_hash: str) -> TokenRow | None:
    """The lookup's row for `key_hash` (or None): at most one statement a poll, none on
    PostgreSQL when this process has the row and nothing changed since it read it."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_lookup_sql(), [key_hash])
            row = cursor.fetchone()
        if row is None:
            return None
        token_id, last_used_at, unrevoked, owner_active, version, changed_at = row
        # SQLite hands back naive UTC or text; the state's instant is compared as text, as
        # PostgreSQL's.
        if isinstance(last_used_at, str):
            last_used_at = parse_datetime(last_used_at)
        if last_used_at is not None and timezone.is_naive(last_used_at):
            last_used_at = timezone.make_aware(last_used_at, datetime.UTC)
        return TokenRow(
            token_id,
            last_used_at,
            bool(unrevoked),
            bool(owner_active),
            version,
            str(changed_at) if changed_at is not None else None,
        )
    if connection.in_atomic_block:
        # Its own uncommitted writes notify nobody: inside a transaction, read them.
        return _lookup_postgresql(key_hash)
    row, generation = MIRROR.get(key_hash)
    if row is None:
        row = _lookup_postgresql(key_hash)
        if row is not None:
            MIRROR.keep(key_hash, row, generation=generation)
    return row


class Refused(Exception):
    """Why the poll is refused: the 401's message."""


def _token_and_version(request) -> tuple[str, TokenRow]:
    """(the token's hash, its row) in one query at most; raises Refused naming the problem."""
    header = request.headers.get("Authorization", "")
    if not header:
        raise Refused("No Authorization header: send 'Authorization: Bearer <API token>'.")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Refused("The Authorization header is not 'Bearer <API token>'.")
    key_hash = ApiToken.hash_key(key.strip())
    row = _lookup(key_hash)
    if row is None:
        raise Refused("Unknown API token.")
    if not row.unrevoked:
        raise Refused("This API token has been revoked.")
    if not row.owner_active:
        raise Refused("The owner of this API token is deactivated.")
    return key_hash, row


@require_GET
def kill_switch_status(request):
    """JSON: paused, scope, since, activation — with ETag/304 and a cache per state version."""
    try:
        key_hash, row = _token_and_version(request)
    except Refused as refusal:
        response = JsonResponse({"error": str(refusal)}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="kill-switch"'
        return response
    now = timezone.now()
    # Last use is written at most every LAST_USED_EVERY seconds per token: a poller asking
    # every second costs one UPDATE per five minutes, not one per request, and the admin's
    # "last used" column is still right to five minutes (enough to spot a dead integration).
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > LAST_USED_EVERY:
        ApiToken.objects.filter(pk=row.token_id).update(last_used_at=now)
        MIRROR.amend(key_hash, row._replace(last_used_at=now))
    version = row.version or 0
    slug = request.GET.get("workspace", "")[:60]
    # The ETag tells the states apart as the answers' keys do.
    stamp = zlib.crc32(row.state_changed_at.encode()) if row.state_changed_at else 0
    etag = f'"ks-{version}-{stamp:x}-{slug}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
        response["ETag"] = etag
        return response
    key = (version, row.state_changed_at, slug)
    kept = _ANSWERS.get(key)
    if kept is not None and kept[0] > now.timestamp():
        body = kept[1]
    else:
        payload = killswitch.status_payload(workspace_slug=slug)
        if payload is None:
            return JsonResponse({"error": f"No workspace {slug!r}."}, status=404)
        payload["version"] = version
        body = JsonResponse(payload).content
        if len(_ANSWERS) >= ANSWERS_KEPT:
            _ANSWERS.clear()
        _ANSWERS[key] = (now.timestamp() + CACHE_SECONDS, body)
    response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = "no-cache"
    return response


class AnswerPollFirst:
    """Middleware answering the poll before the session, CSRF, user, two-factor, lockout,
    history and memo middleware: a token client carries no cookie and gets JSON, so none of
    them has anything to do, and passing through them cost a third of the poll's time
    (bench/poll_throughput.py). The host check, the HTTPS redirect, the security headers and
    the input guard run before it, as for every request (its place in MIDDLEWARE)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == f"/{PATH}":
            request.get_host()  # the ALLOWED_HOSTS check, which CommonMiddleware makes later
            return kill_switch_status(request)
        return self.get_response(request)
