"""Sign-off time rules, each once: 24 h reminders to addressees; an emergency rollback's
approval pending an hour goes to the Owner's backup; decisions mail the requester."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from governance.models import RollbackReason
from governance.ops.sweeps import run_sweep
from governance.rollout import services as rollout
from tests.helpers.signoffs import future, mails, set_phase

pytestmark = pytest.mark.django_db
HOUR = datetime.timedelta(hours=1)


def test_a_sign_off_pending_24_hours_reminds_its_addressees_once(owner, pm, db_owner):
    set_phase("P1")
    start = timezone.now()
    advance = rollout.request_phase_advance(actor=db_owner, criteria="Met.", at=start)
    rollout.sign(request=advance.approval, actor=owner, at=start)
    assert rollout.remind_pending_sign_offs(now=start + 23 * HOUR) == 0
    assert rollout.remind_pending_sign_offs(now=start + 24 * HOUR) == 1
    assert rollout.remind_pending_sign_offs(now=start + 30 * HOUR) == 0
    assert mails("signoff-reminder", pm).count() == 1
    assert not mails("signoff-reminder", owner).exists(), "the Owner already signed"
    assert not mails("signoff-reminder", db_owner).exists()


def test_the_reminder_sweep_is_registered(owner, pm, db_owner):
    set_phase("P1")
    start = timezone.now() - 25 * HOUR
    rollout.request_phase_advance(actor=db_owner, criteria="Met.", at=start)
    assert run_sweep("signoff.remind_pending") == "2 sign-off reminder(s) sent"


def test_an_emergency_approval_pending_an_hour_escalates_to_the_owners_backup(
    primary, owner, owner_backup, pm
):
    set_phase("P2")
    sign_off = rollout.emergency_rollback(
        actor=primary,
        to_phase="P1",
        reasons=[RollbackReason.objects.get(text="Data integrity concern")],
        approved_by=owner,
        re_ramp_on=future(),
        client_communication=False,
    )
    request = sign_off.approval
    with pytest.raises(PermissionDenied):
        rollout.sign(request=request, actor=owner_backup)
    with time_machine.travel(timezone.now() + 61 * 60 * datetime.timedelta(seconds=1)):
        run_sweep("signoff.address_overdue_rollbacks")
        run_sweep("approvals.escalate_overdue")
        run_sweep("approvals.escalate_overdue")
        assert mails("approval-overdue", owner_backup).count() == 1
        rollout.sign(request=request, actor=owner_backup, statement="Approved as backup.")
    request.refresh_from_db()
    assert request.status == "approved"
    assert mails("signoff-decided", primary).count() == 1


def test_before_the_hour_the_backup_is_not_addressed(primary, owner, owner_backup):
    set_phase("P2")
    sign_off = rollout.emergency_rollback(
        actor=primary,
        to_phase="P1",
        reasons=[RollbackReason.objects.get(text="Data integrity concern")],
        approved_by=owner,
        re_ramp_on=future(),
        client_communication=False,
    )
    assert rollout.address_overdue_rollbacks(now=timezone.now() + 59 * 60 * HOUR / 3600) == 0
    assert not owner_backup.has_perm("governance.decide_approvalrequest", sign_off.approval)
