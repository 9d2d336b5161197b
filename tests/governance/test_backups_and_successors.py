"""Issue 12 point 1: backups and successors act on what is pending (D9 §1.3, §3.1).

A pending approval or sign-off is addressed to a role: whoever holds it when deciding decides —
the primary, the backup while acting for them, a new holder after a hand-over — and the
decision records the role held at that moment and how."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from governance.approvals import services as approvals
from governance.models import ApprovalDecision, ApprovalRequest, Role, RoleAssignment
from governance.rollout import services as rollout
from tests.conftest import assign
from tests.helpers.signoffs import phase, set_phase

pytestmark = pytest.mark.django_db
Held = ApprovalDecision.HeldAs
DAY = datetime.timedelta(days=1)


@pytest.fixture
def pm_backup(make_user, pm):
    user = make_user("pm_backup", first_name="Pat", last_name="Backup")
    assign("product_manager", pm, user)
    return user


@pytest.fixture
def review(owner, pm, db_owner):
    """A P1 → P2 gate review (D9 §6.1: Ingestion Owner, PM) opened yesterday."""
    set_phase("P1")
    return rollout.request_phase_advance(
        actor=db_owner, criteria="P1 criteria met.", at=timezone.now() - DAY
    ).approval


def mark_unavailable(role_key: str, *, until: datetime.datetime) -> None:
    assignment = RoleAssignment.objects.get(role__key=role_key)
    assignment.primary_unavailable_until = until
    assignment.save()


def hand_over(role_key: str, new_holder) -> None:
    """D9 §1.3: the role changes hands today (yesterday's assignment ends, a new one starts)."""
    today = timezone.localdate()
    old = RoleAssignment.objects.get(role__key=role_key)
    old.valid_to = today - DAY
    old.save()
    RoleAssignment.objects.create(
        role=Role.objects.get(key=role_key), primary=new_holder, valid_from=today
    )


def test_the_pms_backup_signs_a_review_opened_before_the_pm_became_unavailable(
    review, owner, pm, pm_backup
):
    """D9 §1.3 Backup: the PM is marked unavailable after the review opened; their backup acts
    for the role and signs it, recorded as the acting backup."""
    mark_unavailable("product_manager", until=timezone.now() + DAY)
    decision = rollout.sign(request=review, actor=pm_backup, statement="Fine for clients.")
    assert decision.role.key == "product_manager"
    assert decision.held_as == Held.ACTING_BACKUP
    assert decision.role_text == "Product Manager (backup, acting for the unavailable primary)"
    rollout.sign(request=review, actor=owner, statement="Stable.")
    assert phase() == "P2"


def test_the_pms_backup_may_not_sign_while_the_pm_is_available(review, pm_backup):
    """Denied twin (D9 §1.3): the backup does not act while the primary is available and the
    PM's deadline (their response time, issue 12 point 2) has not passed."""
    before_deadline = review.created_at + datetime.timedelta(minutes=30)
    with pytest.raises(PermissionDenied, match="Only the"):
        rollout.sign(request=review, actor=pm_backup, statement="Fine.", at=before_deadline)
    assert not ApprovalDecision.objects.exists()


def test_the_unavailable_pm_no_longer_signs_for_the_role(review, pm, pm_backup):
    """Denied twin: while the backup acts, the primary does not hold the role (D9 §1.3)."""
    mark_unavailable("product_manager", until=timezone.now() + DAY)
    with pytest.raises(PermissionDenied):
        rollout.sign(request=review, actor=pm, statement="Fine.")


def test_a_new_ingestion_owner_decides_what_their_predecessor_was_asked(
    review, owner, pm, make_user
):
    """D9 §1.3: after a hand-over the new Ingestion Owner signs the pending review, recorded as
    the successor; the former Owner no longer may (denied twin)."""
    successor = make_user("new_owner", first_name="Nina", last_name="Newowner")
    hand_over("ingestion_owner", successor)
    with pytest.raises(PermissionDenied):
        rollout.sign(request=review, actor=owner, statement="Still mine?")
    assert review in approvals.pending_for(successor)
    assert review not in approvals.pending_for(owner)
    decision = rollout.sign(request=review, actor=successor, statement="Taken over; stable.")
    assert decision.held_as == Held.SUCCESSOR
    primary = rollout.sign(request=review, actor=pm, statement="Fine.")
    assert primary.held_as == Held.PRIMARY
    assert phase() == "P2"


def test_the_successor_and_the_backup_decide_through_every_url(
    client, review, owner, pm, pm_backup, make_user
):
    """The sign-off page and the generic /approvals/ URL both reach `decide_approval` (one
    door): the successor and the acting backup are accepted on each, the page shows how they
    held the role, and an outsider is refused with the reason (denied twin)."""
    successor = make_user("new_owner", first_name="Nina", last_name="Newowner")
    hand_over("ingestion_owner", successor)
    mark_unavailable("product_manager", until=timezone.now() + DAY)

    client.force_login(owner)
    response = client.post(
        reverse("rollout:decide", args=[review.pk]), {"verdict": "approve", "statement": "x"}
    )
    assert response.status_code == 403
    assert "you hold" in response.content.decode()

    client.force_login(successor)
    page = client.get(reverse("rollout:signoff", args=[review.pk])).content.decode()
    assert "Record my decision" in page
    assert "not addressed to you" not in page
    inbox = client.get(reverse("rollout:inbox")).content.decode()
    assert reverse("rollout:signoff", args=[review.pk]) in inbox
    response = client.post(
        reverse("rollout:decide", args=[review.pk]), {"verdict": "approve", "statement": "Mine."}
    )
    assert response.status_code == 302

    client.force_login(pm_backup)
    response = client.post(
        reverse("approvals:decide", args=[review.pk]),
        {"verdict": "approve", "statement": "For the PM."},
    )
    assert response.status_code == 302
    assert ApprovalRequest.objects.get(pk=review.pk).status == ApprovalRequest.Status.APPROVED

    page = client.get(reverse("rollout:signoff", args=[review.pk])).content.decode()
    assert "successor (took the role over after the request)" in page
    assert "backup, acting for the unavailable primary" in page
    printed = client.get(reverse("rollout:signoff_print", args=[review.pk])).content.decode()
    assert "Ingestion Owner (successor (took the role over after the request))" in printed


def test_the_owners_backup_approves_a_pause_while_the_owner_is_away(
    client, owner, owner_backup, primary, workspace
):
    """D9 §5.1 "Error rate > 10%: Owner (within 15 min)": with the Owner marked unavailable
    after the activation, the backup's approval takes the pause into force and the §5.2 log
    names how they held the role."""
    from governance.killswitch import services as killswitch
    from governance.models import KillSwitchActivation
    from tests.helpers.killswitch import scenario, severity

    activation = killswitch.activate_kill_switch(
        actor=primary,
        scenario=scenario("error_rate_10"),
        severity=severity(),
        reason="12%",
        workspace=workspace,
    )
    mark_unavailable("ingestion_owner", until=timezone.now() + DAY)
    client.force_login(owner_backup)
    client.post(
        reverse("approvals:decide", args=[activation.approval_id]),
        {"verdict": "approve", "statement": "Pause it."},
    )
    activation.refresh_from_db()
    assert activation.status == KillSwitchActivation.Status.ACTIVE
    entry = activation.log_entries.get(event="approved")
    assert "Ingestion Owner (backup, acting for the unavailable primary)" in entry.approval
    page = client.get(reverse("killswitch:detail", args=[activation.pk])).content.decode()
    assert "backup, acting for the unavailable primary" in page


def test_a_new_owner_approves_a_swap_their_predecessor_was_asked(
    client, rotation, rotation_engineers, owner, make_user
):
    """D9 §3.2 swaps need the Owner: a successor sees the swap and approves it (the swap page
    is reachable for them); the former Owner is refused (denied twin)."""
    from rotations import services as rotation_services
    from rotations.models import SwapRequest

    week = rotation.weeks.filter(starts_at__gt=timezone.now()).order_by("starts_at").first()
    colleague = next(
        e for e in rotation_engineers if e.pk not in (week.primary_id, week.secondary_id)
    )
    swap = rotation_services.request_swap(
        actor=week.primary,
        rotation=rotation,
        tier="primary",
        starts_at=week.starts_at,
        ends_at=week.ends_at,
        colleague=colleague,
    )
    swap = rotation_services.respond_swap(actor=colleague, swap=swap, accept=True)
    successor = make_user("new_owner")
    hand_over("ingestion_owner", successor)
    with pytest.raises(PermissionDenied):
        rotation_services.approve_swap(actor=owner, swap=swap)
    client.force_login(successor)
    assert client.get(reverse("rotations:swap_detail", args=[swap.pk])).status_code == 200
    rotation_services.approve_swap(actor=successor, swap=swap)
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.APPROVED
    assert swap.overrides.count() == 1
