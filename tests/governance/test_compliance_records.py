# ruff: noqa: F811  (the shared fixtures are imported from killswitch_helpers)
"""The compliance figures built from real records: handoff checklists completed on time,
approvals decided within their deadline, pauses over one hour with the Owner's approval — each
against hand-computed values — and the month's evidence pack."""

import csv
import datetime
import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from governance import authority
from governance.approvals import kinds
from governance.approvals import services as approvals
from governance.compliance import report as compliance
from governance.killswitch import services as killswitch
from governance.models import (
    ApprovalRequest,
    HandoffChecklistItem,
    Notification,
    Severity,
    Workspace,
)
from tests.helpers.killswitch import scenario

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def deadline_kind():
    """A bare approval kind for requests that only exist to be counted."""
    key = kinds.register("test.deadline", url=lambda request: reverse("dashboard"))
    yield key
    kinds.KINDS.pop(key)


UTC = datetime.UTC
MINUTE = datetime.timedelta(minutes=1)


def t(day, hour, minute=0, month=1):
    return datetime.datetime(2025, month, day, hour, minute, tzinfo=UTC)


def _january():
    return compliance.build_report(start=t(1, 0), end=t(1, 0, month=2))


@pytest.fixture
def handoffs(make_user):
    """Four Monday 09:00 UTC handoffs in January 2025 and one on 3 February:
    6 Jan every item ticked by 09:30 (on time); 13 Jan the last item ticked at 10:01 (late);
    20 Jan one item never ticked (not complete); 27 Jan the last item ticked at 10:00 sharp
    (on time: "within one hour" includes the hour); 3 Feb outside the month."""
    from rotations.models import Handoff, HandoffCheck, Rotation, RotationWeek

    ann, bob, cid, dee = (make_user(name) for name in ("ann", "bob", "cid", "dee"))
    rotation = Rotation.objects.create(name="Ingestion", slug="ingest", time_zone="UTC")
    items = list(HandoffChecklistItem.objects.all())
    assert len(items) >= 2
    pairs = [(ann, bob), (cid, dee)]
    rows = {}
    for n, (day, month, last_tick) in enumerate(
        [
            (6, 1, datetime.timedelta(minutes=30)),
            (13, 1, datetime.timedelta(minutes=61)),
            (20, 1, None),
            (27, 1, datetime.timedelta(minutes=60)),
            (3, 2, datetime.timedelta(minutes=5)),
        ]
    ):
        at = t(day, 9, month=month)
        incoming, outgoing = pairs[n % 2], pairs[(n + 1) % 2]
        week = RotationWeek.objects.create(
            rotation=rotation,
            starts_at=at,
            ends_at=at + datetime.timedelta(weeks=1),
            primary=incoming[0],
            secondary=incoming[1],
        )
        handoff = Handoff.objects.create(
            rotation=rotation,
            week=week,
            at=at,
            outgoing_primary=outgoing[0],
            outgoing_secondary=outgoing[1],
            incoming_primary=incoming[0],
            incoming_secondary=incoming[1],
        )
        for i, item in enumerate(items):
            last = i == len(items) - 1
            if last and last_tick is None:
                continue
            checked_at = at + (last_tick if last else -datetime.timedelta(minutes=10))
            side = outgoing if item.side == "outgoing" else incoming
            HandoffCheck.objects.create(
                handoff=handoff, item=item, checked_by=side[0], checked_at=checked_at
            )
        rows[f"{day}/{month}"] = handoff
    return rows


def test_handoff_checklists_completed_within_the_hour_match_the_hand_count(handoffs):
    figure = _january().handoffs_on_time
    assert (figure.good, figure.total) == (2, 4)
    assert figure.bad_ids == [handoffs["13/1"].pk, handoffs["20/1"].pk]
    assert handoffs["3/2"].pk not in figure.ids


def test_a_handoff_less_than_an_hour_old_is_not_counted_yet(handoffs):
    from rotations.models import Handoff, RotationWeek

    now = timezone.now()
    week = RotationWeek.objects.create(
        rotation=handoffs["6/1"].rotation, starts_at=now - 30 * MINUTE, ends_at=now + MINUTE
    )
    fresh = Handoff.objects.create(rotation=week.rotation, week=week, at=week.starts_at)
    report = compliance.build_report(start=now - datetime.timedelta(days=1), end=now + MINUTE)
    assert fresh.pk not in report.handoffs_on_time.ids


