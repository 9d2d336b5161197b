"""`make bench`: every bench script at the sizes of BENCH_SIZES, then one table (not a test).

Each script seeds data of its own, so each runs in a process of its own on a fresh database:
on PostgreSQL (DATABASE_URL) a database named after it beside the given one (`<name>_<script>`,
created and dropped here), else a throwaway SQLite file. The scripts append their rows to one
file (bench/table.py); this driver prints them together. The throughput bench
(bench/poll_throughput.py: gunicorn and wrk) runs last, when wrk is installed.

    BENCH_SIZES=1,2,4 BENCH_REPEAT=3 .venv/bin/python bench/run.py
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.table import print_rows  # noqa: E402

SCRIPTS = ("scale", "alert_intake", "escalation", "oncall", "record", "report", "whatif")


class Databases:
    """A migrated template, then a fresh copy of it per script: the migrations (most of a small
    run's time) run once, not once per script."""

    def __init__(self, workdir: str):
        self.workdir = workdir
        self.url = os.environ.get("DATABASE_URL", "")
        self.postgres = self.url.startswith("postgres")
        self.template = self._create("template")
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": self.template, "PORTAL_VAR_DIR": workdir},
            check=True,
        )

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as admin:
            admin.execute(sql)

    def _name(self, script: str) -> str:
        return f"{urlsplit(self.url).path.lstrip('/')}_{script}"[:63]

    def _create(self, script: str, template: str = "") -> str:
        if not self.postgres:
            path = Path(self.workdir) / f"{script}.sqlite3"
            if template:
                # With the write-ahead log, the template's last pages may still be in -wal.
                for suffix in ("", "-wal", "-shm"):
                    source = Path(self.workdir) / f"template.sqlite3{suffix}"
                    if source.exists():
                        shutil.copy(source, f"{path}{suffix}")
            return f"sqlite:///{path}"
        name = self._name(script)
        self._admin(f'DROP DATABASE IF EXISTS "{name}"')
        self._admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return urlunsplit(urlsplit(self.url)._replace(path=f"/{name}"))

    def fresh(self, script: str) -> str:
        """DATABASE_URL of a migrated database of `script`'s own."""
        return self._create(script, template=self._name("template"))

    def drop(self, script: str) -> None:
        if self.postgres:
            self._admin(f'DROP DATABASE IF EXISTS "{self._name(script)}" WITH (FORCE)')


def main() -> int:
    workdir = tempfile.mkdtemp(prefix="bench_")
    rows_file = Path(workdir) / "rows.jsonl"
    failed = []
    started = time.perf_counter()
    databases = Databases(workdir)
    print(f"== migrated a template database in {time.perf_counter() - started:.0f} s", flush=True)
    for script in SCRIPTS:
        env = {
            **os.environ,
            "DATABASE_URL": databases.fresh(script),
            # One folder for all: the static files are collected once.
            "PORTAL_VAR_DIR": workdir,
            "BENCH_ROWS": str(rows_file),
            "BENCH_MIGRATED": "1",
        }
        print(f"== bench/{script}.py", flush=True)
        started = time.perf_counter()
        try:
            # Its own output goes to stderr here: the rows come back in the one table.
            done = subprocess.run(
                [sys.executable, str(ROOT / "bench" / f"{script}.py")],
                cwd=ROOT,
                env=env,
                stdout=sys.stderr,
            )
        finally:
            databases.drop(script)
        print(f"   {time.perf_counter() - started:.0f} s", flush=True)
        if done.returncode:
            failed.append(script)
    rows = (
        [json.loads(line) for line in rows_file.read_text().splitlines()]
        if rows_file.exists()
        else []
    )
    database = (
        "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    )
    print(
        f"\n{database}; sizes {os.environ.get('BENCH_SIZES', '1,10,100')}; "
        f"{os.environ.get('BENCH_REPEAT', '5')} timed runs per figure"
    )
    print_rows(rows)
    if shutil.which("wrk"):
        print("\n== bench/poll_throughput.py", flush=True)
        env = {
            **os.environ,
            "DATABASE_URL": databases.fresh("poll"),
            "PORTAL_VAR_DIR": workdir,
            "BENCH_MIGRATED": "1",
        }
        try:
            done = subprocess.run(
                [sys.executable, str(ROOT / "bench" / "poll_throughput.py")], cwd=ROOT, env=env
            )
        finally:
            databases.drop("poll")
        if done.returncode:
            failed.append("poll_throughput")
    else:
        print("\nbench/poll_throughput.py skipped: wrk is not installed (apt-get install wrk).")
    databases.drop("template")
    shutil.rmtree(workdir, ignore_errors=True)
    if failed:
        print(f"\nFAILED: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
