"""Benchmark: every page and sweep of issue 16 at three data sizes, one table (not a test).

Seeds the database of DATABASE_URL (a fresh SQLite file under /tmp when unset) in steps: size
1× holds 20 rotations and 1 000 incidents a year, 10× and 100× ten and a hundred times that
(100×: 2 000 rotations, 100 000 incidents). Each size adds to the previous one, so the same
measures run on growing data. Each figure runs once untimed (warm), once under a query counter,
then `BENCH_REPEAT` times timed; the table prints min and median and the growth of the median
from the smallest size to the largest. Seeding writes with bulk_create (a benchmark fixture,
not an audited change).

    .venv/bin/python bench/scale.py                 # sizes 1,10,100
    BENCH_SIZES=1,2,4 .venv/bin/python bench/scale.py   # the small run of CI
"""

import datetime
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import boot  # noqa: E402
from bench.table import SIZES, Table, measure, once  # noqa: E402

boot.start(
    settings="bench.settings",
    production_like=True,
    ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
    # The benchmark signs its users in with force_login; a second factor is not what it measures.
    TWO_FACTOR_REQUIRED="false",
)

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from governance.core import memo  # noqa: E402
from governance.killswitch import services as killswitch  # noqa: E402
from governance.models import (  # noqa: E402
    ApiToken,
    CommunicationRule,
    KillSwitchScenario,
    Role,
    RoleAssignment,
    Severity,
    Workspace,
)
from incidents.escalation import escalate_due  # noqa: E402
from incidents.models import (  # noqa: E402
    ClientCommunication,
    Incident,
    IncidentEvent,
    IncidentStep,
    IncidentUpdate,
    PostIncidentReview,
)
from rotations import reminders, schedule, selectors  # noqa: E402
from rotations.models import Handoff, RosterMember, Rotation, RotationWeek  # noqa: E402
from tests.helpers.statements import statements  # noqa: E402

ROTATIONS, INCIDENTS, PENDING, COMMS = 20, 1_000, 2, 5
User = get_user_model()


class State:
    rotations = incidents = pending = comms = 0
    people: dict = {}
    page_incident = None
    token = ""


def _people():
    if State.people:
        return State.people
    people = {
        n: User.objects.create_user(n, email=f"{n}@example.com", first_name=n.title())
        for n in ("primary", "secondary", "owner", "sre", "pm", "support", "alerts")
    }
    people["admin"] = User.objects.create_superuser("benchadmin", "a@example.com", "pw")
    for role, name in (
        ("ingestion_owner", "owner"),
        ("sre_lead", "sre"),
        ("product_manager", "pm"),
        ("support_lead", "support"),
    ):
        RoleAssignment.objects.update_or_create(
            role=Role.objects.get(key=role),
            defaults={"primary": people[name], "valid_from": datetime.date(2000, 1, 1)},
        )
    State.people = people
    State.token = ApiToken.issue(user=people["admin"], name="bench")[1]
    return people


def _seed_rotations(target: int, now) -> None:
    people = _people()
    engineers = list(User.objects.filter(username__startswith="eng")) or User.objects.bulk_create(
        [User(username=f"eng{i}", email=f"eng{i}@example.com") for i in range(60)]
    )
    start = now - datetime.timedelta(weeks=3)
    for r in range(State.rotations, target):
        with transaction.atomic():
            rotation = Rotation.objects.create(
                name=f"Rotation {r}", slug=f"rotation-{r}", is_policy_rotation=(r == 0)
            )
            roster = [engineers[(r + k) % len(engineers)] for k in range(4)]
            if r == 0:
                roster = [people["primary"], people["secondary"], *roster[:2]]
            RosterMember.objects.bulk_create(
                [RosterMember(rotation=rotation, user=u, position=i) for i, u in enumerate(roster)]
            )
            first = schedule.rotation_handoff_on_or_before(rotation, start)
            weeks = [
                RotationWeek(
                    rotation=rotation,
                    starts_at=b,
                    ends_at=e,
                    primary=roster[i % 4],
                    secondary=roster[(i + 1) % 4],
                )
                for i, (b, e) in enumerate(
                    schedule.handoffs(first, 12, at=rotation.handoff_time, zone=rotation.zone)
                )
            ]
            RotationWeek.objects.bulk_create(weeks)
            Handoff.objects.bulk_create(
                [
                    Handoff(
                        rotation=rotation,
                        week=w,
                        at=w.starts_at,
                        outgoing_primary=p.primary,
                        outgoing_secondary=p.secondary,
                        incoming_primary=w.primary,
                        incoming_secondary=w.secondary,
                    )
                    for p, w in zip(weeks, weeks[1:], strict=False)
                ]
            )
    State.rotations = target