def test_the_page_links_each_late_handoff_and_the_csv_counts_them(client, owner, handoffs):
    client.force_login(owner)
    page = client.get(reverse("compliance:report"), {"month": "2025-01"}).content.decode()
    assert "Handoff checklists completed within one hour" in page
    for key in ("13/1", "20/1"):
        assert reverse("rotations:handoff", args=[handoffs[key].pk]) in page
    assert reverse("rotations:handoff", args=[handoffs["6/1"].pk]) not in page
    text = client.get(reverse("compliance:report"), {"month": "2025-01", "format": "csv"})
    late = f"{handoffs['13/1'].pk} {handoffs['20/1'].pk}"
    assert f"Handoff checklists completed on time,2,4,{late}" in text.content.decode()


@pytest.fixture
def deadlines(owner, pm, make_user):
    """Four requests, each needing the Ingestion Owner by a deadline at 10:15 (hand-counted):
    10 Jan approved 10:10 (in time); 11 Jan approved 10:40 (late); 12 Jan vetoed 10:05 (decided
    in time); 13 Jan never decided (late). A fifth, cancelled, does not count."""
    target = Workspace.objects.create(name="Acme", slug="acme")
    rows = {}
    for day, verdict, at in [
        (10, "approve", t(10, 10, 10)),
        (11, "approve", t(11, 10, 40)),
        (12, "veto", t(12, 10, 5)),
        (13, None, None),
        (14, None, None),
    ]:
        request = approvals.request_approval(
            kind="test.deadline",
            target=target,
            title=f"Request of {day} Jan",
            requester=pm,
            requirements=[authority.Requirement("ingestion_owner", t(day, 10, 15), "D9 §5.1")],
            at=t(day, 10),
        )
        if verdict:
            approvals.decide_approval(
                request=request, actor=owner, verdict=verdict, statement="decided", at=at
            )
        rows[day] = request
    approvals.cancel_request(request=rows[14], actor=pm, reason="not needed", at=t(14, 10, 1))
    return rows


def test_approvals_decided_within_their_deadline_match_the_hand_count(deadlines):
    figure = _january().approvals_in_time
    assert (figure.good, figure.total) == (2, 4)
    assert figure.bad_ids == [deadlines[11].pk, deadlines[13].pk]
    assert deadlines[14].pk not in figure.ids


def test_an_undecided_approval_whose_deadline_is_ahead_is_not_counted_yet(owner, pm):
    now = timezone.now()
    request = approvals.request_approval(
        kind="test.deadline",
        target=Workspace.objects.create(name="Beta", slug="beta"),
        title="Pending",
        requester=pm,
        requirements=[authority.Requirement("ingestion_owner", now + 10 * MINUTE, "D9 §5.1")],
        at=now,
    )
    report = compliance.build_report(start=now - MINUTE, end=now + datetime.timedelta(hours=1))
    assert request.pk not in report.approvals_in_time.ids


def test_pauses_over_one_hour_count_only_the_owners_approval_of_the_long_pause(people):
    """Pause A (activate first) passes one hour and the Owner approves the long pause: approved.
    Pause B was approved by the Owner as an activation (D9 §5.1) but nobody approved it going
    past one hour (D9 §2.2 Pause > 1 hour, A = Owner): not approved."""
    owner, on_call = people["owner"], people["primary"]
    start = timezone.now()
    a_ws, b_ws = (Workspace.objects.create(name=name, slug=name.lower()) for name in "AB")
    p2 = Severity.objects.get(key="P2")
    a = killswitch.activate_kill_switch(
        actor=on_call, scenario=scenario("error_rate_20"), severity=p2, reason="a", workspace=a_ws
    )
    b = killswitch.activate_kill_switch(
        actor=on_call, scenario=scenario("error_rate_10"), severity=p2, reason="b", workspace=b_ws
    )
    approvals.decide_approval(request=b.approval, actor=owner, verdict="approve", statement="ok")
    b.approval.refresh_from_db()
    assert b.approval.status == ApprovalRequest.Status.APPROVED
    report = compliance.build_report(start=start, end=start + datetime.timedelta(hours=3))
    assert report.long_pauses_approved.total == 0  # not yet one hour
    assert killswitch.mark_long_pauses(now=start + 65 * MINUTE) == 2
    a.refresh_from_db()
    approvals.decide_approval(
        request=a.long_pause_approval,
        actor=owner,
        verdict="approve",
        statement="keep paused",
        at=start + 70 * MINUTE,
    )
    report = compliance.build_report(start=start, end=start + datetime.timedelta(hours=3))
    figure = report.long_pauses_approved
    assert (figure.good, figure.total) == (1, 2)
    assert figure.bad_ids == [b.pk]
    assert figure.ids == [a.pk, b.pk]


