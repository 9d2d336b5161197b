"""Throughput of the kill-switch poll on gunicorn, beside a plain Django view and a bare WSGI
app answering the same bytes (issue 16 point 6; not a test). Needs wrk (apt-get install wrk).

Migrates the database of DATABASE_URL (PostgreSQL: give it an empty one; a throwaway SQLite
file when unset) and seeds one workspace, one active pause and one API token. Then starts, on
free loopback ports and with the production server settings (governance/gunicorn_conf.py: 2
gthread workers; DEBUG off), the portal with the benchmarks' URLconf (bench/settings.py) and
bench/bare_wsgi.py, and drives each endpoint with wrk: GET /api/kill-switch/?workspace=acme with
the token, GET /api/plain/ (a plain Django JSON view answering the poll's bytes) and the bare
WSGI app (the same bytes without Django: the limit on this machine). Prints requests/s, p50 and
p99 latency and the share of the plain Django view's rate (medians of the rounds), each round's
rates, and the poll's share round by round. Target: the poll at least 80 % in the median round.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_poll \\
        .venv/bin/python bench/poll_throughput.py [--seconds 5] [--connections 16]
"""

import argparse
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.helpers.ports import free_port  # noqa: E402

POLL = "/api/kill-switch/?workspace=acme"
SEED = """
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.utils import timezone
from governance.models import (
    ApiToken, KillSwitchActivation, KillSwitchAction, KillSwitchScenario, Severity, Workspace)
from governance.killswitch import services as killswitch
user = get_user_model().objects.create_user("bench", password="pw")
ws = Workspace.objects.create(name="Acme", slug="acme")
now = timezone.now()
KillSwitchActivation(
    scenario=KillSwitchScenario.objects.get(key="error_rate_20"),
    action=KillSwitchAction.objects.get(key="pause_short"), severity=Severity.objects.get(key="P2"),
    scope="workspace", workspace=ws, scope_key="acme", reason="bench", activated_by=user,
    activated_at=now, starts_at=now, paused_at=now, status="active").save()
killswitch.bump_state(at=now)
print(connection.vendor)
print(ApiToken.issue(user=user, name="bench")[1])
"""


def seed(env: dict) -> tuple[str, str]:
    """Migrate (unless bench/run.py handed over its migrated copy) and seed; (database vendor,
    API token)."""
    if not env.get("BENCH_MIGRATED"):
        command = [sys.executable, "manage.py", "migrate", "-v0"]
        subprocess.run(command, cwd=ROOT, env=env, check=True)
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SEED],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return out[-2], out[-1]


def serve(app: str, port: int, env: dict) -> subprocess.Popen:
    """gunicorn with the production settings, except: no worker recycling (every 2 000
    requests it would restart a worker mid-measure) and no access or info log (the same for all
    three; it would measure the log, not the app)."""
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "-c",
        "python:governance.gunicorn_conf",
    ]
    command += [
        "--bind",
        f"127.0.0.1:{port}",
        "--max-requests",
        "0",
        "--access-logfile",
        "/dev/null",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen([*command, app], cwd=ROOT, env=env)
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit(f"gunicorn {app} did not listen on {port}")


def fetch(port: int, path: str, headers: dict) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers={"Host": "127.0.0.1", **headers})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    assert response.status == 200, (path, response.status, body)
    return body


def milliseconds(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def wrk(port: int, path: str, headers: dict, *, seconds: int, connections: int) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{path}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 30,
    ).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        print(
            f"  {path}: "
            + "; ".join(
                line.strip() for line in out.splitlines() if "rror" in line or "2xx" in line
            )
        )
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.MULTILINE))
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", out, re.MULTILINE)
    # wrk prints no latency distribution when no request completed (a server still waking,
    # a database busy dropping the previous bench's copy): a figure of nothing, not a crash.
    return {
        "rate": float(rate.group(1)) if rate else 0.0,
        "p50": milliseconds(latency["50"]) if "50" in latency else float("nan"),
        "p99": milliseconds(latency["99"]) if "99" in latency else float("nan"),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("bench/poll_throughput.py skipped: wrk is not installed (apt-get install wrk).")
        return 0
    workdir = tempfile.mkdtemp(prefix="bench_poll_")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{workdir}/bench.sqlite3",
        "PORTAL_VAR_DIR": os.environ.get("PORTAL_VAR_DIR") or workdir,
        "DEBUG": "false",
        "SECRET_KEY": "bench-" + "x" * 60,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
    }
    vendor, token = seed(env)
    auth = {"Authorization": f"Bearer {token}"}
    portal_port, bare_port = free_port(), free_port()
    portal = serve("governance.wsgi", portal_port, env)
    servers = [portal]
    try:
        body = fetch(portal_port, POLL, auth)
        # The plain view and the bare app answer the poll's bytes: restart with them set.
        portal.terminate()
        portal.wait(timeout=30)
        env["BENCH_BODY"] = body.decode()
        servers = [
            serve("governance.wsgi", portal_port, env),
            serve("bench.bare_wsgi", bare_port, env),
        ]
        endpoints = (
            ("kill-switch poll", portal_port, POLL, auth),
            ("plain Django JSON view", portal_port, "/api/plain/", {}),
            ("bare WSGI app", bare_port, "/", {}),
        )
        for label, port, path, headers in endpoints:
            assert fetch(port, path, headers) == body, f"{label} answers other bytes"
            wrk(port, path, headers, seconds=1, connections=args.connections)  # warm up
        # Rounds taking the endpoints in turn, and the median round of each: a burst of other
        # work on the machine (a checkpoint of the database) then lowers one round, not one
        # endpoint's figure.
        rounds = {label: [] for label, *_ in endpoints}
        for _ in range(args.rounds):
            for label, port, path, headers in endpoints:
                rounds[label].append(
                    wrk(port, path, headers, seconds=args.seconds, connections=args.connections)
                )
        figures = {
            label: sorted(runs, key=lambda run: run["rate"])[len(runs) // 2]
            for label, runs in rounds.items()
        }
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)
    plain = figures["plain Django JSON view"]["rate"] or float("nan")
    print(
        f"\ngunicorn 2 gthread workers (governance/gunicorn_conf.py), {vendor}, DEBUG off; "
        f"wrk -t2 -c{args.connections} -d{args.seconds}s, median of {args.rounds} rounds; "
        f"{len(body)}-byte answer"
    )
    print(f"{'endpoint':<26} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'% of plain Django':>18}")
    for label, figure in figures.items():
        print(
            f"{label:<26} {figure['rate']:>8.0f} {figure['p50']:>8.2f} {figure['p99']:>8.2f} "
            f"{figure['rate'] / plain:>17.0%}"
        )
    for label, runs in rounds.items():
        print(f"  {label} by round: " + ", ".join(f"{run['rate']:.0f}" for run in runs))
    # Each round's poll beside the same round's plain view, taken seconds apart: on a shared
    # machine a paired ratio moves less than the ratio of two medians.
    shares = sorted(
        poll["rate"] / base["rate"] if base["rate"] else 0.0
        for poll, base in zip(
            rounds["kill-switch poll"], rounds["plain Django JSON view"], strict=True
        )
    )
    share = shares[len(shares) // 2]
    print(f"the poll beside plain Django, round by round: {', '.join(f'{s:.0%}' for s in shares)}")
    print(
        f"target met (median round {share:.0%})"
        if share >= 0.8
        else f"TARGET MISSED: the poll under 80 % of plain Django (median round {share:.0%})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