def _seed_incidents(target: int, now) -> None:
    """`target` incidents over the past year, 1 in 200 still open."""
    people = _people()
    severities = list(Severity.objects.order_by("position"))
    step = datetime.timedelta(days=365) / target
    for begin in range(State.incidents, target, 5_000):
        with transaction.atomic():
            rows = []
            for n in range(begin, min(begin + 5_000, target)):
                opened = now - step * (target - n) - datetime.timedelta(minutes=n % 11)
                is_open = n % 200 == 0
                rows.append(
                    Incident(
                        title=f"Incident {n} database {'slow' if n % 2 else 'down'}",
                        severity=severities[n % 3],
                        impact="Benchmark",
                        status="investigating" if is_open else "resolved",
                        opened_at=opened,
                        ladder_started_at=opened,
                        opened_by=people["alerts"],
                        acknowledged_at=opened + datetime.timedelta(minutes=n % 25),
                        acknowledged_by=people["primary"],
                        resolved_at=None if is_open else opened + datetime.timedelta(hours=1),
                        resolved_by=None if is_open else people["primary"],
                        dedupe_key=f"bench-{n}",
                    )
                )
            Incident.objects.bulk_create(rows)
            IncidentUpdate.objects.bulk_create(
                [
                    IncidentUpdate(
                        incident=i,
                        kind="incident_update",
                        status="investigating",
                        body="Looking",
                        posted_at=i.opened_at + datetime.timedelta(minutes=20 + k * 25),
                    )
                    for i in rows
                    for k in range(2)
                ]
            )
    State.incidents = target


def _seed_page_incident(comms: int, now) -> None:
    """One client-facing incident with `comms` draft communications and 10 events each."""
    people = _people()
    if State.page_incident is None:
        State.page_incident = Incident.objects.create(
            title="The page incident",
            severity=Severity.objects.get(key="P1"),
            impact="Benchmark",
            status="investigating",
            opened_at=now,
            ladder_started_at=now,
            opened_by=people["alerts"],
            client_facing=True,
        )
    rule = CommunicationRule.objects.get(key="incident_client_facing")
    incident = State.page_incident
    ClientCommunication.objects.bulk_create(
        [
            ClientCommunication(
                incident=incident,
                rule=rule,
                title=f"Delay {n}",
                public_status="investigating",
                status_page_text="Delayed.",
                email_text="Delayed.",
                drafted_at=now,
                drafted_by=people["support"],
            )
            for n in range(State.comms, comms)
        ]
    )
    IncidentEvent.objects.bulk_create(
        [
            IncidentEvent(
                incident=incident, kind="note", at=now, actor=people["primary"], text=f"event {n}"
            )
            for n in range(State.comms * 10, comms * 10)
        ]
    )
    State.comms = comms


def _seed_pending(target: int) -> None:
    """`target` pauses awaiting the Owner's approval (D9 §5.1), one workspace each."""
    people = _people()
    scenario = KillSwitchScenario.objects.get(key="error_rate_10")
    for n in range(State.pending, target):
        workspace = Workspace.objects.create(name=f"Client {n}", slug=f"client-{n}")
        killswitch.activate_kill_switch(
            actor=people["primary"],
            scenario=scenario,
            severity=Severity.objects.get(key="P2"),
            reason="errors at 12%",
            workspace=workspace,
        )
    State.pending = target


# (severity, open, [(kind, key, role key or None, action)]): ten steps of every kind the sweep
# fires — pages of several roles, a P3 ticket, a P3 step held at the On-Call (D9 §4.3), update
# and review reminders, and a step of an incident resolved just before the sweep locked it.
DUE_MIX = [
    (
        "P1",
        True,
        [
            ("ladder", "ladder:on_call_secondary:joins", "on_call_secondary", "joins"),
            ("ladder", "ladder:ingestion_owner:joins", "ingestion_owner", "joins"),
            ("ladder", "ladder:sre_lead:notified", "sre_lead", "notified"),
            ("response", "response:primary", "on_call_secondary", "joins"),
            ("update", "update:due", None, ""),
        ],
    ),
    (
        "P3",
        True,
        [
            ("ladder", "ladder:none:ticket", None, "ticket"),
            ("response", "response:secondary", "ingestion_owner", "joins"),
            ("update", "update:due", None, ""),
        ],
    ),
    ("P1", False, [("review", "review:1", None, "")]),
    ("P2", False, [("ladder", "ladder:ingestion_owner:notified", "ingestion_owner", "notified")]),
]