@pytest.fixture
def month(owner, make_user, handoffs, deadlines):
    """January 2025: one P1 incident with events, the handoffs and decisions above, two mails
    (one in January, one in February)."""
    from incidents.models import Incident, IncidentEvent

    eng = make_user("eng")
    incident = Incident.objects.create(
        title="Uploads failing",
        severity=Severity.objects.get(key="P1"),
        opened_at=t(15, 10),
        ladder_started_at=t(15, 10),
        acknowledged_at=t(15, 10, 5),
        resolved_at=t(15, 11),
        status="resolved",
    )
    for at, kind, actor in [
        (t(15, 10), "opened", None),
        (t(15, 10, 5), "acknowledged", eng),
        (t(15, 11), "resolved", eng),
    ]:
        IncidentEvent.objects.create(incident=incident, at=at, kind=kind, actor=actor, text=kind)
    for at, key in [(t(15, 10, 1), "jan"), (t(1, 0, 1, month=2), "feb")]:
        Notification.objects.create(
            address="owner@example.com",
            template="incident-paged",
            subject=f"Mail {key}",
            body_text=key,
            dedupe_key=f"test:{key}",
            created_at=at,
        )
    return {"incident": incident, "eng": eng}


def _read(pack: zipfile.ZipFile, name: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(pack.read(name).decode())))


def test_the_month_evidence_pack_holds_the_timeline_roles_decisions_and_mails(
    client, owner, month, handoffs, deadlines
):
    client.force_login(owner)
    url = reverse("compliance:month_pack", args=[2025, 1])
    response = client.get(url)
    assert response["Content-Type"] == "application/zip"
    assert 'filename="evidence-2025-01.zip"' in response["Content-Disposition"]
    pack = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(pack.namelist()) == [
        "MANIFEST.sha256",
        "README.md",
        "decisions.csv",
        "incidents.csv",
        "mails.csv",
        "record/chain.jsonl",
        "record/segment.json",
        "report.csv",
        "roles.csv",
        "timeline.csv",
        "verify_record.py",
    ]
    readme = pack.read("README.md").decode()
    assert readme.startswith("# Evidence pack: 2025-01")
    assert "- Handoff checklists completed on time: 2 / 4" in readme
    assert "- Approvals within deadline: 2 / 4" in readme

    incident = month["incident"]
    assert [(r["id"], r["severity"]) for r in _read(pack, "incidents.csv")] == [
        (str(incident.pk), "P1")
    ]
    timeline = _read(pack, "timeline.csv")
    assert [(r["kind"], r["actor"]) for r in timeline] == [
        ("opened", ""),
        ("acknowledged", "eng"),
        ("resolved", "eng"),
    ]
    assert timeline[1]["at"] == "2025-01-15T10:05:00+00:00"

    roles = _read(pack, "roles.csv")
    assert {"kind": "assignment", "role": "Ingestion Owner", "person": "owner"}.items() <= roles[
        0
    ].items()
    weeks = [r for r in roles if r["kind"] == "rotation week"]
    # Weeks starting 6, 13, 20, 27 Jan (and none from February): Primary and Secondary each.
    assert len(weeks) == 8
    assert weeks[0] == {
        "kind": "rotation week",
        "role": "On-Call Primary",
        "person": "ann",
        "backup": "",
        "from": "2025-01-06T09:00:00+00:00",
        "to": "2025-01-13T09:00:00+00:00",
        "rotation": "ingest",
    }

    decisions = _read(pack, "decisions.csv")
    assert [(r["request"], r["verdict"], r["person"]) for r in decisions] == [
        (str(deadlines[10].pk), "approve", "owner"),
        (str(deadlines[11].pk), "approve", "owner"),
        (str(deadlines[12].pk), "veto", "owner"),
    ]
    assert all(r["policy"] for r in decisions)
    assert [r["subject"] for r in _read(pack, "mails.csv")] == ["Mail jan"]


def test_the_month_pack_link_is_on_the_report_and_refused_to_others(client, owner, support, month):
    client.force_login(owner)
    page = client.get(reverse("compliance:report"), {"month": "2025-01"}).content.decode()
    url = reverse("compliance:month_pack", args=[2025, 1])
    assert url in page
    assert client.get(reverse("compliance:month_pack", args=[2025, 13])).status_code == 400
    client.force_login(support)
    assert client.get(url).status_code == 403
