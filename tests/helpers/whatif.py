"""A month of recorded history for the policy what-if tests (D9 §9), built through the
services with `at=` (time travel): three incidents and three kill-switch pauses whose replayed
figures are computed by hand in `tests/governance/test_policy_whatif.py`."""

import datetime

from governance.approvals import services as approvals
from governance.killswitch import services as killswitch
from governance.models import KillSwitchScenario, Severity, Workspace
from incidents import services as incidents

UTC = datetime.UTC
# Before the history: the `rotation` fixture generates weeks from two weeks before this.
CLOCK = datetime.datetime(2030, 1, 16, 10, 0, tzinfo=UTC)
SINCE = datetime.date(2030, 1, 5)
AT = datetime.datetime(2030, 2, 4, 0, 0, tzinfo=UTC)


def t(month, day, hour, minute=0):
    return datetime.datetime(2030, month, day, hour, minute, tzinfo=UTC)


def _incident(key, opened, acked, updates, resolved, *, on_call_at, title):
    crew = on_call_at(opened)
    incident, _ = incidents.open_incident(
        actor=crew.primary, title=title, severity=Severity.objects.get(key=key), at=opened
    )
    incidents.acknowledge(incident=incident, actor=crew.primary, at=acked)
    for at in updates:
        incidents.post_update(
            incident=incident,
            actor=crew.primary,
            status="investigating",
            findings="Looking",
            next_steps="Keep looking",
            at=at,
        )
    incidents.resolve(
        incident=incident, actor=crew.primary, root_cause="Bug", resolution="Fixed", at=resolved
    )
    incident.refresh_from_db()
    return incident


def _pause(slug, activated, approved, *, owner, on_call_at):
    workspace = Workspace.objects.create(name=slug.title(), slug=slug)
    activation = killswitch.activate_kill_switch(
        actor=on_call_at(activated).primary,
        scenario=KillSwitchScenario.objects.get(key="error_rate_10"),
        severity=Severity.objects.get(key="P2"),
        reason="Error rate above 10%",
        workspace=workspace,
        at=activated,
    )
    approvals.decide_approval(
        request=activation.approval, actor=owner, verdict="approve", statement="ok", at=approved
    )
    return activation


def build_month(*, owner, on_call_at) -> dict:
    """January 2030 (times UTC = London):

    - A: P1 Thu 10 Jan 10:00, acknowledged 10:03, resolved 10:12.
    - B: P1 Tue 15 Jan 23:00 (night), acknowledged 23:20, update 23:40, resolved 00:40.
    - C: P2 Fri 18 Jan 14:00, acknowledged 14:01, resolved 14:20.
    - X, Y, Z: "Error rate > 10%" pauses at 12:00 on 9, 23 and 29 Jan, the Owner approving
      after 12, 5 and 20 minutes (D9 §5.1 "Owner (within 15 min)").
    """
    return {
        "A": _incident(
            "P1",
            t(1, 10, 10),
            t(1, 10, 10, 3),
            [],
            t(1, 10, 10, 12),
            on_call_at=on_call_at,
            title="A",
        ),
        "B": _incident(
            "P1",
            t(1, 15, 23),
            t(1, 15, 23, 20),
            [t(1, 15, 23, 40)],
            t(1, 16, 0, 40),
            on_call_at=on_call_at,
            title="B",
        ),
        "C": _incident(
            "P2",
            t(1, 18, 14),
            t(1, 18, 14, 1),
            [],
            t(1, 18, 14, 20),
            on_call_at=on_call_at,
            title="C",
        ),
        "X": _pause("xco", t(1, 9, 12), t(1, 9, 12, 12), owner=owner, on_call_at=on_call_at),
        "Y": _pause("yco", t(1, 23, 12), t(1, 23, 12, 5), owner=owner, on_call_at=on_call_at),
        "Z": _pause("zco", t(1, 29, 12), t(1, 29, 12, 20), owner=owner, on_call_at=on_call_at),
    }
