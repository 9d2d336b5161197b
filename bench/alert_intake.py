"""Benchmark alert intake, POST /api/alerts/alertmanager/ (not a test).

By default (and under `make bench`): seeds its own database (a fresh SQLite file under /tmp
unless DATABASE_URL is set) with an Alertmanager integration and, per size of BENCH_SIZES,
1 000 past incidents (100×: 100 000), then times and counts the queries of one POST of a new
alert group (opens an incident: ladder frozen, On-Call paged, 🔴 message in the outbox) and of
one repeat of a group (the path Alertmanager's group_interval/repeat_interval exercises most),
in process; one table (bench/table.py).

With --http: sustained intake instead. Migrates the database named by DATABASE_URL (PostgreSQL:
create an empty one first), starts gunicorn with 2 workers on a loopback port and drives it
with keep-alive http.client connections in threads, new groups then repeats; prints
requests/s, p50 and p99 latency of each phase.

    .venv/bin/python bench/alert_intake.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_alerts \\
        .venv/bin/python bench/alert_intake.py --http [--seconds 10] [--threads 4]
"""

import argparse
import copy
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.alerts.payloads import GROUP  # noqa: E402
from tests.helpers.ports import free_port  # noqa: E402


def seed(env: dict) -> str:
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    script = """
from governance.models import Severity
from incidents.integrations import create_integration
from incidents.models import Integration
import uuid
_, key = create_integration(actor=None, name=f"bench-{uuid.uuid4().hex[:8]}",
    kind=Integration.Kind.ALERTMANAGER, default_severity=Severity.objects.get(key="P3"))
print(key)
"""
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1]


def drive(port: int, key: str, *, seconds: float, threads: int, new_groups: bool) -> dict:
    latencies: list[list[float]] = [[] for _ in range(threads)]
    errors = [0] * threads
    deadline = time.monotonic() + seconds
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    run = time.time_ns()

    def worker(index: int):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        payload = copy.deepcopy(GROUP)
        payload["groupKey"] = f"repeat-{run}"
        sent = 0
        while time.monotonic() < deadline:
            if new_groups:
                payload["groupKey"] = f"new-{run}-{index}-{sent}"
            body = json.dumps(payload)
            started = time.perf_counter()
            try:
                conn.request("POST", "/api/alerts/alertmanager/", body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status in (200, 201):
                    latencies[index].append(time.perf_counter() - started)
                else:
                    errors[index] += 1
            except (OSError, http.client.HTTPException):
                errors[index] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            sent += 1
        conn.close()

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    started = time.monotonic()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.monotonic() - started
    done = sorted(x for per in latencies for x in per)
    return {
        "rate": len(done) / elapsed,
        "p50": done[len(done) // 2] * 1000 if done else 0,
        "p99": done[int(len(done) * 0.99)] * 1000 if done else 0,
        "errors": sum(errors),
        "requests": len(done),
    }


PAST_INCIDENTS = 1_000  # per size


def sized() -> None:
    """The in-process measures at every size of BENCH_SIZES."""
    from bench import boot

    boot.start(production_like=True, ALLOWED_HOSTS="127.0.0.1,localhost,testserver")
    import datetime

    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from bench.table import SIZES, Table, measure
    from governance.models import Severity
    from incidents.integrations import create_integration
    from incidents.models import Incident, Integration

    boot.migrate()
    severity = Severity.objects.get(key="P3")
    _, key = create_integration(
        actor=None, name="bench", kind=Integration.Kind.ALERTMANAGER, default_severity=severity
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    sent = [0]

    def post(group_key: str):
        payload = copy.deepcopy(GROUP)
        payload["groupKey"] = group_key
        response = client.post(
            "/api/alerts/alertmanager/", json.dumps(payload), content_type="application/json"
        )
        assert response.status_code in (200, 201), response.content

    def new_group():
        sent[0] += 1
        post(f"new-{sent[0]}")

    now, table, seeded = timezone.now(), Table("alert_intake"), 0
    for size in SIZES:
        Incident.objects.bulk_create(
            [
                Incident(
                    title=f"Past incident {n}",
                    severity=severity,
                    status="resolved",
                    opened_at=now - datetime.timedelta(minutes=n),
                    ladder_started_at=now - datetime.timedelta(minutes=n),
                    resolved_at=now - datetime.timedelta(minutes=n - 1),
                    dedupe_key=f"past-{n}",
                )
                for n in range(seeded, PAST_INCIDENTS * size)
            ],
            batch_size=5_000,
        )
        seeded = PAST_INCIDENTS * size
        print(f"size {size}x ({connection.vendor}): {Incident.objects.count()} incidents")
        table.add("alert intake, new group (opens an incident)", size, measure(new_group))
        table.add("alert intake, repeat of a group", size, measure(lambda: post("repeat")))
    table.print()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--http", action="store_true", help="sustained intake on gunicorn")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    if not args.http:
        sized()
        return
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to an (empty) PostgreSQL database.")
    workdir = tempfile.mkdtemp(prefix="bench_alerts_")
    port = free_port()
    env = {
        **os.environ,
        "PORTAL_VAR_DIR": workdir,
        "DEBUG": "false",
        "SECRET_KEY": "bench-" + "x" * 60,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
    }
    key = seed(env)
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "governance.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        # Warm both workers (URLconf, imports, connections) before measuring.
        drive(port, key, seconds=3, threads=2, new_groups=True)
        print(f"gunicorn 2 sync workers, PostgreSQL; {args.threads} client threads")
        for label, new in (("new groups", True), ("repeats", False)):
            r = drive(port, key, seconds=args.seconds, threads=args.threads, new_groups=new)
            print(
                f"{label:11} {r['rate']:7.1f} requests/s  p50 {r['p50']:6.1f} ms  "
                f"p99 {r['p99']:6.1f} ms  ({r['requests']} requests, {r['errors']} errors)"
            )
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
