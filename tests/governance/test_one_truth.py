"""Issue 12 point 3: veto → withdraw → approve leaves one truth.

Whatever the order of decisions, the request, what it approves (pause, > 1 hour pause, resume,
gate, rollback, policy version, role change, launch item, client communication, swap) and the
§5.2 log agree. Every registered approval kind is driven through every order of veto,
withdrawal and approval (D9 §6.1 "Veto Power: any approver", §6.2 "any single veto blocks",
§5.1 "Owner (within 15 min)", §5.2 log, §5.3 resume, §3.2 swaps, §7.2, §9)."""

import datetime
import itertools
import threading
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections, transaction
from django.urls import reverse
from django.utils import timezone

from governance.approvals import kinds
from governance.approvals import services as approvals
from governance.killswitch import services as killswitch
from governance.models import (
    ApprovalRequest,
    KillSwitchActivation,
    KillSwitchLogEntry,
    PhaseAdvance,
    PhaseTransition,
    PolicyVersion,
    ResumeAuthority,
    RoleAssignment,
    RoleChangeRequest,
    RollbackReason,
    RollbackSignOff,
    RollbackType,
    Severity,
)
from governance.rollout import services as rollout
from tests.helpers.killswitch import scenario, severity
from tests.helpers.signoffs import future, phase, set_phase

pytestmark = pytest.mark.django_db
S = ApprovalRequest.Status
ORDERS = list(itertools.permutations(["veto", "withdraw", "approve"]))
Event = KillSwitchLogEntry.Event


@dataclass
class Case:
    """One request of a kind, the person deciding it, and what its target and log say."""

    request: ApprovalRequest
    decider: Any
    target_says: Any  # () -> set of request statuses the target agrees with
    log_says: Any = None  # () -> the request status the log's last word implies


def _log_word(activation, events: dict[str, str]) -> str:
    """The request status the activation's last §5.2 log entry of these events implies."""
    entries = activation.log_entries.filter(event__in=events).order_by("timestamp", "id")
    last = list(entries)[-1:]
    return events[last[0].event] if last else S.PENDING


def _activation(p):
    activation = killswitch.activate_kill_switch(
        actor=p["primary"],
        scenario=scenario("error_rate_10"),
        severity=severity(),
        reason="Error rate 12%",
        workspace=p["workspace"],
    )

    def target_says():
        activation.refresh_from_db()
        return {
            KillSwitchActivation.Status.AWAITING_APPROVAL: {S.PENDING},
            KillSwitchActivation.Status.ACTIVE: {S.APPROVED},
            KillSwitchActivation.Status.REJECTED: {S.VETOED},
        }[activation.status]

    events = {
        Event.ACTIVATED: S.PENDING,
        Event.APPROVED: S.APPROVED,
        Event.REJECTED: S.VETOED,
        Event.VETO_WITHDRAWN: S.PENDING,
    }
    return Case(activation.approval, p["owner"], target_says, lambda: _log_word(activation, events))


def _running_pause(p, *, hours_ago: int = 2):
    at = timezone.now() - datetime.timedelta(hours=hours_ago)
    activation = killswitch.activate_kill_switch(
        actor=p["primary"],
        scenario=scenario("error_rate_20"),
        severity=severity(),
        reason="Error rate 25%",
        workspace=p["workspace"],
        at=at,
    )
    killswitch.mark_long_pauses(now=timezone.now())
    activation.refresh_from_db()
    return activation


def _long_pause(p):
    activation = _running_pause(p)
    events = {
        Event.LONG_PAUSE: S.PENDING,
        Event.APPROVED: S.APPROVED,
        Event.REJECTED: S.VETOED,
        Event.VETO_WITHDRAWN: S.PENDING,
    }

    def target_says():
        activation.refresh_from_db()
        # A veto never lifts a pause by itself: it stays in force whatever the Owner says.
        assert activation.status == KillSwitchActivation.Status.ACTIVE
        return {S.PENDING, S.APPROVED, S.VETOED}

    return Case(
        activation.long_pause_approval,
        p["owner"],
        target_says,
        lambda: _log_word(activation, events),
    )


