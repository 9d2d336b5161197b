"""Settings of the benchmark servers: the portal's, with the benchmarks' URLconf."""

import os

from governance.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
# What the plain JSON view answers: bench/poll_throughput.py sets the kill-switch poll's bytes.
BENCH_BODY = os.environ.get("BENCH_BODY", '{"ok": true}').encode()
