"""Benchmark the incidents sweep and the incident changelist at 1 000 incidents per size
(100×: 100 000) (not a test).

Seeds its own database (a fresh SQLite file under /tmp unless DATABASE_URL is set): at each size
of BENCH_SIZES, 1 000 incidents per size unit of which a tenth are open, plus 300 more open
ones whose pending steps the "due" measures consume, each with its frozen escalation steps. Then
times and counts the queries of the sweep (`incidents.escalation.escalate_due`) with nothing
due and with 200 steps due, and of the incident changelist and list; one table.
Seeding writes rows with bulk_create (a benchmark fixture, not an audited change).

    .venv/bin/python bench/escalation.py
"""

import datetime
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import boot  # noqa: E402
from bench.table import REPEAT, SIZES, Table, measure  # noqa: E402

boot.start(
    production_like=True,
    ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
    # Its pages are fetched signed in with force_login: without this they measured the
    # two-factor redirect (302), not the page.
    TWO_FACTOR_REQUIRED="false",
)

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from governance.models import EscalationStep, Role, RoleAssignment, Severity  # noqa: E402
from incidents.escalation import escalate_due, ladder_key  # noqa: E402
from incidents.models import Incident, IncidentStep  # noqa: E402
from rotations.models import Rotation, RotationWeek  # noqa: E402

# 200 due: the unit ("≤ 10 queries per 200 steps"); the 1 000 due of mixed kinds are
# bench/scale.py's.
PER_SIZE, RESERVE, DUE, BATCH = 1_000, 300, 200, 5_000


def seed_people(now: datetime.datetime):
    """The people, roles and the policy rotation's week; returns the alerts user."""
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
    return people["alerts"]


def seed_incidents(count: int, now: datetime.datetime, opener) -> None:
    """`count` more incidents, a tenth of them open, and RESERVE more open ones."""
    ladders = {
        severity.pk: list(EscalationStep.objects.filter(severity=severity).select_related("role"))
        for severity in Severity.objects.all()
    }
    severities = list(Severity.objects.order_by("position"))
    future = now + datetime.timedelta(days=1)
    first = Incident.objects.count()
    total = count + RESERVE
    for start in range(0, total, BATCH):
        with transaction.atomic():
            rows = []
            for n in range(start, min(start + BATCH, total)):
                is_open = n >= count or n % 10 == 0
                opened = now - datetime.timedelta(minutes=(total - n) * 7)
                rows.append(
                    Incident(
                        title=f"Incident {n}",
                        severity=severities[n % 3],
                        impact="Benchmark",
                        status="investigating" if is_open else "resolved",
                        opened_at=opened,
                        ladder_started_at=opened,
                        opened_by=opener,
                        resolved_at=None if is_open else opened + datetime.timedelta(hours=1),
                        dedupe_key=f"bench-{first + n}",
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
    """Make `count` pending ladder steps of open incidents due a minute ago."""
    ids = list(
        IncidentStep.objects.filter(
            kind="ladder", fired_at__isnull=True, cancelled_at__isnull=True, due_at__gt=now
        )
        .order_by("-id")
        .values_list("id", flat=True)[:count]
    )
    IncidentStep.objects.filter(pk__in=ids).update(due_at=now - datetime.timedelta(minutes=1))


def main() -> None:
    boot.migrate()
    now = timezone.now()
    opener = seed_people(now)
    admin = get_user_model().objects.create_superuser("benchadmin", "a@example.com", "pw")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(admin)
    table, seeded = Table("escalation"), 0
    for size in SIZES:
        started = time.perf_counter()
        seed_incidents(PER_SIZE * size - seeded, now, opener)
        seeded = PER_SIZE * size
        print(
            f"size {size}x ({connection.vendor}): {Incident.objects.count()} incidents "
            f"({Incident.objects.exclude(status='resolved').count()} open), "
            f"{IncidentStep.objects.count()} steps, seeded in {time.perf_counter() - started:.1f} s"
        )
        table.add("incidents sweep, nothing due", size, measure(lambda: escalate_due(now=now)))
        # Each run fires what it is given: no warm run, and two timed runs at most, so the
        # reserve of pending steps lasts.
        table.add(
            f"incidents sweep, {DUE:_} ladder steps due".replace("_", " "),
            size,
            measure(
                lambda: escalate_due(now=now),
                prepare=lambda: make_due(DUE, now),
                warm=False,
                repeat=min(REPEAT, 2),
            ),
        )
        for label, url in (
            ("admin incident changelist", "/admin/incidents/incident/"),
            ("admin changelist, open", "/admin/incidents/incident/?status__exact=investigating"),
            ("admin changelist, search", "/admin/incidents/incident/?q=Incident+99999"),
            ("incident list page, open", "/incidents/?status=open"),
        ):
            table.add(label, size, measure(lambda url=url: page(client, url)))
    table.print()


def page(client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)


if __name__ == "__main__":
    main()
