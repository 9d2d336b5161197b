"""D9 §6.1 phase gates: approver sets from the PhaseGate rows, vetoes, refusals, revisions,
and what blocks advancing."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from governance.models import (
    ApprovalDecision,
    ApprovalRequest,
    PhaseAdvance,
    PhaseGate,
    PhaseTransition,
)
from governance.rollout import services as rollout
from tests.helpers.signoffs import (
    active_pause,
    mails,
    open_incident,
    phase,
    requirement_roles,
    set_phase,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(owner, pm, sre_lead, db_owner):
    return {"owner": owner, "pm": pm, "sre_lead": sre_lead, "db_owner": db_owner}


def gate_role_keys(from_phase: str) -> list[str]:
    gate = PhaseGate.objects.get(from_phase=from_phase)
    return [m.role.key for m in gate.approvers.select_related("role")]


@pytest.mark.parametrize("from_phase", ["P0", "P1", "P2", "P3"])
def test_each_gate_asks_exactly_its_policy_approvers(team, from_phase):
    set_phase(from_phase)
    advance = rollout.request_phase_advance(
        actor=team["db_owner"], criteria="All criteria met.", confirmed=True
    )
    assert requirement_roles(advance.approval) == gate_role_keys(from_phase)
    expected = {
        "P0": ["ingestion_owner"],
        "P1": ["ingestion_owner", "product_manager"],
        "P2": ["ingestion_owner", "product_manager"],
        "P3": ["ingestion_owner", "product_manager", "sre_lead"],
    }[from_phase]
    assert gate_role_keys(from_phase) == expected


@pytest.mark.parametrize("from_phase", ["P0", "P1", "P2", "P3"])
def test_each_gate_advances_once_all_its_approvers_signed(team, from_phase):
    set_phase(from_phase)
    advance = rollout.request_phase_advance(actor=team["db_owner"], criteria="Met.")
    by_role = {"ingestion_owner": "owner", "product_manager": "pm", "sre_lead": "sre_lead"}
    keys = gate_role_keys(from_phase)
    for index, key in enumerate(keys):
        assert phase() == from_phase
        rollout.sign(request=advance.approval, actor=team[by_role[key]], confirmed=True)
        if index < len(keys) - 1:
            advance.approval.refresh_from_db()
            assert advance.approval.status == ApprovalRequest.Status.PENDING
    to_phase = PhaseGate.objects.get(from_phase=from_phase).to_phase
    assert phase() == to_phase
    assert PhaseTransition.objects.filter(advance=advance).count() == 1
    advance.refresh_from_db()
    assert advance.status == PhaseAdvance.Status.DONE


def test_a_gate_a_changed_policy_row_asks_the_new_approver_set(team):
    """Nothing is hard-coded: adding the SRE Lead to P0 → P1 in the policy asks them too."""
    from governance.models import PhaseGateApprover, Role

    gate = PhaseGate.objects.get(from_phase="P0")
    PhaseGateApprover.objects.create(gate=gate, role=Role.objects.get(key="sre_lead"), position=9)
    advance = rollout.request_phase_advance(actor=team["db_owner"], criteria="Met.")
    assert requirement_roles(advance.approval) == ["ingestion_owner", "sre_lead"]


def test_the_requesters_own_approver_role_counts_and_they_cannot_sign_again(team):
    set_phase("P1")
    advance = rollout.request_phase_advance(actor=team["owner"], criteria="Met.")
    assert requirement_roles(advance.approval) == ["product_manager"]
    with pytest.raises(PermissionDenied):
        rollout.sign(request=advance.approval, actor=team["owner"])
    assert not ApprovalDecision.objects.exists()
    rollout.sign(request=advance.approval, actor=team["pm"], statement="Clients happy.")
    assert phase() == "P2"


def test_owner_alone_passes_p0_at_once_when_asking(team):
    advance = rollout.request_phase_advance(actor=team["owner"], criteria="Canary ready.")
    assert advance.approval is None
    assert advance.status == PhaseAdvance.Status.DONE
    assert phase() == "P1"


def test_a_person_without_a_role_may_not_open_a_review(team, outsider):
    with pytest.raises(PermissionDenied, match="hold no role"):
        rollout.request_phase_advance(actor=outsider, criteria="Met.")
    assert not PhaseAdvance.objects.exists()


def test_a_veto_blocks_and_its_withdrawal_unblocks(team):
    set_phase("P1")
    advance = rollout.request_phase_advance(actor=team["db_owner"], criteria="Met.")
    request = advance.approval
    rollout.veto(request=request, actor=team["pm"], reason="Client X has a blocker.")
    rollout.sign(request=request, actor=team["owner"])
    request.refresh_from_db()
    advance.refresh_from_db()
    assert request.status == ApprovalRequest.Status.VETOED
    assert advance.status == PhaseAdvance.Status.VETOED
    assert phase() == "P1"
    rollout.withdraw(request=request, actor=team["pm"], statement="Blocker fixed.")
    advance.refresh_from_db()
    assert advance.status == PhaseAdvance.Status.PENDING
    assert phase() == "P1"
    rollout.sign(request=request, actor=team["pm"], statement="Now fine.")
    assert phase() == "P2"


def test_editing_the_request_after_one_approval_voids_it(team):
    set_phase("P1")
    advance = rollout.request_phase_advance(actor=team["db_owner"], criteria="Met.")
    rollout.sign(request=advance.approval, actor=team["owner"])
    rollout.revise_phase_advance(
        advance=advance, actor=team["db_owner"], criteria="Met, plus the new load test."
    )
    rollout.sign(request=advance.approval, actor=team["pm"])
    assert phase() == "P1", "the Owner's approval was on the old revision"
    advance.approval.refresh_from_db()
    assert advance.approval.revision == 2
    assert advance.approval.status == ApprovalRequest.Status.PENDING
    rollout.sign(request=advance.approval, actor=team["owner"], statement="Re-read; fine.")
    assert phase() == "P2"


def test_only_the_requester_may_edit_the_request(team):
    set_phase("P1")
    advance = rollout.request_phase_advance(actor=team["db_owner"], criteria="Met.")
    with pytest.raises(PermissionDenied):
        rollout.revise_phase_advance(advance=advance, actor=team["pm"], criteria="Changed")
    advance.approval.refresh_from_db()
    assert advance.approval.revision == 1


@pytest.mark.parametrize("severity", ["P1", "P2"])
def test_advancing_is_refused_while_a_p1_or_p2_incident_is_open(team, severity):
    incident = open_incident(severity)
    with pytest.raises(ValidationError) as error:
        rollout.request_phase_advance(actor=team["db_owner"], criteria="Met.")
    assert f"{severity} incident #{incident.pk}" in " ".join(error.value.messages)
    assert not PhaseAdvance.objects.exists()


def test_a_p3_incident_does_not_block_advancing(team):
    open_incident("P3")
    advance = rollout.request_phase_advance(actor=team["db_owner"], criteria="Met.")
    assert advance.pk


def test_advancing_is_refused_while_a_kill_switch_pause_is_active(team):
    active_pause(team["owner"])
    with pytest.raises(ValidationError, match="kill-switch pause is active"):
        rollout.request_phase_advance(actor=team["db_owner"], criteria="Met.")


def test_an_approved_gate_is_held_by_an_incident_then_passes_when_it_is_resolved(team):
    from django.utils import timezone

    from incidents.models import Incident

    set_phase("P1")
    advance = rollout.request_phase_advance(actor=team["db_owner"], criteria="Met.")
    rollout.sign(request=advance.approval, actor=team["owner"])
    incident = open_incident("P2")
    rollout.sign(request=advance.approval, actor=team["pm"])
    advance.refresh_from_db()
    assert advance.status == PhaseAdvance.Status.HELD
    assert "P2 incident" in advance.held_reason
    assert phase() == "P1"
    assert mails("rollout-advance-held", team["db_owner"]).count() == 1
    assert rollout.complete_held_advances(now=timezone.now()) == 0
    incident.status = Incident.Status.RESOLVED
    incident.save()
    assert rollout.complete_held_advances(now=timezone.now()) == 1
    assert rollout.complete_held_advances(now=timezone.now()) == 0
    assert phase() == "P2"
    assert PhaseTransition.objects.count() == 1


# --- pages: refusals are 403 with nothing recorded; a forged person field is ignored ----------


def _review(team, from_phase="P1"):
    set_phase(from_phase)
    return rollout.request_phase_advance(actor=team["db_owner"], criteria="Met.")


def test_an_approver_signs_on_the_gate_page(client, team):
    advance = _review(team)
    client.force_login(team["pm"])
    page = client.get(reverse("rollout:signoff", args=[advance.approval_id]))
    assert page.status_code == 200
    assert "Product Manager" in page.text and "Record my decision" in page.text
    response = client.post(
        reverse("rollout:decide", args=[advance.approval_id]),
        {"verdict": "approve", "statement": "Fine."},
    )
    assert response.status_code == 302
    decision = ApprovalDecision.objects.get()
    assert (decision.person, decision.role.key) == (team["pm"], "product_manager")
    assert decision.policy_version.version == "1.0"


def test_a_non_approver_is_refused_with_403_and_nothing_recorded(client, team, support):
    advance = _review(team)
    client.force_login(support)
    response = client.post(
        reverse("rollout:decide", args=[advance.approval_id]),
        {"verdict": "approve", "statement": "Fine."},
    )
    assert response.status_code == 403
    assert "Only the Ingestion Owner or the Product Manager" in response.text
    assert not ApprovalDecision.objects.exists()


def test_the_requester_is_refused_with_403_and_nothing_recorded(client, team):
    advance = _review(team)
    client.force_login(team["db_owner"])
    response = client.post(
        reverse("rollout:decide", args=[advance.approval_id]),
        {"verdict": "approve", "statement": "Fine."},
    )
    assert response.status_code == 403
    assert "someone else must approve" in response.text
    assert not ApprovalDecision.objects.exists()


def test_a_forged_post_signing_for_another_person_is_refused(client, team, support):
    advance = _review(team)
    client.force_login(support)
    response = client.post(
        reverse("rollout:decide", args=[advance.approval_id]),
        {
            "verdict": "approve",
            "statement": "Fine.",
            "person": team["pm"].pk,
            "role": "product_manager",
        },
    )
    assert response.status_code == 403
    assert not ApprovalDecision.objects.exists()


def test_a_forged_person_field_never_changes_who_signs(client, team):
    advance = _review(team)
    client.force_login(team["owner"])
    client.post(
        reverse("rollout:decide", args=[advance.approval_id]),
        {"verdict": "approve", "statement": "Fine.", "person": team["pm"].pk},
    )
    assert list(ApprovalDecision.objects.values_list("person", flat=True)) == [team["owner"].pk]


def test_a_sign_off_is_addressed_to_the_role_so_a_new_pm_signs_and_the_former_one_not(
    team, make_user
):
    """D9 §1.3 (issue 12 point 1): a PM assigned after the request signs it as the role's
    successor; the former PM no longer holds the role and is refused (denied twin)."""
    from tests.conftest import assign

    advance = _review(team)
    new_pm = make_user("new_pm")
    assign("product_manager", new_pm)
    with pytest.raises(PermissionDenied, match="Only the"):
        rollout.sign(request=advance.approval, actor=team["pm"])
    assert rollout.sign(request=advance.approval, actor=new_pm).person == new_pm


def test_a_decision_mails_the_requester(team):
    advance = _review(team)
    rollout.sign(request=advance.approval, actor=team["owner"], statement="OK")
    assert mails("signoff-decided", team["db_owner"]).count() == 1


def test_the_rollout_page_shows_the_gate_blockers_and_the_request_form(client, team):
    set_phase("P3")
    open_incident("P1", title="Queue stuck")
    client.force_login(team["db_owner"])
    page = client.get(reverse("rollout:overview"))
    assert page.status_code == 200
    assert "Next gate: P3 → P4 (GA)" in page.text
    assert "Infra stable, monitoring adequate, on-call trained" in page.text
    assert "Queue stuck" in page.text
    response = client.post(reverse("rollout:request_advance"), {"criteria": "Met."}, follow=True)
    assert "refused while this lasts" in response.text
    assert not PhaseAdvance.objects.exists()


def test_the_dashboard_shows_the_current_phase(client, team):
    set_phase("P2")
    client.force_login(team["pm"])
    page = client.get(reverse("dashboard"))
    assert "Rollout: Ingestion in P2" in page.text
