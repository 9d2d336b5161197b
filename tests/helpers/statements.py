"""Every statement a block sends on the default connection, as the database receives it.

On PostgreSQL the statements are read from libpq's protocol trace, which sees every statement
whatever sends it: Django's cursors, the statements Django sends around its own wrappers (the
connection health check runs on a raw cursor, which `connection.execute_wrapper` never sees)
and the kill-switch poll's libpq call. A simple query is its SQL, an execution of a named
prepared statement "EXECUTE <name>" and its preparation "PREPARE <name>". On SQLite the
execute wrapper is the only path to the database.
"""

import re
import tempfile
from contextlib import contextmanager

from django.db import connection
from psycopg import pq


@contextmanager
def statements():
    sent = []
    connection.ensure_connection()
    if connection.vendor != "postgresql":
        with connection.execute_wrapper(lambda run, sql, *a: sent.append(sql) or run(sql, *a)):
            yield sent
        return
    pgconn = connection.connection.pgconn
    with tempfile.TemporaryFile() as trace:
        pgconn.trace(trace.fileno())
        pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
        try:
            yield sent
        finally:
            pgconn.untrace()
            trace.seek(0)
            sent.extend(sent_statements(trace.read().decode()))


def sent_statements(trace: str) -> list[str]:
    """The statements in a libpq trace: frontend (F) Query, Parse and Bind messages."""
    found, unnamed = [], ""
    for line in trace.splitlines():
        direction, _, kind, *rest = line.split("\t", 3)
        body = rest[0].strip() if rest else ""
        if direction != "F":
            continue
        if kind == "Query":
            found.append(body[1:-1])
        elif kind == "Parse":
            name, sql = re.match(r'"([^"]*)" "(.*)" \d+', body).groups()
            if name:
                found.append(f"PREPARE {name}")
            else:
                unnamed = sql
        elif kind == "Bind":
            name = re.match(r'"[^"]*" "([^"]*)"', body).group(1)
            found.append(f"EXECUTE {name}" if name else unnamed)
    return found
