"""Issue 12 point 5: D9 §5.1 "Planned maintenance: Owner activates, PM (24h advance)".

A planned pause starts only if the PM approved at least 24 hours before its start; a later
approval moves nothing, the page says why, and the Owner may reschedule."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from governance.approvals import services as approvals
from governance.killswitch import services as killswitch
from governance.models import ApprovalRequest, KillSwitchActivation
from tests.helpers.killswitch import scenario, severity

pytestmark = pytest.mark.django_db
HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def planned(owner, pm, workspace):
    """Maintenance the Owner planned 30 hours ahead."""
    now = timezone.now()
    return killswitch.activate_kill_switch(
        actor=owner,
        scenario=scenario("planned_maintenance"),
        severity=severity("P3"),
        reason="Database upgrade",
        workspace=workspace,
        starts_at=now + 30 * HOUR,
        at=now,
    )


def approve(activation, pm, *, at):
    return approvals.decide_approval(
        request=activation.approval, actor=pm, verdict="approve", statement="OK", at=at
    )


def test_a_pm_approval_24_hours_ahead_starts_the_pause_at_its_time(planned, pm):
    """D9 §5.1: approved 25 h before the start (in time) — the sweep starts it at its time."""
    approve(planned, pm, at=planned.starts_at - 25 * HOUR)
    assert killswitch.start_due_pauses(now=planned.starts_at - HOUR) == 0
    assert killswitch.start_due_pauses(now=planned.starts_at) == 1
    planned.refresh_from_db()
    assert planned.status == KillSwitchActivation.Status.ACTIVE


def test_a_pm_approval_less_than_24_hours_ahead_moves_nothing_and_the_page_says_why(
    client, planned, pm, owner
):
    """Time travel: the PM approves 23 h before the start; at the start the pause does not
    begin, the §5.2 log and the activation page give the reason and offer the Owner to
    reschedule (the PM gets no such form: denied twin)."""
    approve(planned, pm, at=planned.starts_at - 23 * HOUR)
    assert ApprovalRequest.objects.get(pk=planned.approval_id).status == "approved"
    assert killswitch.start_due_pauses(now=planned.starts_at + HOUR) == 0
    planned.refresh_from_db()
    assert planned.status == KillSwitchActivation.Status.SCHEDULED
    assert killswitch.status_payload(workspace_slug="acme")["paused"] is False
    entry = planned.log_entries.get(event="approved")
    assert "less than 24 h before the start" in entry.approval

    client.force_login(owner)
    page = client.get(reverse("killswitch:detail", args=[planned.pk])).content.decode()
    assert "less than 24 h before the start" in page
    assert "Owner may reschedule" in page or "Ingestion Owner may reschedule" in page
    assert reverse("killswitch:reschedule", args=[planned.pk]) in page
    client.force_login(pm)
    page = client.get(reverse("killswitch:detail", args=[planned.pk])).content.decode()
    assert reverse("killswitch:reschedule", args=[planned.pk]) not in page


def test_the_owner_reschedules_and_a_timely_approval_then_starts_it(client, planned, pm, owner):
    """Through the page: the Owner moves the start 48 h ahead; the old approval no longer
    counts, the PM is asked again, and their approval now (≥ 24 h ahead) starts it in time."""
    approve(planned, pm, at=timezone.now())
    old = planned.approval_id
    new_start = timezone.localtime(timezone.now() + 48 * HOUR).replace(second=0, microsecond=0)
    client.force_login(owner)
    response = client.post(
        reverse("killswitch:reschedule", args=[planned.pk]),
        {"starts_at": new_start.strftime("%Y-%m-%dT%H:%M")},
    )
    assert response.status_code == 302
    planned.refresh_from_db()
    assert planned.starts_at == new_start
    assert planned.approval_id != old
    assert ApprovalRequest.objects.get(pk=old).status == ApprovalRequest.Status.CANCELLED
    approve(planned, pm, at=timezone.now())
    assert killswitch.start_due_pauses(now=new_start) == 1


def test_a_reschedule_inside_24_hours_or_by_someone_else_is_refused(planned, pm, owner):
    """Denied twins: the PM may not move the Owner's maintenance; the Owner may not move it
    to less than 24 h ahead (D9 §5.1 "24h advance"). Nothing changes."""
    start = planned.starts_at
    with pytest.raises(PermissionDenied):
        killswitch.reschedule_pause(activation=planned, actor=pm, starts_at=start + HOUR)
    with pytest.raises(PermissionDenied, match="24 h before it starts"):
        killswitch.reschedule_pause(
            activation=planned, actor=owner, starts_at=timezone.now() + 2 * HOUR
        )
    planned.refresh_from_db()
    assert planned.starts_at == start
