"""Benchmark: the compliance report of one month over a year of activity.

Seeds its own database (a fresh SQLite file under /tmp unless DATABASE_URL is set) with the year
2025: the policy rotation's 52 weeks with their handoffs and checklists, the hourly/daily/weekly
duty instances, and per size of BENCH_SIZES 1 000 incidents (responders, updates, ladder steps,
events, P1 reviews; 100×: 100 000 a year), 100 approval requests with deadlines and decisions,
and 2 000 mails. At each size it times and counts the queries of the June report
(build_report), of its page and CSV, and of the month's evidence pack; one table. Target: the
report under 1 s with a number of queries that does not grow with the data.
Seeding writes rows with bulk_create (a benchmark fixture, not an audited change).

    .venv/bin/python bench/report.py
"""

import datetime
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import boot  # noqa: E402
from bench.table import SIZES, Table, measure  # noqa: E402

boot.start()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from governance.compliance import report as compliance  # noqa: E402
from governance.models import (  # noqa: E402
    ApprovalDecision,
    ApprovalRequest,
    ApprovalRequirement,
    DutyInstance,
    DutySchedule,
    HandoffChecklistItem,
    Notification,
    Role,
    RoleAssignment,
    Severity,
)
from incidents.models import (  # noqa: E402
    Incident,
    IncidentEvent,
    IncidentStep,
    IncidentUpdate,
    PostIncidentReview,
    Responder,
)
from rotations.models import Handoff, HandoffCheck, Rotation, RotationWeek  # noqa: E402

# Incidents, approvals and mails per size; the rotation and the duties are the year's, once.
INCIDENTS, WEEKS, ENGINEERS, APPROVALS, MAILS = 1_000, 52, 8, 100, 2_000
YEAR_START = datetime.datetime(2025, 1, 6, 9, tzinfo=datetime.UTC)  # the first Monday 09:00
MINUTE, HOUR = datetime.timedelta(minutes=1), datetime.timedelta(hours=1)
BATCH = 2_000


def seed_year(rng):
    """What one year holds whatever the activity: people, the rotation, the duties."""
    User = get_user_model()
    engineers = User.objects.bulk_create(
        [User(username=f"eng{i}", email=f"eng{i}@example.com") for i in range(ENGINEERS)]
    )
    owner = User.objects.create_user("owner", email="owner@example.com", password="pw")
    RoleAssignment.objects.bulk_create(
        [
            RoleAssignment(
                role=Role.objects.get(key="ingestion_owner"),
                primary=owner,
                valid_from=datetime.date(2000, 1, 1),
            )
        ]
    )

    rotation = Rotation.objects.create(
        name="Ingestion", slug="ingestion", time_zone="UTC", is_policy_rotation=True
    )
    weeks = RotationWeek.objects.bulk_create(
        [
            RotationWeek(
                rotation=rotation,
                starts_at=YEAR_START + datetime.timedelta(weeks=w),
                ends_at=YEAR_START + datetime.timedelta(weeks=w + 1),
                primary=engineers[w % ENGINEERS],
                secondary=engineers[(w + 1) % ENGINEERS],
            )
            for w in range(WEEKS)
        ]
    )
    handoffs = Handoff.objects.bulk_create(
        [
            Handoff(
                rotation=rotation,
                week=week,
                at=week.starts_at,
                outgoing_primary=engineers[(w - 1) % ENGINEERS],
                outgoing_secondary=engineers[w % ENGINEERS],
                incoming_primary=week.primary,
                incoming_secondary=week.secondary,
            )
            for w, week in enumerate(weeks)
        ]
    )
    items = list(HandoffChecklistItem.objects.all())
    HandoffCheck.objects.bulk_create(
        [
            HandoffCheck(
                handoff=h,
                item=item,
                checked_by=h.incoming_primary,
                checked_at=h.at + rng.choice([10, 30, 50, 90]) * MINUTE,
            )
            for h in handoffs
            for item in items
        ],
        batch_size=BATCH,
    )

    duties = []
    on_call = Role.objects.get(key="on_call")
    for schedule in DutySchedule.objects.all():
        step = {"hourly": HOUR, "daily": 24 * HOUR, "weekly": 7 * 24 * HOUR}[schedule.cadence]
        due = YEAR_START
        while due < YEAR_START + datetime.timedelta(weeks=WEEKS):
            duties.append(
                DutyInstance(
                    schedule=schedule,
                    due_at=due,
                    deadline_at=due + 15 * MINUTE,
                    escalate_at=due + 30 * MINUTE,
                    responsible_role=on_call,
                    assignee=engineers[rng.randrange(ENGINEERS)],
                    status=rng.choice(["done", "done", "done", "late", "missed"]),
                )
            )
            due += step
    DutyInstance.objects.bulk_create(duties, batch_size=BATCH)
    return owner, engineers