def _resume(p):
    activation = _running_pause(p)
    row = ResumeAuthority.objects.get(key="pause_long")
    killswitch.resume_kill_switch(
        activation=activation,
        actor=p["primary"],
        verified=list(row.verifications.values_list("pk", flat=True)),
    )
    activation.refresh_from_db()
    events = {
        Event.RESUMED: S.APPROVED,
        Event.REJECTED: S.VETOED,
        Event.VETO_WITHDRAWN: S.PENDING,
    }

    def target_says():
        activation.refresh_from_db()
        if activation.status == KillSwitchActivation.Status.RESUMED:
            return {S.APPROVED}
        return {S.PENDING, S.VETOED}

    def log_says():
        entries = activation.log_entries.filter(event__in=events).order_by("timestamp", "id")
        mine = [e for e in entries if e.event == Event.RESUMED or "Resume" in e.reason]
        words = [events[e.event] for e in mine]
        return words[-1] if words else S.PENDING

    return Case(activation.resume_approval, p["owner"], target_says, log_says)


def _advance(p):
    set_phase("P1")
    advance = rollout.request_phase_advance(actor=p["db_owner"], criteria="P1 criteria met.")
    rollout.sign(request=advance.approval, actor=p["owner"], statement="Stable.")

    def target_says():
        advance.refresh_from_db()
        if advance.status == PhaseAdvance.Status.DONE:
            assert phase() == "P2" and PhaseTransition.objects.filter(advance=advance).count() == 1
            return {S.APPROVED}
        assert phase() == "P1"
        return {PhaseAdvance.Status.PENDING: {S.PENDING}, PhaseAdvance.Status.VETOED: {S.VETOED}}[
            advance.status
        ]

    return Case(advance.approval, p["pm"], target_says)


def _rollback(p):
    set_phase("P2")
    sign_off = rollout.request_rollback(
        actor=p["owner"],
        rollback_type=RollbackType.objects.get(key="planned"),
        to_phase="P1",
        reasons=[RollbackReason.objects.get(text="Client-reported issue")],
        approved_by=p["pm"],
        re_ramp_on=future(),
        client_communication=False,
    )

    def target_says():
        sign_off.refresh_from_db()
        if sign_off.status == RollbackSignOff.Status.IN_EFFECT:
            assert phase() == "P1"
            return {S.APPROVED}
        assert phase() == "P2"
        return {
            RollbackSignOff.Status.PENDING: {S.PENDING},
            RollbackSignOff.Status.VETOED: {S.VETOED},
        }[sign_off.status]

    return Case(sign_off.approval, p["pm"], target_says)


def _publish(p):
    draft = rollout.publish_policy_version(
        actor=p["owner"], version="1.1", date=timezone.localdate(), change_summary="Backups."
    )
    request = approvals.request_for(target=draft)
    rollout.sign(request=request, actor=p["sre_lead"], statement="Fine.")

    def target_says():
        draft.refresh_from_db()
        if draft.status == PolicyVersion.Status.OPERATIONAL:
            return {S.APPROVED}
        assert draft.status == PolicyVersion.Status.DRAFT
        return {S.PENDING, S.VETOED}

    return Case(request, p["pm"], target_says)


def _role_change(p):
    from governance.policy import changes

    assignment = RoleAssignment.objects.get(role__key="support_lead")
    assignment.backup = p["db_owner"]
    change = changes.propose_role_change(
        actor=p["owner"], subject=RoleChangeRequest.Subject.ASSIGNMENT, instance=assignment
    )
    approvals.decide_approval(
        request=change.approval, actor=p["sre_lead"], verdict="approve", statement="Fine."
    )

    def target_says():
        change.refresh_from_db()
        backup = RoleAssignment.objects.get(pk=assignment.pk).backup_id
        assert (backup == p["db_owner"].pk) == (change.status == RoleChangeRequest.Status.APPLIED)
        return {
            RoleChangeRequest.Status.PENDING: {S.PENDING},
            RoleChangeRequest.Status.REJECTED: {S.VETOED},
            RoleChangeRequest.Status.APPLIED: {S.APPROVED},
        }[change.status]

    return Case(change.approval, p["pm"], target_says)


def _launch_item(p):
    from governance.launch import services as launch
    from governance.models import LaunchChecklistItem

    checklist = launch.start_launch(actor=p["owner"], name="EU launch")
    item = checklist.items.get(activity__key="day_0_checklist")
    launch.complete_item(item=item, actor=p["primary"], note="All boxes ticked")
    launch.consult(item=item, actor=p["sre_lead"], text="Monitoring in place")

    def target_says():
        item.refresh_from_db()
        return {
            LaunchChecklistItem.Status.SIGN_OFF: {S.PENDING},
            LaunchChecklistItem.Status.OPEN: {S.VETOED},
            LaunchChecklistItem.Status.SIGNED_OFF: {S.APPROVED},
        }[item.status]

    return Case(launch.sign_off_request(item), p["owner"], target_says)


