"""Issue 12 point 4: the D9 §5.3 "Rollback" resume is reachable.

A rollback (D9 §6.3/§6.4) taken while ingestion is paused makes the resume a §5.3 Rollback
resume: Ingestion Owner + PM, with the "Full P0 revalidation" recorded item by item (the
portal reads it as the D9 §2.1 Pre-Launch and Launch checks done again). After an emergency
rollback to P0, advancing again requires that revalidation."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from governance.approvals import services as approvals
from governance.killswitch import services as killswitch
from governance.killswitch.authority import resume_row
from governance.models import (
    KillSwitchActivation,
    RaciActivity,
    RevalidationCheck,
    RollbackReason,
)
from governance.rollout import selectors as rollout_selectors
from governance.rollout import services as rollout
from tests.helpers.killswitch import scenario, severity
from tests.helpers.signoffs import future, phase, set_phase

pytestmark = pytest.mark.django_db


def emergency_to_p0(actor, owner):
    set_phase("P1")
    return rollout.emergency_rollback(
        actor=actor,
        to_phase="P0",
        reasons=[RollbackReason.objects.get(text="Data integrity concern")],
        approved_by=owner,
        re_ramp_on=future(),
        client_communication=False,
    )


def revalidate_all(sign_off, person):
    for activity in RaciActivity.objects.filter(key__in=rollout_selectors.REVALIDATION_ACTIVITIES):
        rollout.record_revalidation(
            sign_off=sign_off, actor=person, activity=activity, note=f"{activity.name} passed."
        )


@pytest.fixture
def paused_then_rolled_back(primary, owner, pm, workspace):
    """A pause in force (D9 §5.1 Error rate > 20%), then an emergency rollback to P0."""
    activation = killswitch.activate_kill_switch(
        actor=primary,
        scenario=scenario("error_rate_20"),
        severity=severity(),
        reason="25%",
        workspace=workspace,
        at=timezone.now() - datetime.timedelta(minutes=10),
    )
    sign_off = emergency_to_p0(primary, owner)
    return activation, sign_off


def test_a_rollback_during_a_pause_makes_its_resume_the_rollback_row(
    paused_then_rolled_back, primary
):
    """D9 §5.3 "Rollback: Ingestion Owner + PM, Full P0 revalidation"."""
    activation, _ = paused_then_rolled_back
    row = resume_row(activation, at=timezone.now())
    assert row.key == "rollback"
    assert [v.text for v in row.verifications.all()] == ["Full P0 revalidation"]


def test_a_pause_without_a_rollback_keeps_its_length_row(primary, workspace):
    """Denied twin: no rollback during the pause, no Rollback resume (< 1 hour row)."""
    activation = killswitch.activate_kill_switch(
        actor=primary,
        scenario=scenario("error_rate_20"),
        severity=severity(),
        reason="25%",
        workspace=workspace,
    )
    assert resume_row(activation, at=timezone.now()).key == "pause_short"


def test_the_rollback_resume_needs_the_revalidation_then_owner_and_pm(
    client, paused_then_rolled_back, primary, owner, pm
):
    """Resume is refused until every item is recorded (service and page); the On-Call may not
    record them (denied twin); the Owner records them on the rollback's sign-off page; the
    resume then waits for the Owner and the PM, and lifts on their approvals."""
    activation, sign_off = paused_then_rolled_back
    verification = resume_row(activation, at=timezone.now()).verifications.get()
    with pytest.raises(ValidationError, match="Full P0 revalidation"):
        killswitch.resume_kill_switch(
            activation=activation, actor=primary, verified=[verification.pk]
        )
    client.force_login(primary)
    response = client.post(
        reverse("killswitch:resume", args=[activation.pk]),
        {"verified": [verification.pk]},
        follow=True,
    )
    assert "still to verify: Day-0 checklist" in response.content.decode()
    day0 = RaciActivity.objects.get(key="day_0_checklist")
    with pytest.raises(PermissionDenied):
        rollout.record_revalidation(sign_off=sign_off, actor=primary, activity=day0, note="ok")

    client.force_login(owner)
    page = client.get(reverse("rollout:signoff", args=[sign_off.approval_id])).content.decode()
    assert "Full P0 revalidation (D9 §5.3" in page
    response = client.post(
        reverse("rollout:revalidate", args=[sign_off.pk]),
        {"activity": day0.pk, "note": "Day-0 checklist re-run, all green."},
    )
    assert response.status_code == 302
    check = RevalidationCheck.objects.get(sign_off=sign_off, activity=day0)
    assert (check.verified_by, check.verified_role.key) == (owner, "ingestion_owner")
    response = client.post(
        reverse("rollout:revalidate", args=[sign_off.pk]), {"activity": day0.pk, "note": ""}
    )
    assert RevalidationCheck.objects.filter(sign_off=sign_off).count() == 1
    revalidate_all_but(sign_off, pm, done={"day_0_checklist"})

    activation = killswitch.resume_kill_switch(
        activation=activation, actor=primary, verified=[verification.pk]
    )
    request = activation.resume_approval
    assert sorted(r.role.key for r in request.requirements.select_related("role")) == [
        "ingestion_owner",
        "product_manager",
    ]
    approvals.decide_approval(request=request, actor=owner, verdict="approve", statement="Ok.")
    activation.refresh_from_db()
    assert activation.status == KillSwitchActivation.Status.ACTIVE
    approvals.decide_approval(request=request, actor=pm, verdict="approve", statement="Ok.")
    activation.refresh_from_db()
    assert activation.status == KillSwitchActivation.Status.RESUMED
    entry = activation.log_entries.get(event="resumed")
    assert "Full P0 revalidation" in entry.reason


def revalidate_all_but(sign_off, person, *, done: set[str]):
    for activity in RaciActivity.objects.filter(
        key__in=rollout_selectors.REVALIDATION_ACTIVITIES
    ).exclude(key__in=done):
        rollout.record_revalidation(
            sign_off=sign_off, actor=person, activity=activity, note=f"{activity.name} passed."
        )


def test_after_an_emergency_rollback_to_p0_advancing_needs_the_revalidation(
    primary, owner, pm, db_owner
):
    """Advancing P0 → P1 on the Owner's signature alone is refused until the Full P0
    revalidation is recorded; then the gate review opens and passes as usual."""
    sign_off = emergency_to_p0(primary, owner)
    assert phase() == "P0"
    with pytest.raises(ValidationError, match="Full P0 revalidation"):
        rollout.request_phase_advance(actor=db_owner, criteria="Fixed.")
    assert any("Full P0 revalidation" in reason for reason in rollout.blockers())
    revalidate_all(sign_off, owner)
    assert rollout.blockers() == []
    advance = rollout.request_phase_advance(actor=db_owner, criteria="Fixed and revalidated.")
    rollout.sign(request=advance.approval, actor=owner, statement="Revalidated.")
    assert phase() == "P1"


def test_the_rollout_page_names_the_missing_revalidation(client, primary, owner):
    emergency_to_p0(primary, owner)
    client.force_login(owner)
    page = client.get(reverse("rollout:overview")).content.decode()
    assert "needs its Full P0 revalidation first" in page
