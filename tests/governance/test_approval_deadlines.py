"""Issue 12 point 2: no approval without a deadline, none that nobody can decide.

Where D9 names no deadline (the Owner's approval of a pause > 1 hour, D9 §2.2; the Owner + SRE
Lead approval of a global disable; gate and GA sign-offs, §6.1/§6.2), the approver's D9 §3.1
response time applies (Owner 1 hour), editable as policy; when it passes the backup is asked and
may decide. When the requester is the only holder of the approving role, the request goes at
once to the backup (D9 §1.3), or to the next authority of D9 §4.2 when there is none."""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from governance import authority
from governance.approvals import services as approvals
from governance.compliance.report import build_report
from governance.killswitch import services as killswitch
from governance.models import (
    ApprovalDecision,
    ApprovalRequest,
    KillSwitchActivation,
    Notification,
    OnCallTier,
    Role,
    RoleAssignment,
)
from governance.rollout import services as rollout
from tests.helpers.killswitch import scenario, severity
from tests.helpers.signoffs import set_phase

pytestmark = pytest.mark.django_db
MINUTE = datetime.timedelta(minutes=1)


def due(request: ApprovalRequest) -> dict[str, datetime.datetime]:
    return {r.role.key: r.due_at for r in request.requirements.select_related("role")}


def test_gate_sign_offs_are_due_within_each_approvers_response_time(owner, pm, db_owner):
    """D9 §6.1 names no deadline: the Owner's is their §3.1 response time (1 hour), the PM's
    the policy's value for a role §3.1 does not list (1 hour, as the last tier)."""
    set_phase("P1")
    at = timezone.now()
    review = rollout.request_phase_advance(actor=db_owner, criteria="Met.", at=at).approval
    assert due(review) == {"ingestion_owner": at + 60 * MINUTE, "product_manager": at + 60 * MINUTE}


def test_the_deadline_is_policy_and_editing_it_moves_new_requests(owner, pm, db_owner):
    """Editable as policy: the Owner's §3.1 tier and the PM's role value."""
    OnCallTier.objects.filter(role__key="ingestion_owner").update(response_minutes=90)
    Role.objects.filter(key="product_manager").update(approval_response_minutes=240)
    set_phase("P1")
    at = timezone.now()
    review = rollout.request_phase_advance(actor=db_owner, criteria="Met.", at=at).approval
    assert due(review) == {
        "ingestion_owner": at + 90 * MINUTE,
        "product_manager": at + 240 * MINUTE,
    }


def test_a_role_with_no_response_time_is_refused_in_words(owner, pm, db_owner):
    """A policy gap is said, never defaulted: no deadline, no request (nothing recorded)."""
    Role.objects.filter(key="product_manager").update(approval_response_minutes=None)
    set_phase("P1")
    with pytest.raises(Exception, match="no response time"):
        rollout.request_phase_advance(actor=db_owner, criteria="Met.")
    assert not ApprovalRequest.objects.exists()


def test_a_global_disable_is_due_from_the_owner_and_the_sre_lead_within_an_hour(
    owner, sre_lead, primary
):
    """D9 §2.2 Global disable: Owner + SRE Lead must approve, D9 names no deadline."""
    at = timezone.now()
    activation = killswitch.activate_kill_switch(
        actor=primary, scenario=scenario("error_rate_20"), severity=severity(), reason="25%", at=at
    )
    assert due(activation.approval) == {
        "ingestion_owner": at + 60 * MINUTE,
        "sre_lead": at + 60 * MINUTE,
    }


@pytest.fixture
def long_pause(primary, owner, owner_backup, workspace):
    """A pause the On-Call started two hours ago that the sweep has marked "> 1 hour"."""
    start = timezone.now() - datetime.timedelta(hours=2)
    activation = killswitch.activate_kill_switch(
        actor=primary,
        scenario=scenario("error_rate_20"),
        severity=severity(),
        reason="25%",
        workspace=workspace,
        at=start,
    )
    killswitch.mark_long_pauses(now=start + 61 * MINUTE)
    activation.refresh_from_db()
    return activation


def test_when_the_owners_hour_passes_the_backup_is_asked_and_may_decide(
    long_pause, owner, owner_backup, client, time_machine
):
    """D9 §2.2 Pause (> 1 hour), Owner approves; D9 §3.1 Owner 1 hour. Before the hour the
    backup is refused (denied twin); after it they are mailed once and decide, through the
    activation page's form."""
    request = long_pause.long_pause_approval
    deadline = due(request)["ingestion_owner"]
    assert not authority.decide(owner_backup, "approval.decide", obj=request, at=deadline - MINUTE)
    assert approvals.escalate_overdue(now=deadline - MINUTE) == 0
    assert approvals.escalate_overdue(now=deadline) == 1
    assert approvals.escalate_overdue(now=deadline + MINUTE) == 0
    mails = Notification.objects.filter(template="approval-overdue", recipient=owner_backup)
    assert mails.count() == 1

    time_machine.move_to(deadline + MINUTE)
    client.force_login(owner_backup)
    client.post(
        reverse("approvals:decide", args=[request.pk]),
        {"verdict": "approve", "statement": "Keep it paused."},
    )
    decision = ApprovalDecision.objects.get(request=request)
    assert decision.person == owner_backup
    assert decision.held_as == ApprovalDecision.HeldAs.BACKUP_ASKED


