# ruff: noqa: F811  (the shared fixtures are imported from killswitch_helpers)
"""The approval mechanism: who counts, self-approval, revisions, vetoes, once-only transitions."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from governance import authority
from governance.approvals import services as approvals
from governance.killswitch import services as killswitch
from governance.models import ApprovalDecision, ApprovalRequest, KillSwitchActivation
from tests.helpers.killswitch import scenario, severity

pytestmark = pytest.mark.django_db


@pytest.fixture
def awaiting(people, workspace):
    """An error-rate > 10% pause by the On-Call Primary, awaiting the Owner (D9 §5.1)."""
    return killswitch.activate_kill_switch(
        actor=people["primary"],
        scenario=scenario("error_rate_10"),
        severity=severity(),
        reason="errors at 12%",
        workspace=workspace,
    )


def test_owner_approval_puts_the_pause_in_force(people, awaiting):
    assert awaiting.status == KillSwitchActivation.Status.AWAITING_APPROVAL
    decision = approvals.decide_approval(
        request=awaiting.approval, actor=people["owner"], verdict="approve", statement="Agreed"
    )
    assert decision.role.key == "ingestion_owner" and decision.policy_version is not None
    awaiting.refresh_from_db()
    assert awaiting.status == KillSwitchActivation.Status.ACTIVE
    assert awaiting.approval.status == ApprovalRequest.Status.APPROVED


def test_approving_your_own_activation_is_refused(people, awaiting, make_user):
    from tests.conftest import assign

    assign("ingestion_owner", people["primary"])  # the executor now also holds the Owner role
    with pytest.raises(PermissionDenied, match="someone else must approve"):
        approvals.decide_approval(
            request=awaiting.approval, actor=people["primary"], verdict="approve", statement="ok"
        )


def test_a_person_without_the_role_is_refused_with_the_reason(people, awaiting):
    with pytest.raises(PermissionDenied, match="Only the Ingestion Owner may decide"):
        approvals.decide_approval(
            request=awaiting.approval, actor=people["pm"], verdict="approve", statement="ok"
        )


def test_approving_twice_on_one_revision_is_refused(people, workspace):
    activation = killswitch.activate_kill_switch(
        actor=people["primary"],
        scenario=scenario("error_rate_10"),
        severity=severity(),
        reason="errors",
        workspace=None,
    )
    request = activation.approval  # global: Owner + SRE Lead
    approvals.decide_approval(
        request=request, actor=people["owner"], verdict="approve", statement="a"
    )
    with pytest.raises(ValidationError, match="already recorded"):
        approvals.decide_approval(
            request=request, actor=people["owner"], verdict="approve", statement="b"
        )
    request.refresh_from_db()
    assert request.status == ApprovalRequest.Status.PENDING


def test_revision_voids_earlier_approvals(people):
    activation = killswitch.activate_kill_switch(
        actor=people["primary"],
        scenario=scenario("error_rate_10"),
        severity=severity(),
        reason="errors",
        workspace=None,
    )
    request = activation.approval
    approvals.decide_approval(
        request=request, actor=people["owner"], verdict="approve", statement="a"
    )
    request = approvals.revise_request(request=request, actor=people["primary"], title="Revised")
    assert request.revision == 2
    approvals.decide_approval(
        request=request, actor=people["sre_lead"], verdict="approve", statement="b"
    )
    request.refresh_from_db()
    assert request.status == ApprovalRequest.Status.PENDING  # the Owner's approval was on r1
    approvals.decide_approval(
        request=request, actor=people["owner"], verdict="approve", statement="c"
    )
    request.refresh_from_db()
    assert request.status == ApprovalRequest.Status.APPROVED


def test_only_the_requester_may_revise(people, awaiting):
    with pytest.raises(PermissionDenied):
        approvals.revise_request(request=awaiting.approval, actor=people["pm"])


def test_veto_blocks_until_withdrawn_by_a_new_row(people):
    from governance.models import KillSwitchLogEntry

    activation = killswitch.activate_kill_switch(
        actor=people["primary"],
        scenario=scenario("error_rate_20"),
        severity=severity(),
        reason="errors",
        workspace=None,
    )  # global, activate first: Owner + SRE Lead approve later (§2.2 global disable)
    request = activation.approval
    approvals.decide_approval(
        request=request, actor=people["sre_lead"], verdict="veto", statement="no"
    )
    approvals.decide_approval(
        request=request, actor=people["owner"], verdict="approve", statement="y"
    )
    request.refresh_from_db()
    assert request.status == ApprovalRequest.Status.VETOED
    with pytest.raises(ValidationError, match="Withdraw your veto"):
        approvals.decide_approval(
            request=request, actor=people["sre_lead"], verdict="approve", statement="y"
        )
    approvals.decide_approval(
        request=request, actor=people["sre_lead"], verdict="withdraw", statement="fine"
    )
    request.refresh_from_db()
    assert request.status == ApprovalRequest.Status.PENDING
    approvals.decide_approval(
        request=request, actor=people["sre_lead"], verdict="approve", statement="y"
    )
    request.refresh_from_db()
    assert request.status == ApprovalRequest.Status.APPROVED
    assert ApprovalDecision.objects.filter(request=request).count() == 4
    events = list(activation.log_entries.values_list("event", flat=True))
    assert events.count(KillSwitchLogEntry.Event.APPROVED) == 1  # the callback ran once


def test_withdrawing_without_a_veto_is_refused(people, awaiting):
    with pytest.raises(ValidationError, match="no veto"):
        approvals.decide_approval(
            request=awaiting.approval, actor=people["owner"], verdict="withdraw", statement="x"
        )


def test_decisions_are_append_only(people, awaiting):
    decision = approvals.decide_approval(
        request=awaiting.approval, actor=people["owner"], verdict="approve", statement="ok"
    )
    decision.statement = "changed"
    with pytest.raises(ValidationError):
        decision.save()
    with pytest.raises(ValidationError):
        decision.delete()


def test_request_is_addressed_to_holders_with_guardian(people, awaiting):
    assert people["owner"].has_perm(approvals.DECIDE_PERMISSION, awaiting.approval)
    assert not people["pm"].has_perm(approvals.DECIDE_PERMISSION, awaiting.approval)
    assert approvals.pending_for(people["owner"]) == [awaiting.approval]
    assert approvals.pending_for(people["pm"]) == []


def test_overdue_approval_is_escalated_once_to_backup_and_owner(people, awaiting, owner_backup):
    import datetime

    from django.utils import timezone

    from governance.models import Notification

    later = timezone.now() + datetime.timedelta(minutes=16)
    assert approvals.escalate_overdue(now=later) == 1
    assert approvals.escalate_overdue(now=later) == 0
    sent = Notification.objects.filter(template="approval-overdue")
    assert {n.recipient for n in sent} == {owner_backup, people["owner"]}
    # the backup may now decide in the primary's place (DESIGN: backup acts when no answer)
    assert authority.decide(owner_backup, "approval.decide", obj=awaiting.approval, at=later)
    assert not authority.decide(owner_backup, "approval.decide", obj=awaiting.approval)
