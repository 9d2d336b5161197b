"""Benchmark GET /api/kill-switch/ against a plain Django JSON view (not a test).

Seeds a private SQLite database (migrate, one workspace, one active pause, one API token),
starts gunicorn with 2 workers on a loopback port, then drives each URL with a bounded number
of keep-alive http.client connections in threads and prints requests per second. Queries per
request on a warm cache are counted in-process with CaptureQueriesContext.

    .venv/bin/python bench/kill_switch.py [--seconds 5] [--threads 8]
"""

import argparse
import http.client
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.helpers.ports import free_port  # noqa: E402


def seed(env: dict) -> str:
    """Migrate the private database and create the data; returns the API token."""
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    script = """
from django.contrib.auth import get_user_model
from django.utils import timezone
from governance.models import (
    ApiToken, KillSwitchActivation, KillSwitchAction, KillSwitchScenario, Severity, Workspace)
from governance.killswitch import services as killswitch
User = get_user_model()
user = User.objects.create_user("bench", password="pw")
ws = Workspace.objects.create(name="Acme", slug="acme")
now = timezone.now()
activation = KillSwitchActivation(
    scenario=KillSwitchScenario.objects.get(key="error_rate_20"),
    action=KillSwitchAction.objects.get(key="pause_short"), severity=Severity.objects.get(key="P2"),
    scope="workspace", workspace=ws, scope_key="acme", reason="bench", activated_by=user,
    activated_at=now, starts_at=now, paused_at=now, status="active")
activation.save()
killswitch.bump_state(at=now)
print(ApiToken.issue(user=user, name="bench")[1])
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


def queries_per_request(env: dict, token: str) -> str:
    script = f"""
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
client = Client()
auth = {{"HTTP_AUTHORIZATION": "Bearer {token}"}}
client.get("/api/kill-switch/?workspace=acme", **auth)
with CaptureQueriesContext(connection) as ctx:
    for _ in range(10):
        client.get("/api/kill-switch/?workspace=acme", **auth)
print(len(ctx.captured_queries) / 10)
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


def hammer(port: int, path: str, headers: dict, *, seconds: float, threads: int) -> float:
    counts = [0] * threads
    errors = [0] * threads
    deadline = time.monotonic() + seconds

    def worker(index: int):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.monotonic() < deadline:
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status == 200:
                    counts[index] += 1
                else:
                    errors[index] += 1
            except (OSError, http.client.HTTPException):
                errors[index] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.close()

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    started = time.monotonic()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.monotonic() - started
    if sum(errors):
        print(f"  {sum(errors)} error(s) on {path}")
    return sum(counts) / elapsed


def wrk_rate(port: int, path: str, headers: dict, *, seconds: float, connections: int) -> float:
    """Requests per second measured by wrk (a C load generator that leaves the CPU to the
    server far more than a Python client does)."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{max(int(seconds), 1)}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{path}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 30,
    ).stdout
    non_2xx = [line for line in out.splitlines() if "Non-2xx" in line]
    if non_2xx:
        print(f"  {path}: {non_2xx[0].strip()}")
    rate = [line for line in out.splitlines() if line.startswith("Requests/sec:")]
    return float(rate[0].split()[1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="bench_ks_")
    port = free_port()
    env = {
        **os.environ,
        # The bench URLconf adds the plain JSON view the status API is measured against.
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": f"sqlite:///{workdir}/bench.sqlite3",
        "PORTAL_VAR_DIR": workdir,
        "DEBUG": "false",
        "SECRET_KEY": "bench-" + "x" * 60,
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECURE_SSL_REDIRECT": "false",
    }
    token = seed(env)
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "governance.wsgi",
            "--workers",
            "2",
            # gthread keeps client connections alive, as a poller's HTTP client would.
            "--worker-class",
            "gthread",
            "--threads",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
            "--keep-alive",
            "30",
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
        auth = {"Authorization": f"Bearer {token}", "Host": "127.0.0.1"}
        hammer(port, "/api/kill-switch/?workspace=acme", auth, seconds=1, threads=2)  # warm up
        if shutil.which("wrk"):
            client = f"wrk, {args.threads} connections"
            ks = wrk_rate(
                port,
                "/api/kill-switch/?workspace=acme",
                auth,
                seconds=args.seconds,
                connections=args.threads,
            )
            plain = wrk_rate(
                port,
                "/api/plain/",
                {"Host": "127.0.0.1"},
                seconds=args.seconds,
                connections=args.threads,
            )
        else:
            client = f"{args.threads} Python client threads (apt-get install wrk for less noise)"
            ks = hammer(
                port,
                "/api/kill-switch/?workspace=acme",
                auth,
                seconds=args.seconds,
                threads=args.threads,
            )
            plain = hammer(
                port,
                "/api/plain/",
                {"Host": "127.0.0.1"},
                seconds=args.seconds,
                threads=args.threads,
            )
        print(f"gunicorn 2 gthread workers x 4 threads; {client}; {args.seconds:.0f} s each")
        print(f"GET /api/kill-switch/  {ks:8.0f} requests/s")
        print(f"GET /api/plain/        {plain:8.0f} requests/s (plain Django JSON view)")
        print(f"ratio                  {ks / max(plain, 1):8.2f}")
        print(f"queries per request (warm cache): {queries_per_request(env, token)}")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
