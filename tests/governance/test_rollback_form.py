"""D9 §6.3/§6.4 rollbacks: the sign-off form, its validation, approval by type, the emergency
path (effect at once, approval after, everyone notified), the printable filled block."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from governance.models import (
    ApprovalRequest,
    PhaseTransition,
    RollbackReason,
    RollbackSignOff,
    RollbackType,
)
from governance.rollout import services as rollout
from tests.helpers.signoffs import future, mails, phase, requirement_roles, set_phase

pytestmark = pytest.mark.django_db


def reason(text: str) -> RollbackReason:
    return RollbackReason.objects.get(text=text)


def rollback_type(key: str) -> RollbackType:
    return RollbackType.objects.get(key=key)


def planned(actor, approver, **overrides):
    fields = {
        "actor": actor,
        "rollback_type": rollback_type("planned"),
        "to_phase": "P1",
        "reasons": [reason("Error rate exceeded threshold")],
        "approved_by": approver,
        "re_ramp_on": future(),
        "client_communication": False,
    }
    fields.update(overrides)
    return rollout.request_rollback(**fields)


def errors_of(call) -> dict:
    with pytest.raises(ValidationError) as error:
        call()
    return error.value.message_dict


def test_a_planned_rollback_waits_for_the_pm_then_takes_effect(owner, pm):
    set_phase("P2")
    sign_off = planned(owner, pm, investigation_assignee=owner)
    assert sign_off.status == RollbackSignOff.Status.PENDING
    assert requirement_roles(sign_off.approval) == ["product_manager"]
    assert (sign_off.authorized_role.key, sign_off.approved_role.key) == (
        "ingestion_owner",
        "product_manager",
    )
    assert phase() == "P2"
    rollout.sign(request=sign_off.approval, actor=pm, statement="Agreed.")
    sign_off.refresh_from_db()
    assert sign_off.status == RollbackSignOff.Status.IN_EFFECT
    assert phase() == "P1"
    assert PhaseTransition.objects.get(rollback=sign_off).kind == "rollback"


def test_a_vetoed_rollback_does_not_take_effect(owner, pm):
    set_phase("P2")
    sign_off = planned(owner, pm)
    rollout.veto(request=sign_off.approval, actor=pm, reason="Fix forward instead.")
    sign_off.refresh_from_db()
    assert sign_off.status == RollbackSignOff.Status.VETOED
    assert phase() == "P2"


def test_the_target_phase_must_be_lower_than_the_current_one(owner, pm):
    set_phase("P2")
    for target in ("P2", "P3"):
        errors = errors_of(lambda t=target: planned(owner, pm, to_phase=t))
        assert errors["to_phase"] == ["Roll back to a phase lower than the current one (P2)."]
    assert not RollbackSignOff.objects.exists()


def test_at_least_one_reason_is_needed(owner, pm):
    set_phase("P2")
    errors = errors_of(lambda: planned(owner, pm, reasons=[]))
    assert errors["reasons"] == ["Tick at least one reason."]


def test_other_needs_its_text(owner, pm):
    set_phase("P2")
    errors = errors_of(lambda: planned(owner, pm, reasons=[reason("Other")]))
    assert errors["other_reason"] == ["Say what the “Other” reason is."]
    sign_off = planned(owner, pm, reasons=[reason("Other")], other_reason="Vendor outage")
    assert sign_off.other_reason == "Vendor outage"


def test_the_authorizer_must_hold_a_decision_role_of_the_type(pm, support, owner):
    set_phase("P2")
    errors = errors_of(lambda: planned(support, pm))
    assert (
        "Only the Ingestion Owner may decide a rollback (Planned (bug found))"
        in (errors["rollback_type"][0])
    )


def test_the_approver_must_hold_the_role_the_type_requires(owner, sre_lead, pm):
    set_phase("P2")
    errors = errors_of(lambda: planned(owner, sre_lead))
    assert errors["approved_by"] == [
        "A Planned (bug found) rollback is approved by the Product Manager; "
        "Sam Reyes holds: SRE Lead."
    ]


def test_the_authorizer_and_the_approver_must_differ(owner, pm):
    set_phase("P2")
    errors = errors_of(lambda: planned(owner, owner))
    assert errors["approved_by"] == ["The approver must be someone other than you."]


def test_the_re_ramp_date_must_be_in_the_future(owner, pm):
    set_phase("P2")
    for day in (datetime.date(2020, 1, 1), future(0)):
        errors = errors_of(lambda d=day: planned(owner, pm, re_ramp_on=d))
        assert errors["re_ramp_on"] == ["The re-ramp target date must be in the future."]


def test_a_client_request_rollback_is_approved_by_the_pm_support_informed(owner, pm, support):
    set_phase("P3")
    sign_off = planned(owner, pm, rollback_type=rollback_type("client_request"), to_phase="P2")
    rollout.sign(request=sign_off.approval, actor=pm)
    assert phase() == "P2"
    assert mails("rollback-recorded", support).count() == 1


def test_an_emergency_rollback_takes_effect_at_once_and_collects_the_owner_after(
    primary, owner, pm, support
):
    set_phase("P3")
    sign_off = rollout.emergency_rollback(
        actor=primary,
        to_phase="P0",
        reasons=[reason("Data integrity concern")],
        approved_by=owner,
        re_ramp_on=future(),
        client_communication=True,
    )
    assert sign_off.status == RollbackSignOff.Status.IN_EFFECT
    assert phase() == "P0"
    assert PhaseTransition.objects.get(rollback=sign_off).kind == "emergency_rollback"
    assert sign_off.approval.status == ApprovalRequest.Status.PENDING
    assert requirement_roles(sign_off.approval) == ["ingestion_owner"]
    for person in (owner, pm, support):
        assert mails("rollback-recorded", person).count() == 1, "D9 §6.3: notify all after"
    rollout.sign(request=sign_off.approval, actor=owner, statement="Right call.")
    sign_off.approval.refresh_from_db()
    assert sign_off.approval.status == ApprovalRequest.Status.APPROVED
    assert PhaseTransition.objects.count() == 1


def test_only_the_on_call_may_roll_back_in_an_emergency(owner, pm):
    set_phase("P3")
    errors = errors_of(
        lambda: rollout.emergency_rollback(
            actor=owner,
            to_phase="P0",
            reasons=[reason("Data integrity concern")],
            approved_by=pm,
            re_ramp_on=future(),
            client_communication=True,
        )
    )
    assert "Only the On-Call may decide a rollback" in errors["rollback_type"][0]
    assert phase() == "P3"


def test_the_form_shows_each_error_next_to_its_field(client, owner, pm):
    set_phase("P2")
    client.force_login(owner)
    response = client.post(
        reverse("rollout:rollback_new"),
        {
            "rollback_type": rollback_type("planned").pk,
            "to_phase": "P3",
            "reasons": [reason("Other").pk],
            "approved_by": owner.pk,
            "re_ramp_on": "2020-01-01",
            "client_communication": "required",
        },
    )
    assert response.status_code == 400
    for message in (
        "Roll back to a phase lower than the current one (P2).",
        "Say what the “Other” reason is.",
        "The approver must be someone other than you.",
        "The re-ramp target date must be in the future.",
    ):
        assert message in response.text
    assert not RollbackSignOff.objects.exists()


def test_the_filled_form_prints_as_the_section_6_4_block(client, owner, pm):
    set_phase("P2")
    client.force_login(owner)
    response = client.post(
        reverse("rollout:rollback_new"),
        {
            "rollback_type": rollback_type("planned").pk,
            "to_phase": "P1",
            "reasons": [reason("Client-reported issue").pk, reason("Other").pk],
            "other_reason": "Duplicate rows",
            "approved_by": pm.pk,
            "investigation_assignee": owner.pk,
            "re_ramp_on": future(14).isoformat(),
            "client_communication": "required",
        },
    )
    sign_off = RollbackSignOff.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("rollout:rollback_print", args=[sign_off.pk])
    page = client.get(response.url).text
    for line in (
        "ROLLBACK SIGN-OFF FORM",
        f"Date: {sign_off.date.isoformat()}",
        "Rolled back from: P2",
        "Rolled back to: P1",
        "□ Error rate exceeded threshold",
        "☒ Client-reported issue",
        "☒ Other: Duplicate rows",
        "Authorized by: Olivia Owner (Role: Ingestion Owner)",
        "Approved by: Priya Mehta (Role: Product Manager)",
        "☒ Investigation assigned to: Olivia Owner",
        f"☒ Re-ramp target date: {future(14).isoformat()}",
        "☒ Client communication: ☒ Required □ Not required",
    ):
        assert line in page