def _client_comm(p):
    from incidents import services as incident_services
    from incidents.models import ClientCommunication
    from tests.helpers.signoffs import open_incident

    incident = open_incident("P2")
    incident.client_facing = True
    incident.save()
    draft = incident_services.draft_client_communication(
        incident=incident,
        actor=p["support"],
        title="Delayed uploads",
        status_page_text="Uploads are delayed.",
        email_text="Dear client, uploads are delayed.",
    )

    def target_says():
        draft.refresh_from_db()
        if draft.status == ClientCommunication.Status.DRAFT:
            return {S.PENDING, S.VETOED}
        return {S.APPROVED}

    return Case(incident_services.approval_request_for(draft), p["pm"], target_says)


def _review_sign_off(p):
    from incidents import reviews
    from incidents import services as incident_services
    from incidents.models import PostIncidentReview

    incident, _ = incident_services.open_incident(
        actor=p["primary"],
        severity=Severity.objects.get(key="P1"),
        title="Uploads failing",
        impact="Uploads failing for all clients",
    )
    incident_services.acknowledge(incident=incident, actor=p["primary"])
    incident_services.resolve(
        incident=incident, actor=p["primary"], root_cause="Bad deploy", resolution="Rolled back"
    )
    review = PostIncidentReview.objects.get(incident=incident)
    reviews.file_review(
        review=review, actor=review.responsible or p["primary"], summary="A canary stage."
    )

    def target_says():
        review.refresh_from_db()
        if review.signed_off_at is not None:
            assert review.status == PostIncidentReview.Status.DONE
            return {S.APPROVED}
        return {
            PostIncidentReview.Status.DONE: {S.PENDING},
            PostIncidentReview.Status.OPEN: {S.VETOED},
        }[review.status]

    return Case(reviews.sign_off_request(review), p["owner"], target_says)


def _swap(p):
    from rotations import services as rotation_services
    from rotations.models import SwapRequest

    rotation, engineers = p["rotation"], p["rotation_engineers"]
    week = rotation.weeks.filter(starts_at__gt=timezone.now()).order_by("starts_at").first()
    colleague = next(e for e in engineers if e.pk not in (week.primary_id, week.secondary_id))
    swap = rotation_services.request_swap(
        actor=week.primary,
        rotation=rotation,
        tier="primary",
        starts_at=week.starts_at,
        ends_at=week.ends_at,
        colleague=colleague,
    )
    swap = rotation_services.respond_swap(actor=colleague, swap=swap, accept=True)

    def target_says():
        swap.refresh_from_db()
        if swap.status == SwapRequest.Status.APPROVED:
            assert swap.overrides.count() == 1
        return {
            SwapRequest.Status.ACCEPTED: {S.PENDING},
            SwapRequest.Status.REJECTED: {S.VETOED},
            SwapRequest.Status.APPROVED: {S.APPROVED},
        }[swap.status]

    return Case(rotation_services.swap_approval(swap), p["owner"], target_says)


CASES = {
    "killswitch.activation": _activation,
    "killswitch.long_pause": _long_pause,
    "killswitch.resume": _resume,
    "rollout.phase_advance": _advance,
    "rollout.rollback": _rollback,
    "policy.publish": _publish,
    "policy.role_change": _role_change,
    "launch.item": _launch_item,
    "incident.client_comm": _client_comm,
    "incident.review_sign_off": _review_sign_off,
    "rotations.swap": _swap,
}


@pytest.fixture
def p(owner, pm, sre_lead, db_owner, support, primary, workspace, rotation, rotation_engineers):
    return locals()


def assert_one_truth(case: Case, step: str) -> None:
    case.request.refresh_from_db()
    status = case.request.status
    assert status in case.target_says(), f"after {step}: request {status}, target disagrees"
    if case.log_says is not None:
        assert case.log_says() == status, f"after {step}: request {status}, log disagrees"


