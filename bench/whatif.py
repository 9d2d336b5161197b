"""Benchmark: the policy what-if replay (D9 §9) of 30 days at several incident counts.

Seeds its own database (a fresh SQLite file under /tmp unless DATABASE_URL is set; on
PostgreSQL create an empty database first) with the policy rotation's weeks, 300 kill-switch
pauses with the Owner's approvals, and incidents spread over the 30 days (acknowledged,
resolved, updates posted, the response track's steps cancelled at the acknowledgement), then
grows the incident count to 100 per size of BENCH_SIZES (100×: 10 000) and times `what_if`
(live and a draft with the P1 secondary at 10 min and the Owner's deadline at 10 min) at each
size; one table. Target: 10 000 incidents under 30 s; queries do not grow with the incidents
of a batch (one step query and one update query per batch of `replay.BATCH`).
Seeding writes rows with bulk_create (a benchmark fixture, not an audited change).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt_i19_bench .venv/bin/python bench/whatif.py
"""

import datetime
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import boot  # noqa: E402
from bench.table import SIZES, Table, once  # noqa: E402

boot.start()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.db import connection  # noqa: E402

from governance.models import (  # noqa: E402
    ApprovalDecision,
    ApprovalRequest,
    ApprovalRequirement,
    EscalationStep,
    KillSwitchAction,
    KillSwitchActivation,
    KillSwitchScenario,
    PolicyDraft,
    Role,
    RoleAssignment,
    Severity,
)
from governance.policy import drafts  # noqa: E402
from governance.whatif import replay  # noqa: E402
from governance.whatif.services import what_if  # noqa: E402
from incidents.models import Incident, IncidentStep, IncidentUpdate  # noqa: E402
from rotations.models import Rotation, RotationWeek  # noqa: E402

PER_SIZE = 100  # incidents
ENGINEERS, PAUSES, DAYS = 8, 300, 30
AT = datetime.datetime(2025, 7, 1, tzinfo=datetime.UTC)
START = AT - datetime.timedelta(days=DAYS)
MINUTE = datetime.timedelta(minutes=1)


def seed_people():
    User = get_user_model()
    engineers = User.objects.bulk_create(
        [User(username=f"eng{i}", first_name=f"Eng{i}") for i in range(ENGINEERS)]
    )
    owner = User.objects.create_user("owner", first_name="Olivia", password="pw")
    RoleAssignment.objects.bulk_create(
        [
            RoleAssignment(
                role=Role.objects.get(key=key), primary=owner, valid_from=datetime.date(2000, 1, 1)
            )
            for key in ("ingestion_owner", "sre_lead", "product_manager")
        ]
    )
    rotation = Rotation.objects.create(
        name="Ingestion", slug="ingestion", time_zone="UTC", is_policy_rotation=True
    )
    monday = datetime.datetime(2025, 5, 26, 9, tzinfo=datetime.UTC)
    RotationWeek.objects.bulk_create(
        RotationWeek(
            rotation=rotation,
            starts_at=monday + datetime.timedelta(weeks=w),
            ends_at=monday + datetime.timedelta(weeks=w + 1),
            primary=engineers[w % ENGINEERS],
            secondary=engineers[(w + 1) % ENGINEERS],
        )
        for w in range(7)
    )
    return engineers, owner