def seed_activity(size: int, rng, owner, engineers):
    """INCIDENTS × size incidents over the year, with APPROVALS and MAILS likewise."""
    roles = {key: Role.objects.get(key=key) for key in ("on_call_primary", "on_call_secondary")}
    severities = list(Severity.objects.order_by("key"))
    first = Incident.objects.count()
    minutes_in_year = 364 * 24 * 60
    incidents = Incident.objects.bulk_create(
        [
            Incident(
                title=f"Incident {first + n}",
                severity=severities[n % len(severities)],
                opened_at=(opened := YEAR_START + rng.randrange(minutes_in_year) * MINUTE),
                ladder_started_at=opened,
                acknowledged_at=opened + rng.randrange(1, 30) * MINUTE,
                resolved_at=opened + rng.randrange(30, 300) * MINUTE,
                status="resolved",
            )
            for n in range(INCIDENTS * size)
        ],
        batch_size=BATCH,
    )
    responders, updates, steps, events, reviews = [], [], [], [], []
    for incident in incidents:
        week = (incident.opened_at - YEAR_START) // datetime.timedelta(weeks=1)
        for tier, offset in (("on_call_primary", 0), ("on_call_secondary", 1)):
            responders.append(
                Responder(
                    incident=incident,
                    user=engineers[(week + offset) % ENGINEERS],
                    role=roles[tier],
                    paged_at=incident.opened_at + offset * 15 * MINUTE,
                )
            )
        at = incident.opened_at
        while at + 30 * MINUTE < incident.resolved_at:
            at += rng.choice([20, 25, 30, 40]) * MINUTE
            updates.append(
                IncidentUpdate(
                    incident=incident,
                    kind="incident_update",
                    status="investigating",
                    body="update",
                    posted_at=at,
                )
            )
        for key, due in (("secondary", 15), ("lead", 30)):
            steps.append(
                IncidentStep(
                    incident=incident,
                    kind="ladder",
                    key=key,
                    label=key,
                    due_at=incident.opened_at + due * MINUTE,
                    fired_at=incident.opened_at + (due + rng.choice([0, 0, 0, 5])) * MINUTE,
                )
            )
        for kind, at in (
            ("opened", incident.opened_at),
            ("acknowledged", incident.acknowledged_at),
            ("resolved", incident.resolved_at),
        ):
            events.append(IncidentEvent(incident=incident, at=at, kind=kind, text=kind))
        if incident.severity.key == "P1":
            due_on = (incident.opened_at + datetime.timedelta(days=5)).date()
            filed = incident.opened_at + datetime.timedelta(days=rng.choice([2, 4, 7]))
            reviews.append(
                PostIncidentReview(incident=incident, due_on=due_on, status="done", filed_at=filed)
            )
    for model, rows in (
        (Responder, responders),
        (IncidentUpdate, updates),
        (IncidentStep, steps),
        (IncidentEvent, events),
        (PostIncidentReview, reviews),
    ):
        model.objects.bulk_create(rows, batch_size=BATCH)

    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(Incident)
    owner_role = Role.objects.get(key="ingestion_owner")
    requests = ApprovalRequest.objects.bulk_create(
        [
            ApprovalRequest(
                kind="bench.approval",
                title=f"Request {n}",
                content_type=content_type,
                object_id=incidents[n].pk,
                requester=engineers[n % ENGINEERS],
                status="approved",
                created_at=incidents[n].opened_at,
            )
            for n in range(APPROVALS * size)
        ],
        batch_size=BATCH,
    )
    ApprovalRequirement.objects.bulk_create(
        [
            ApprovalRequirement(request=r, role=owner_role, due_at=r.created_at + 15 * MINUTE)
            for r in requests
        ],
        batch_size=BATCH,
    )
    ApprovalDecision.objects.bulk_create(
        [
            ApprovalDecision(
                request=r,
                role=owner_role,
                person=owner,
                verdict="approve",
                statement="ok",
                revision=1,
                decided_at=r.created_at + rng.choice([5, 10, 20]) * MINUTE,
            )
            for r in requests
        ],
        batch_size=BATCH,
    )
    Notification.objects.bulk_create(
        [
            Notification(
                address="eng@example.com",
                template="incident-paged",
                subject=f"Mail {n}",
                body_text="mail",
                dedupe_key=f"bench:{first}:{n}",
                status="sent",
                created_at=YEAR_START + rng.randrange(minutes_in_year) * MINUTE,
            )
            for n in range(MAILS * size)
        ],
        batch_size=BATCH,
    )


def main():
    boot.migrate()
    rng = random.Random(8)
    owner, engineers = seed_year(rng)
    start, end = compliance.month_bounds(2025, 6)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(owner)

    def get(query):
        def fetch():
            response = client.get("/compliance/", query)
            assert response.status_code == 200, response.status_code

        return fetch

    table, seeded, worst = Table("report"), 0, 0.0
    for size in SIZES:
        started = time.perf_counter()
        seed_activity(size - seeded, rng, owner, engineers)
        seeded = size
        print(
            f"size {size}x ({connection.vendor}): {Incident.objects.count()} incidents, "
            f"{DutyInstance.objects.count()} duty instances, {ApprovalRequest.objects.count()} "
            f"approval requests, {Notification.objects.count()} mails, seeded in "
            f"{time.perf_counter() - started:.1f} s"
        )
        figure = measure(lambda: compliance.build_report(start=start, end=end))
        worst = max(worst, min(figure[1]))
        table.add("build_report (June 2025)", size, figure)
        table.add(
            "report page /compliance/?month=2025-06", size, measure(get({"month": "2025-06"}))
        )
        table.add("report CSV", size, measure(get({"month": "2025-06", "format": "csv"})))
        table.add(
            "month evidence pack (June 2025)",
            size,
            measure(lambda: compliance.month_evidence(year=2025, month=6)),
        )
    table.print()
    print("target met" if worst < 1000 else "TARGET MISSED: the month's report took over 1 s")


if __name__ == "__main__":
    main()