def decide(case: Case, verdict: str):
    statement = {"veto": "Not now.", "withdraw": "On reflection, fine.", "approve": "Go."}
    return approvals.decide_approval(
        request=case.request, actor=case.decider, verdict=verdict, statement=statement[verdict]
    )


def test_every_registered_kind_is_driven_through_every_order():
    """A kind registered later must join CASES (test-only kinds aside)."""
    registered = {key for key in kinds.KINDS if not key.startswith("test.")}
    assert registered == set(CASES)


@pytest.mark.parametrize("kind", sorted(CASES))
def test_whatever_the_order_of_decisions_request_target_and_log_agree(p, kind):
    """Every order of veto, withdrawal and approval by the same approver, on a fresh request of
    `kind` each time (a savepoint rolled back between orders). A refused step changes nothing;
    after every step the request, its target and the log say the same."""
    for order in ORDERS:
        with transaction.atomic():
            case = CASES[kind](p)
            assert case.request.kind == kind
            assert_one_truth(case, "opening")
            for step in order:
                try:
                    with transaction.atomic():
                        decide(case, step)
                except (ValidationError, PermissionDenied):
                    pass
                assert_one_truth(case, f"{step} in {order}")
            transaction.set_rollback(True)


def test_veto_withdraw_approve_on_an_error_rate_pause_puts_it_in_force_on_every_url(client, p):
    """The issue's case (D9 §5.1 "Error rate > 10%: Owner (within 15 min)"), through the
    activation page's form (the generic decide URL): veto, withdraw, approve — the pause is in
    force, the request approved, and the §5.2 log's last word is the approval."""
    case = _activation(p)
    client.force_login(p["owner"])
    url = reverse("approvals:decide", args=[case.request.pk])
    for verdict in ("veto", "withdraw", "approve"):
        response = client.post(url, {"verdict": verdict, "statement": f"{verdict}."}, follow=True)
        assert "Your decision is recorded" in response.content.decode()
        assert_one_truth(case, verdict)
    activation = KillSwitchActivation.objects.get(pk=case.request.object_id)
    assert activation.status == KillSwitchActivation.Status.ACTIVE
    assert killswitch.status_payload(workspace_slug="acme")["paused"] is True
    page = client.get(reverse("killswitch:detail", args=[activation.pk])).content.decode()
    assert "Veto withdrawn (approval pending again)" in page


def test_a_withdrawal_is_refused_when_the_rejected_pauses_scope_was_paused_again(p):
    """One live pause per scope (D9 §5.2 scope): once another pause holds the workspace, the
    rejected one cannot come back; the withdrawal is refused and nothing changes."""
    case = _activation(p)
    decide(case, "veto")
    killswitch.activate_kill_switch(
        actor=p["primary"],
        scenario=scenario("error_rate_20"),
        severity=severity(),
        reason="Now 25%",
        workspace=p["workspace"],
    )
    with pytest.raises(ValidationError, match="the rejection stands"):
        decide(case, "withdraw")
    assert_one_truth(case, "refused withdrawal")
    assert case.request.status == S.VETOED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["veto", "approve"])
def test_racing_veto_and_approval_on_a_gate_leave_one_truth(owner, pm, sre_lead, db_owner, first):
    """Two threads on PostgreSQL: the Owner vetoes while the PM approves a P1 → P2 review
    (D9 §6.1 Owner, PM; any approver vetoes). Both are recorded, the request is vetoed, the
    review vetoed, the phase unchanged — whichever commits first."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks (select_for_update); SQLite serialises writes")
    set_phase("P1")
    advance = rollout.request_phase_advance(actor=db_owner, criteria="Met.")
    barrier = threading.Barrier(2)
    errors = []

    def run(person, verdict):
        try:
            barrier.wait(timeout=10)
            approvals.decide_approval(
                request=advance.approval, actor=person, verdict=verdict, statement=verdict
            )
        except Exception as error:  # reported below: the test fails with it
            errors.append(error)
        finally:
            connections.close_all()

    order = [(owner, "veto"), (pm, "approve")]
    if first == "approve":
        order.reverse()
    threads = [threading.Thread(target=run, args=args) for args in order]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    advance.refresh_from_db()
    assert advance.approval.decisions.count() == 2
    assert ApprovalRequest.objects.get(pk=advance.approval_id).status == S.VETOED
    assert advance.status == PhaseAdvance.Status.VETOED
    assert phase() == "P1"