@pytest.fixture
def owners_own_long_pause(owner, workspace):
    """D9 §5.1 "Suspected data corruption: Anyone": the Owner pauses, and it outlives an hour."""
    start = timezone.now() - datetime.timedelta(hours=2)
    activation = killswitch.activate_kill_switch(
        actor=owner,
        scenario=scenario("data_corruption"),
        severity=severity("P1"),
        reason="Checksums differ",
        workspace=workspace,
        at=start,
    )
    killswitch.mark_long_pauses(now=start + 61 * MINUTE)
    activation.refresh_from_db()
    return activation


def test_the_owners_own_long_pause_goes_to_the_backup_at_once(
    owner, owner_backup, owners_own_long_pause
):
    """The requester is the only Owner: the backup is mailed at once, may decide at once (the
    Owner may not: denied twin), the §5.2 log names who was asked, and the compliance report
    counts the pause approved once the backup approved it."""
    activation = owners_own_long_pause
    request = activation.long_pause_approval
    assert Notification.objects.filter(
        template="approval-requested", recipient=owner_backup
    ).exists()
    entry = activation.log_entries.get(event="long_pause")
    assert "asked Oscar Backup" in entry.approval
    with pytest.raises(PermissionDenied):
        approvals.decide_approval(request=request, actor=owner, verdict="approve", statement="x")
    start = activation.long_pause_at
    decision = approvals.decide_approval(
        request=request,
        actor=owner_backup,
        verdict="approve",
        statement="Agreed.",
        at=start + MINUTE,
    )
    assert decision.held_as == ApprovalDecision.HeldAs.BACKUP_ASKED
    assert approvals.escalate_overdue(now=start + 2 * 60 * MINUTE) == 0
    report = build_report(start=start - datetime.timedelta(days=1), end=start + 2 * 60 * MINUTE)
    assert (report.long_pauses_approved.good, report.long_pauses_approved.total) == (1, 1)


def test_with_no_backup_the_owners_own_long_pause_goes_to_the_sre_lead(
    owner, sre_lead, workspace, client
):
    """No backup: the next authority of D9 §4.2 (P1: Ingestion Owner → SRE Lead) is asked and
    mailed, the log names them, their approval counts in the compliance report; someone else
    (the PM, an outsider) is refused (denied twin)."""
    assert RoleAssignment.objects.get(role__key="ingestion_owner").backup is None
    start = timezone.now() - datetime.timedelta(hours=2)
    activation = killswitch.activate_kill_switch(
        actor=owner,
        scenario=scenario("data_corruption"),
        severity=severity("P1"),
        reason="Checksums differ",
        workspace=workspace,
        at=start,
    )
    killswitch.mark_long_pauses(now=start + 61 * MINUTE)
    activation.refresh_from_db()
    request = activation.long_pause_approval
    assert list(due(request)) == ["sre_lead"]
    assert Notification.objects.filter(template="approval-requested", recipient=sre_lead).exists()
    assert "Sam Reyes" in activation.log_entries.get(event="long_pause").approval
    client.force_login(sre_lead)
    client.post(
        reverse("approvals:decide", args=[request.pk]),
        {"verdict": "approve", "statement": "For the Owner."},
    )
    assert ApprovalRequest.objects.get(pk=request.pk).status == ApprovalRequest.Status.APPROVED
    report = build_report(
        start=start - datetime.timedelta(days=1), end=timezone.now() + datetime.timedelta(days=1)
    )
    assert (report.long_pauses_approved.good, report.long_pauses_approved.total) == (1, 1)


def test_the_backup_is_not_asked_while_someone_else_holds_the_role(long_pause, owner_backup):
    """Denied twin of the routing: the On-Call's pause goes to the Owner, not to the backup."""
    request = long_pause.long_pause_approval
    assert not Notification.objects.filter(
        template="approval-requested", recipient=owner_backup
    ).exists()
    assert not authority.decide(
        owner_backup, "approval.decide", obj=request, at=long_pause.long_pause_at + MINUTE
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_owner_and_backup_deciding_at_once_after_the_deadline_approve_once(
    primary, owner, owner_backup, workspace
):
    """Two threads on PostgreSQL: past the deadline the Owner and their backup approve the
    same > 1 hour pause at the same instant; one approval is recorded, the other is told the
    request is approved, and the §5.2 log has one approval entry."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks (select_for_update); SQLite serialises writes")
    start = timezone.now() - datetime.timedelta(hours=3)
    activation = killswitch.activate_kill_switch(
        actor=primary,
        scenario=scenario("error_rate_20"),
        severity=severity(),
        reason="25%",
        workspace=workspace,
        at=start,
    )
    killswitch.mark_long_pauses(now=start + 61 * MINUTE)
    activation.refresh_from_db()
    request = activation.long_pause_approval
    barrier = threading.Barrier(2)
    outcomes = []

    def run(person):
        try:
            barrier.wait(timeout=10)
            approvals.decide_approval(
                request=request, actor=person, verdict="approve", statement="Keep it."
            )
            outcomes.append("approved")
        except PermissionDenied as refusal:
            outcomes.append(str(refusal))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(p,)) for p in (owner, owner_backup)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["This request is approved.", "approved"]
    assert ApprovalDecision.objects.filter(request=request).count() == 1
    activation = KillSwitchActivation.objects.get(pk=activation.pk)
    assert activation.log_entries.filter(event="approved").count() == 1
