"""Issue 16 point 6: on PostgreSQL a web process answers the kill-switch poll from the rows it
has read, and every change to what the poll answers reaches it by LISTEN/NOTIFY, whatever path
made the change (governance/killswitch/mirror.py, migration governance/0073).

Changes are committed (transactional tests): a notification leaves at commit. Time is frozen,
so the mirror's trust in a row never runs out here unless a test moves the clock: a change seen
was announced, not waited out. A notification is on its way for a fraction of a millisecond, so
a test waits for the change to be seen rather than expecting it on the very next poll.
"""

import datetime
import json
import threading

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection, connections, transaction
from django.test import Client
from django.utils import timezone

from governance.killswitch import services as killswitch
from governance.killswitch.mirror import CHANNEL, MIRROR, TRUST_SECONDS
from governance.models import ApiToken
from tests.helpers.killswitch import activate, poll
from tests.helpers.statements import statements
from tests.helpers.waiting import eventually

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="LISTEN/NOTIFY is PostgreSQL's; SQLite reads the database on every poll",
    ),
]

REVOKED = (401, {"error": "This API token has been revoked."})
DEACTIVATED = (401, {"error": "The owner of this API token is deactivated."})
UNKNOWN = (401, {"error": "Unknown API token."})


def answer(key: str) -> tuple[int, dict]:
    status, _, body = poll(f"Bearer {key}")
    return status, json.loads(body)


def warm(key: str) -> None:
    """Poll until the process answers from its row: no statement."""
    assert answer(key)[0] == 200

    def answered_from_the_row():
        with statements() as sent:
            assert answer(key)[0] == 200
        return not sent

    assert eventually(answered_from_the_row)


@pytest.fixture
def frozen():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


@pytest.fixture
def token(people, workspace, frozen):
    token, key = ApiToken.issue(user=people["outsider"], name="ingestion")
    warm(key)
    return token, key


def revoke_in_bulk(token, people):
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    return REVOKED


def revoke_unannounced(token):
    """Revoke with the triggers off for this session (a superuser's setting): nobody is told."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            revoke_in_bulk(token, None)
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")


def revoke_and_save(token, people):
    token.revoked_at = timezone.now()
    token.save()
    return REVOKED


def revoke_in_raw_sql(token, people):
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE "{ApiToken._meta.db_table}" SET "revoked_at" = now() WHERE "id" = %s',
            [token.pk],
        )
    return REVOKED


def delete_the_token(token, people):
    token.delete()
    return UNKNOWN


def deactivate_the_owner(token, people):
    people["outsider"].is_active = False
    people["outsider"].save()
    return DEACTIVATED


def deactivate_owners_in_bulk(token, people):
    get_user_model().objects.filter(pk=people["outsider"].pk).update(is_active=False)
    return DEACTIVATED


@pytest.mark.parametrize(
    "change",
    [
        revoke_in_bulk,
        revoke_and_save,
        revoke_in_raw_sql,
        delete_the_token,
        deactivate_the_owner,
        deactivate_owners_in_bulk,
    ],
)
def test_a_change_to_the_token_by_any_path_reaches_a_warm_process(token, people, change):
    expected = change(token[0], people)
    assert eventually(lambda: answer(token[1]) == expected), answer(token[1])


def test_a_pause_reaches_a_warm_process(token, people, workspace):
    assert answer(token[1])[1]["paused"] is False
    activation = activate(people["primary"], "error_rate_20", workspace)
    assert eventually(lambda: answer(token[1])[1]["activation"] == activation.pk)
    assert answer(token[1])[1]["paused"] is True


def test_a_change_that_notifies_nobody_waits_out_the_trust_in_the_row(token, frozen):
    """The twin of the tests above: with the triggers off for one session, the same revocation
    reaches the process only when its trust in the row runs out, a second at most."""
    revoke_unannounced(token[0])
    assert not eventually(lambda: answer(token[1]) == REVOKED, seconds=0.5)
    frozen.shift(datetime.timedelta(seconds=TRUST_SECONDS))
    assert answer(token[1]) == REVOKED


def test_a_clock_set_back_does_not_stretch_the_trust_in_a_row(token, frozen):
    frozen.shift(datetime.timedelta(hours=-1))  # an NTP step back
    with statements() as sent:
        assert answer(token[1])[0] == 200
    assert sent == ["EXECUTE killswitch_poll"]


def test_a_lost_listener_is_replaced_and_its_rows_forgotten(token):
    # Unannounced, so only dropping the rows can make the revocation seen.
    revoke_unannounced(token[0])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND query = %s",
            [f"LISTEN {CHANNEL}"],
        )
        assert cursor.fetchone() == (True,)
    # The next poll finds the listener's connection closed: it reads the database.
    assert eventually(lambda: answer(token[1]) == REVOKED)
    ApiToken.objects.filter(pk=token[0].pk).update(revoked_at=None)
    assert eventually(lambda: answer(token[1])[0] == 200)
    warm(token[1])  # a new listener, and rows kept again


def test_inside_a_transaction_the_poll_reads_its_own_writes(token):
    class RolledBack(Exception):
        pass

    # The test client, not the WSGI handler: that one closes a connection left in a transaction
    # at the end of the request.
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token[1]}")
    with pytest.raises(RolledBack), transaction.atomic():
        revoke_in_bulk(token[0], None)
        response = client.get("/api/kill-switch/?workspace=acme")
        assert (response.status_code, response.json()) == REVOKED
        raise RolledBack
    # Rolled back: it notified nobody, and the row kept before it is still right.
    with statements() as sent:
        assert answer(token[1])[0] == 200
    assert sent == []


def test_a_row_read_before_a_notification_is_not_kept_after_it(token, people, workspace):
    stale, generation = MIRROR.get("a key read before the change")
    killswitch.bump_state(at=timezone.now())
    assert eventually(lambda: MIRROR.get("another key")[1] != generation)
    MIRROR.keep("a key read before the change", ("stale",), generation=generation)
    assert MIRROR.get("a key read before the change")[0] is None
    # The twin: read and kept with no notification in between, it is kept.
    _, generation = MIRROR.get("a key read before the change")
    MIRROR.keep("a key read before the change", ("fresh",), generation=generation)
    assert MIRROR.get("a key read before the change")[0] == ("fresh",)


def test_two_threads_polling_never_see_a_revoked_token_come_back(token):
    """Two threads of one process share its rows (gunicorn's gthread workers): once a thread
    has seen the revocation, none of its later polls is answered from a row read before it."""
    stop = threading.Event()
    seen: dict[int, list[int]] = {0: [], 1: []}

    def keep_polling(thread: int) -> None:
        try:
            while not stop.is_set():
                seen[thread].append(answer(token[1])[0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=keep_polling, args=(n,)) for n in seen]
    for thread in threads:
        thread.start()
    try:
        assert eventually(lambda: all(len(statuses) > 20 for statuses in seen.values()))
        revoke_in_bulk(token[0], None)
        assert eventually(lambda: all(401 in statuses for statuses in seen.values()))
        after = {n: len(statuses) for n, statuses in seen.items()}
        assert eventually(lambda: all(len(seen[n]) > after[n] + 20 for n in seen))
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    for statuses in seen.values():
        first_refusal = statuses.index(401)
        assert set(statuses[:first_refusal]) == {200}
        assert set(statuses[first_refusal:]) == {401}
