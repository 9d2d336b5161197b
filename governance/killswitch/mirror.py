"""The kill-switch poll's rows kept in the web process and invalidated by PostgreSQL's
LISTEN/NOTIFY (issue 16 point 6). A warm poll sends no statement.

The poll reads one row per token: the token, its owner's active flag and the kill-switch state
version. On two cores the round trip for that row costs more than all of Django's middleware
(bench/poll_throughput.py), so each process keeps the rows it has read. A change must reach
every process at once, whichever process or host made it, so a trigger (migration
governance/0073) sends a NOTIFY on `CHANNEL` after every statement that changes a token's hash,
revocation or owner, a user's active flag or the kill-switch state, and each process LISTENs on
one connection of its own.
Before answering from its rows, a poll reads what has arrived on that connection. That is a
non-blocking read of its socket, with no statement and no wait. If a notification arrived, the
process forgets every row.

A notification reaches the listener a fraction of a millisecond after the change commits; a
poll in that window still gets the old answer, as it would if it had been sent a moment
earlier. No row is trusted longer than TRUST_SECONDS, and a listener that fails is replaced
(everything forgotten), so a listener whose connection silently died can make answers stale by
a second at most. Inside a transaction the poll always reads the database: the transaction's
own writes notify nobody until it commits (governance/killswitch/api.py).
"""

import threading
import time

import psycopg
from django.db import connection
from psycopg import pq

CHANNEL = "kill_switch_poll"
TRUST_SECONDS = 1.0
KEPT = 1_000


class Mirror:
    """Rows by key, forgotten at every notification on CHANNEL; one per process, shared by its
    threads (gunicorn's gthread workers)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._listener: psycopg.Connection | None = None
        self._retry_at = 0.0
        self._rows: dict[str, tuple[float, tuple]] = {}
        # Bumped whenever the rows are forgotten: a row read from the database before a
        # notification and handed in after it is not kept (see `keep`).
        self._generation = 0

    def get(self, key: str) -> tuple[tuple | None, int]:
        """(the row kept for `key`, or None; the generation to hand back to `keep`)."""
        now = time.time()
        with self._lock:
            self._hear(now)
            kept = self._rows.get(key)
            row = kept[1] if kept is not None and _within_trust(kept[0], now) else None
            return row, self._generation

    def keep(self, key: str, row: tuple, *, generation: int) -> None:
        """Keep `row`, read from the database after `get` returned `generation`, unless a
        notification came in between (the row may predate the change) or nobody listens."""
        with self._lock:
            if generation != self._generation or self._listener is None:
                return
            if len(self._rows) >= KEPT:
                self._rows.clear()
            self._rows[key] = (time.time() + TRUST_SECONDS, row)

    def amend(self, key: str, row: tuple) -> None:
        """Replace the row kept for `key`, if one is, after the process wrote to it itself
        (a write the triggers do not announce)."""
        with self._lock:
            kept = self._rows.get(key)
            if kept is not None:
                self._rows[key] = (kept[0], row)

    def close(self) -> None:
        with self._lock:
            self._forget()
            self._drop_listener()

    def _hear(self, now: float) -> None:
        """Forget every row if a notification arrived, or if there is no sound listener."""
        heard = self._drain() if self._listener is not None else None
        if heard is not None:
            if heard:
                self._forget()
            return
        # No listener yet, or one that failed: until a new one listens, nothing is kept.
        self._forget()
        self._drop_listener()
        if _within_trust(self._retry_at, now):
            return
        try:
            listener = psycopg.connect(**connection.get_connection_params(), autocommit=True)
            listener.execute(f"LISTEN {CHANNEL}")
        except psycopg.Error:
            # The poll's own statement will fail or succeed on its own; try again in a while
            # rather than on every poll.
            self._retry_at = now + TRUST_SECONDS
            return
        self._listener = listener

    def _drain(self) -> bool | None:
        """Whether a notification has arrived on the listener; None if the listener failed."""
        pgconn = self._listener.pgconn
        try:
            pgconn.consume_input()
        except psycopg.Error:
            return None
        if pgconn.status != pq.ConnStatus.OK:
            return None
        heard = False
        while pgconn.notifies() is not None:
            heard = True
        return heard

    def _forget(self) -> None:
        self._rows.clear()
        self._generation += 1

    def _drop_listener(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()


def _within_trust(until: float, now: float) -> bool:
    # Not after `until`, nor more than TRUST_SECONDS before it: a clock set back (an NTP
    # step) must not stretch the trust in a row.
    return 0 < until - now <= TRUST_SECONDS


MIRROR = Mirror()