def seed_pauses(engineers, owner, rng):
    scenario = KillSwitchScenario.objects.get(key="error_rate_10")
    severity = Severity.objects.get(key="P2")
    action = KillSwitchAction.objects.get(key="pause_short")
    owner_role = Role.objects.get(key="ingestion_owner")
    activations = KillSwitchActivation.objects.bulk_create(
        KillSwitchActivation(
            scenario=scenario,
            action=action,
            severity=severity,
            scope="global",
            scope_key="global",
            reason="bench",
            activated_by=engineers[n % ENGINEERS],
            activated_at=(at := START + rng.randrange(DAYS * 1440) * MINUTE),
            starts_at=at,
            status="resumed",
        )
        for n in range(PAUSES)
    )
    content_type = ContentType.objects.get_for_model(KillSwitchActivation)
    requests = ApprovalRequest.objects.bulk_create(
        ApprovalRequest(
            kind="killswitch.activation",
            title=f"Pause {a.pk}",
            content_type=content_type,
            object_id=a.pk,
            requester=a.activated_by,
            status="approved",
            created_at=a.activated_at,
        )
        for a in activations
    )
    for activation, request in zip(activations, requests, strict=True):
        activation.approval = request
    KillSwitchActivation.objects.bulk_update(activations, ["approval"])
    ApprovalRequirement.objects.bulk_create(
        ApprovalRequirement(request=r, role=owner_role, due_at=r.created_at + 15 * MINUTE)
        for r in requests
    )
    ApprovalDecision.objects.bulk_create(
        ApprovalDecision(
            request=r,
            role=owner_role,
            person=owner,
            verdict=rng.choice(["approve"] * 9 + ["veto"]),
            statement="ok",
            revision=1,
            decided_at=r.created_at + rng.choice([5, 12, 20]) * MINUTE,
        )
        for r in requests
    )


def seed_incidents(count, rng):
    severities = list(Severity.objects.order_by("key"))
    incidents = Incident.objects.bulk_create(
        [
            Incident(
                title=f"Incident {n}",
                severity=severities[n % 3],
                opened_at=(opened := START + rng.randrange(DAYS * 1440 - 600) * MINUTE),
                ladder_started_at=opened,
                acknowledged_at=opened + rng.choice([2, 5, 12, 20, 40]) * MINUTE,
                resolved_at=opened + rng.choice([8, 12, 25, 50, 90, 180]) * MINUTE,
                status="resolved",
            )
            for n in range(count)
        ],
        batch_size=2000,
    )
    steps, updates = [], []
    for incident in incidents:
        steps.append(
            IncidentStep(
                incident=incident,
                kind="response",
                key="response:secondary",
                label="response",
                due_at=incident.opened_at + 45 * MINUTE,
                cancelled_at=incident.acknowledged_at,
            )
        )
        at = incident.opened_at
        updates.append(
            IncidentUpdate(
                incident=incident,
                kind="incident_start",
                status="investigating",
                body="s",
                posted_at=at,
            )
        )
        while at + 30 * MINUTE < incident.resolved_at:
            at += rng.choice([20, 25, 30, 40]) * MINUTE
            updates.append(
                IncidentUpdate(
                    incident=incident,
                    kind="incident_update",
                    status="investigating",
                    body="u",
                    posted_at=at,
                )
            )
    IncidentStep.objects.bulk_create(steps, batch_size=2000)
    IncidentUpdate.objects.bulk_create(updates, batch_size=2000)


def draft(owner) -> PolicyDraft:
    tables = drafts.live_tables()
    secondary = EscalationStep.objects.get(severity__key="P1", role__key="on_call_secondary")
    scenario = KillSwitchScenario.objects.get(key="error_rate_10")
    for label, pk, name, value in (
        ("governance.escalationstep", secondary.pk, "at_minute", 10),
        ("governance.killswitchscenario", scenario.pk, "approval_minutes", 10),
    ):
        for row in tables[label]:
            if row["pk"] == pk:
                row["fields"][name] = value
    return PolicyDraft.objects.create(title="bench", created_by=owner, created_at=AT, tables=tables)


def main():
    boot.migrate()
    rng = random.Random(19)
    engineers, owner = seed_people()
    seed_pauses(engineers, owner, rng)
    policy_draft = draft(owner)
    print(f"{connection.vendor}; window {DAYS} days, {PAUSES} pauses, batch {replay.BATCH}")
    table, seeded, worst = Table("whatif"), 0, 0.0
    for size in SIZES:
        seed_incidents(PER_SIZE * size - seeded, rng)
        seeded = PER_SIZE * size
        # A replay takes seconds and reads no cache: one run, counted and timed, is the figure.
        figure = once(lambda: what_if(draft=policy_draft, since=START.date(), at=AT))
        worst = max(worst, min(figure[1]))
        table.add("policy what-if replay (30 days)", size, figure)
    table.print()
    print("target met" if worst < 30_000 else "TARGET MISSED: a replay took over 30 s")


if __name__ == "__main__":
    main()
