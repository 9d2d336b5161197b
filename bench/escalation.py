"""Benchmark the incidents sweep and the incident changelist with 100 000 incidents (not a test).

Seeds its own database (a fresh SQLite file under /tmp unless DATABASE_URL is set): 100 000
incidents of which 10 000 are open, each with its frozen escalation steps. Then prints the time
and query count of the sweep (`incidents.escalation.escalate_due`) with nothing due, with 100
steps due and with 1 000 due, and of GET /admin/incidents/incident/.
Seeding writes rows with bulk_create (a benchmark fixture, not an audited change).

    .venv/bin/python bench/escalation.py
"""

import datetime
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import boot  # noqa: E402

boot.start(
    production_like=True,
    ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
    # Its pages are fetched signed in with force_login: without this they measured the
    # two-factor redirect (302), not the page.
    TWO_FACTOR_REQUIRED="false",
)

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from governance.models import EscalationStep, Role, RoleAssignment, Severity  # noqa: E402
from incidents.escalation import escalate_due, ladder_key  # noqa: E402
from incidents.models import Incident, IncidentStep  # noqa: E402
from rotations.models import Rotation, RotationWeek  # noqa: E402

TOTAL = int(os.environ.get("BENCH_INCIDENTS", 100_000))
OPEN, BATCH = TOTAL // 10, 5_000


def seed(now: datetime.datetime) -> None:
    User = get_user_model()
    people = {
        name: User.objects.create_user(name, email=f"{name}@example.com", first_name=name.title())
        for name in ("primary", "secondary", "owner", "sre", "pm", "alerts")
    }
    for role, name in (
        ("ingestion_owner", "owner"),
        ("sre_lead", "sre"),
        ("product_manager", "pm"),
    ):
        RoleAssignment.objects.create(
            role=Role.objects.get(key=role),
            primary=people[name],
            valid_from=datetime.date(2000, 1, 1),
        )
    rotation = Rotation.objects.create(name="Ingestion", slug="ingestion", is_policy_rotation=True)
    RotationWeek.objects.create(
        rotation=rotation,
        starts_at=now - datetime.timedelta(days=3),
        ends_at=now + datetime.timedelta(days=4),
        primary=people["primary"],
        secondary=people["secondary"],
    )
    ladders = {
        severity.pk: list(EscalationStep.objects.filter(severity=severity).select_related("role"))
        for severity in Severity.objects.all()
    }
    severities = list(Severity.objects.order_by("position"))
    future = now + datetime.timedelta(days=1)
    for start in range(0, TOTAL, BATCH):
        with transaction.atomic():
            rows = []
            for n in range(start, start + BATCH):
                is_open = n >= TOTAL - OPEN
                opened = now - datetime.timedelta(minutes=(TOTAL - n) * 7)
                rows.append(
                    Incident(
                        title=f"Incident {n}",
                        severity=severities[n % 3],
                        impact="Benchmark",
                        status="investigating" if is_open else "resolved",
                        opened_at=opened,
                        ladder_started_at=opened,
                        opened_by=people["alerts"],
                        resolved_at=None if is_open else opened + datetime.timedelta(hours=1),
                        dedupe_key=f"bench-{n}",
                    )
                )
            Incident.objects.bulk_create(rows)
            steps = []
            for incident in rows:
                is_open = incident.status != "resolved"
                for policy_step in ladders[incident.severity_id]:
                    steps.append(
                        IncidentStep(
                            incident=incident,
                            kind="ladder",
                            key=ladder_key(policy_step.role, policy_step.action),
                            label=policy_step.cell_text(),
                            severity_key=incident.severity.key,
                            at_minute=policy_step.at_minute,
                            role=policy_step.role,
                            action=policy_step.action,
                            if_unresolved=policy_step.if_unresolved,
                            # Open incidents: nothing due until a scenario makes it so.
                            due_at=future if is_open else incident.opened_at,
                            fired_at=None if is_open else incident.opened_at,
                        )
                    )
            IncidentStep.objects.bulk_create(steps)


def make_due(count: int, now: datetime.datetime) -> None:
    """Make `count` pending steps, on distinct open incidents, due a minute ago."""
    ids = list(
        IncidentStep.objects.filter(
            fired_at__isnull=True, cancelled_at__isnull=True, key="ladder:on_call_secondary:joins"
        ).values_list("id", flat=True)[:count]
    )
    if len(ids) < count:
        extra = IncidentStep.objects.filter(
            fired_at__isnull=True, cancelled_at__isnull=True, key="ladder:ingestion_owner:notified"
        ).exclude(pk__in=ids)
        ids += list(extra.values_list("id", flat=True)[: count - len(ids)])
    IncidentStep.objects.filter(pk__in=ids).update(due_at=now - datetime.timedelta(minutes=1))


def measure(label: str, func, prepare=lambda: None) -> None:
    """Print the time of `func` (no query capture) and its query count (a second run, captured);
    `prepare` runs untimed before each. The "cpu" column is this process's CPU time (the
    database server's is not in it): on a busy machine it moves less than the wall time."""
    prepare()
    started, cpu_started = time.perf_counter(), time.process_time()
    func()
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    prepare()
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        result = func()
    print(
        f"{label:<36} {elapsed * 1000:9.1f} ms {cpu * 1000:9.1f} ms cpu "
        f"{len(queries):6d} queries   {result}"
    )


def main() -> None:
    call_command("migrate", verbosity=0)
    now = timezone.now()
    started = time.perf_counter()
    seed(now)
    print(
        f"database: {connection.vendor}; seeded {Incident.objects.count()} incidents "
        f"({Incident.objects.exclude(status='resolved').count()} open), "
        f"{IncidentStep.objects.count()} steps in {time.perf_counter() - started:.1f} s"
    )
    measure("sweep, nothing due", lambda: escalate_due(now=now))
    for count in (100, 1000):
        measure(
            f"sweep, {count} steps due",
            lambda: escalate_due(now=now),
            prepare=lambda count=count: make_due(count, now),
        )
    measure("sweep, nothing due (again)", lambda: escalate_due(now=now))

    admin = get_user_model().objects.create_superuser("benchadmin", "a@example.com", "pw")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(admin)
    client.get("/admin/incidents/incident/")
    for label, url in (
        ("admin changelist", "/admin/incidents/incident/"),
        ("admin changelist, open P1", "/admin/incidents/incident/?status__exact=investigating"),
        ("admin changelist, search", "/admin/incidents/incident/?q=Incident+99999"),
        ("incident list page", "/incidents/?status=open"),
    ):
        measure(label, lambda url=url: client.get(url).status_code)


if __name__ == "__main__":
    if "--profile" in sys.argv:
        import cProfile

        cProfile.run("main()", sort="cumulative")
    else:
        main()
