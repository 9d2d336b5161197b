"""Settings of the benchmark servers: the portal's, with the benchmarks' URLconf."""

from governance.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
