"""The floor of bench/poll_throughput.py: a bare WSGI app returning the poll's bytes, no Django.

Its body is BENCH_BODY (the kill-switch poll's answer, fetched by the bench before starting it).
"""

import os

BODY = os.environ.get("BENCH_BODY", '{"ok": true}').encode()
HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))]


def application(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