def _due_sweep(now, count: int = 1_000):
    """Seed `count` steps of `DUE_MIX` due a minute ago on new incidents, and return the sweep
    firing them all (`escalate_due` until nothing is due). The incidents are resolved once it
    ran, so the next size's pages and its nothing-due sweep see the data they saw before."""
    people = _people()
    roles = {role.key: role for role in Role.objects.all()}
    severities = {severity.key: severity for severity in Severity.objects.all()}
    due = now - datetime.timedelta(minutes=1)
    incidents, steps, reviews = [], [], []
    first = Incident.objects.count()  # the dedupe keys of earlier sizes' incidents stay unique
    with transaction.atomic():
        while len(steps) < count:
            for severity, is_open, kinds in DUE_MIX:
                n = len(incidents)
                incident = Incident(
                    title=f"Due {n}",
                    severity=severities[severity],
                    impact="Benchmark",
                    status="investigating" if is_open else "resolved",
                    opened_at=due - datetime.timedelta(hours=2),
                    ladder_started_at=due - datetime.timedelta(hours=2),
                    opened_by=people["alerts"],
                    resolved_at=None if is_open else due,
                    dedupe_key=f"bench-due-{first + n}",
                )
                incidents.append(incident)
                if kinds[0][0] == "review":
                    reviews.append(
                        PostIncidentReview(
                            incident=incident,
                            accountable=people["owner"],
                            responsible=people["primary"],
                            due_on=timezone.localdate(now) + datetime.timedelta(days=2),
                        )
                    )
                steps += [
                    IncidentStep(
                        incident=incident,
                        kind=kind,
                        key=key,
                        label=key,
                        role=roles.get(role),
                        action=action,
                        due_at=due,
                    )
                    for kind, key, role, action in kinds
                ]
        Incident.objects.bulk_create(incidents)
        PostIncidentReview.objects.bulk_create(reviews)
        IncidentStep.objects.bulk_create(steps[:count])

    def sweep():
        while escalate_due(now=now) != "nothing due":
            pass

    figure = once(sweep)
    Incident.objects.filter(pk__in=[i.pk for i in incidents]).update(
        status="resolved", resolved_at=now
    )
    IncidentStep.objects.filter(incident__in=incidents, fired_at=None).update(cancelled_at=now)
    return figure


def page(client, url, **headers):
    def get():
        response = client.get(url, **headers)
        assert response.status_code == 200, (url, response.status_code)

    return get


def run_size(size: int, now, index: int) -> dict:
    _seed_rotations(ROTATIONS * size, now)
    _seed_incidents(INCIDENTS * size, now)
    _seed_page_incident(COMMS * size if size < 100 else 200, now)
    _seed_pending(PENDING * size if size < 100 else 100)
    people = State.people
    admin, owner = Client(), Client()
    admin.force_login(people["admin"])
    owner.force_login(people["owner"])
    month = timezone.localdate(now).strftime("%Y-%m")
    sizes = {
        "rotations": Rotation.objects.count(),
        "incidents": Incident.objects.count(),
    }
    results = {}

    def sweep():
        with memo.memoised():
            reminders.keep_generated(now=now)

    def who():
        with memo.memoised():
            selectors.on_call_at(now)

    results["rotations.generate, nothing due"] = measure(sweep)
    results["incidents sweep, nothing due"] = measure(lambda: escalate_due(now=now))
    results["who is on call at T"] = measure(who)
    results["GET /rotations/"] = measure(page(admin, "/rotations/"))
    results["GET /incidents/?status=open"] = measure(page(admin, "/incidents/?status=open"))
    results["GET /incidents/?q=database+down"] = measure(page(admin, "/incidents/?q=database+down"))
    results["admin incident changelist ?q="] = measure(
        page(admin, "/admin/incidents/incident/?q=database+slow")
    )
    results["incident page (comms, events)"] = measure(
        page(owner, f"/incidents/{State.page_incident.pk}/")
    )
    results["dashboard (pending approvals)"] = measure(page(owner, "/"))
    results["compliance report page (month)"] = measure(page(owner, f"/compliance/?month={month}"))
    # A token client, as the ingestion system polls: no session cookie, so one statement at
    # most, none on PostgreSQL once the process has the token's row (governance/killswitch/
    # mirror.py). Its lookup is a libpq call, which Django's execute wrapper never sees: counted
    # on the wire.
    poll = page(
        Client(), "/api/kill-switch/?workspace=client-0", HTTP_AUTHORIZATION=f"Bearer {State.token}"
    )
    _, times = measure(poll)
    with statements() as sent:
        poll()
    results["kill-switch poll, warm process"] = (len(sent), times)
    # After the pages: the worker firing the steps has its URLconf loaded (acknowledge links).
    results["incidents sweep, 1 000 due (mixed)"] = _due_sweep(now)
    # Each size moves the horizon one more week: every rotation has one week and handoff due.
    week_later = now + datetime.timedelta(weeks=index + 1)
    results["rotations.generate, a week due everywhere"] = once(
        lambda: reminders.keep_generated(now=week_later)
    )
    return sizes, results


def main() -> None:
    boot.migrate()
    now = timezone.now()
    table, scales = Table("scale"), {}
    for index, size in enumerate(SIZES):
        started = time.perf_counter()
        counts, results = run_size(size, now, index)
        scales[size] = counts
        print(
            f"size {size}x: {counts} ({connection.vendor}), measured in "
            f"{time.perf_counter() - started:.0f} s",
            file=sys.stderr,
        )
        for label, figure in results.items():
            table.add(label, size, figure)
    table.print()
    print(
        "\nsizes: "
        + "; ".join(
            f"{s}x = {c['rotations']} rotations, {c['incidents']} incidents"
            for s, c in scales.items()
        )
    )


if __name__ == "__main__":
    main()
