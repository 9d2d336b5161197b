"""GET /api/kill-switch/: is ingestion paused (globally or for ?workspace=SLUG)?

Polled constantly by the ingestion system, so one statement on the database per request on a
warm cache (issue 16 point 6): the token check and the kill-switch state version come back in
the same SELECT; a token client sends no session cookie, so no middleware reads a session or a
user, and persistent connections skip Django's health check (governance/env.py). The answer is
cached per (version, workspace) and carries an ETag, so an unchanged state answers 304.
Every kill-switch change bumps the version, so every process sees it on its next request.
"""

import datetime
import weakref

from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET

from governance.killswitch import services as killswitch
from governance.models import ApiToken, KillSwitchState

CACHE_SECONDS = 300
LAST_USED_EVERY = 300


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
        f'(SELECT s."version" FROM "{state.db_table}" s WHERE s."id" = 1) '
        f'FROM "{token.db_table}" t INNER JOIN "{user.db_table}" u ON u."id" = t."user_id" '
        f'WHERE t."key_hash" = %s LIMIT 1'
    )


_LOOKUP_SQL = None
# The raw PostgreSQL connections on which the lookup is a prepared statement. Planning the
# join costs about three times running it (0.17 ms of 0.23 ms, EXPLAIN ANALYZE): prepared once
# per connection, a poll is one EXECUTE. A persistent connection lives CONN_MAX_AGE (60 s), so
# a thread sends one PREPARE a minute at most. (SQL-level PREPARE needs the session: no
# transaction-pooling pgbouncer between the portal and PostgreSQL.)
_PREPARED = weakref.WeakSet()


def _lookup(cursor, key_hash: str) -> None:
    """Run the lookup on `cursor` (the row is then fetched from it): one statement a poll."""
    global _LOOKUP_SQL
    if _LOOKUP_SQL is None:
        _LOOKUP_SQL = _lookup_sql()
    if connection.vendor != "postgresql":
        cursor.execute(_LOOKUP_SQL, [key_hash])
        return
    raw = connection.connection
    if raw not in _PREPARED:
        cursor.execute(f"PREPARE killswitch_poll (text) AS {_LOOKUP_SQL.replace('%s', '$1')}")
        _PREPARED.add(raw)
    cursor.execute("EXECUTE killswitch_poll (%s)", [key_hash])


class Refused(Exception):
    """Why the poll is refused: the 401's message."""


def _token_and_version(request):
    """(token id, last used, state version) in one query; raises Refused naming the problem."""
    header = request.headers.get("Authorization", "")
    if not header:
        raise Refused("No Authorization header: send 'Authorization: Bearer <API token>'.")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Refused("The Authorization header is not 'Bearer <API token>'.")
    with connection.cursor() as cursor:
        _lookup(cursor, ApiToken.hash_key(key.strip()))
        row = cursor.fetchone()
    if row is None:
        raise Refused("Unknown API token.")
    token_id, last_used_at, unrevoked, owner_active, version = row
    if not unrevoked:
        raise Refused("This API token has been revoked.")
    if not owner_active:
        raise Refused("The owner of this API token is deactivated.")
    # A raw select on SQLite hands back naive UTC (or text); PostgreSQL an aware datetime.
    if isinstance(last_used_at, str):
        last_used_at = parse_datetime(last_used_at)
    if last_used_at is not None and timezone.is_naive(last_used_at):
        last_used_at = timezone.make_aware(last_used_at, datetime.UTC)
    return token_id, last_used_at, version


@require_GET
def kill_switch_status(request):
    """JSON: paused, scope, since, activation — with ETag/304 and a cache per state version."""
    try:
        token_id, last_used_at, version = _token_and_version(request)
    except Refused as refusal:
        response = JsonResponse({"error": str(refusal)}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="kill-switch"'
        return response
    now = timezone.now()
    # Last use is written at most every LAST_USED_EVERY seconds per token: a poller asking
    # every second costs one UPDATE per five minutes, not one per request, and the admin's
    # "last used" column is still right to five minutes (enough to spot a dead integration).
    if last_used_at is None or (now - last_used_at).total_seconds() > LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
    slug = request.GET.get("workspace", "")[:60]
    etag = f'"ks-{version or 0}-{slug}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
        response["ETag"] = etag
        return response
    cache_key = f"killswitch:status:{version or 0}:{slug}"
    body = cache.get(cache_key)
    if body is None:
        payload = killswitch.status_payload(workspace_slug=slug)
        if payload is None:
            return JsonResponse({"error": f"No workspace {slug!r}."}, status=404)
        payload["version"] = version or 0
        body = JsonResponse(payload).content
        cache.set(cache_key, body, CACHE_SECONDS)
    response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = "no-cache"
    return response
