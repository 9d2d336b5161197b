"""`validate_policy`: each rule broken shows its message and exits 1; blanks only warn."""

import pytest

from governance.killswitch.authority import overlaps
from governance.models import (
    EscalationContact,
    EscalationStep,
    KillSwitchActionRole,
    MessageTemplate,
    PhaseGate,
    RaciEntry,
    Role,
)
from governance.policy.checks import check_policy, find_problems, summary
from governance.policy.readings import READINGS
from tests.helpers.policy import command

pytestmark = pytest.mark.django_db


def set_letter(activity: str, role_key: str, letter: str) -> None:
    entry = RaciEntry.objects.get(activity__name=activity, role__key=role_key)
    entry.letter = letter
    entry.save()


def test_seeded_policy_has_no_errors_but_warns_about_blanks():
    status, output = command("validate_policy")

    assert status == 0
    assert "0 error(s)" in output
    assert "WARNING: Ingestion Owner has no primary assigned (D9 §1.3)." in output
    assert "WARNING: The primary contact of SRE Lead is blank (D9 §4.4)." in output
    assert "/admin/governance/escalationcontact/" in output


def test_the_summary_counts_overlap_notes_apart_from_warnings():
    status, output = command("validate_policy")
    lines = output.splitlines()
    warnings = sum(line.startswith("WARNING: ") for line in lines)
    notes = sum(line.startswith("NOTE: ") for line in lines)

    assert status == 0
    assert notes and warnings  # seeded D9: §2.2/§5.3/§8 overlap, blanks still to fill
    assert len(overlaps()) + len(READINGS) == notes
    assert f"0 error(s), {warnings} warning(s), {notes} note(s)." in output


def test_an_error_summary_also_counts_warnings_and_notes_apart():
    set_letter("Day-0 checklist", "on_call", "A")
    findings = find_problems()

    status, output = command("validate_policy")

    assert status == 1
    assert summary(findings) in output
    errors = sum(f.level == "error" for f in findings)
    assert errors and summary(findings).startswith(f"{errors} error(s), ")
    assert f"{sum(f.level == 'note' for f in findings)} note(s)." in output


def test_after_seed_demo_the_blanks_are_filled_and_the_policy_validates():
    assert command("seed_demo")[0] == 0

    status, output = command("validate_policy")
    _, document = command("render_policy")

    assert status == 0, output
    assert "no primary assigned" not in output
    assert "contact" not in output
    assert "_____________" not in document.split("## 2.")[0]
    assert "_______" not in document.split("### 4.4")[1].split("## 5.")[0]


def test_a_role_without_a_backup_warns_and_still_exits_zero(owner):
    status, output = command("validate_policy")

    assert status == 0
    assert "WARNING: Ingestion Owner has no backup assigned (D9 §1.3)." in output


def test_a_contact_blank_warns_and_still_exits_zero():
    status, output = command("validate_policy")

    assert status == 0
    assert "WARNING: The backup contact of On-Call Primary is blank (D9 §4.4)." in output


def test_an_activity_with_two_accountable_roles_is_an_error():
    set_letter("Day-0 checklist", "on_call", "A")

    status, output = command("validate_policy")

    assert status == 1
    assert 'RACI activity "Day-0 checklist" has 2 Accountable (A) roles' in output
    assert "/admin/governance/raciactivity/" in output


def test_an_activity_without_an_accountable_role_is_an_error_unless_waived():
    set_letter("Day-0 checklist", "ingestion_owner", "C")

    status, output = command("validate_policy")

    assert status == 1
    assert 'RACI activity "Day-0 checklist" has 0 Accountable (A) roles' in output
    assert 'RACI activity "Test upload" has 0' not in output


def test_an_activity_without_a_responsible_role_is_an_error():
    set_letter("Day-0 checklist", "on_call", "I")

    status, output = command("validate_policy")

    assert status == 1
    assert 'RACI activity "Day-0 checklist" has no Responsible (R) role' in output


def test_a_missing_role_of_the_d9_vocabulary_is_an_error():
    role = Role.objects.get(key="account_manager")
    role.key = "key_account_manager"
    role.save()

    status, output = command("validate_policy")

    assert status == 1
    assert 'The role "account_manager" that the D9 tables and the authority engine use' in output


def test_an_authority_row_naming_no_role_is_an_error():
    KillSwitchActionRole.objects.get(action__key="pause_short", duty="execute").delete()

    status, output = command("validate_policy")

    assert status == 1
    assert 'Kill-switch action "Pause (< 1 hour)" names no role that can execute it' in output


def test_a_severity_without_a_step_at_zero_minutes_is_an_error():
    step = EscalationStep.objects.get(severity__key="P3", position=1)
    step.at_minute = 5
    step.save()

    status, output = command("validate_policy")

    assert status == 1
    assert "Severity P3 has no escalation step at 0 minutes." in output


def test_escalation_steps_out_of_order_are_an_error():
    step = EscalationStep.objects.get(severity__key="P1", position=2)
    step.at_minute = 45
    step.save()

    status, output = command("validate_policy")

    assert status == 1
    assert "The escalation steps of P1 are out of order" in output


def test_phase_gates_that_break_the_chain_are_an_error():
    PhaseGate.objects.get(from_phase="P1").delete()

    status, output = command("validate_policy")

    assert status == 1
    assert "The phase gates must form the chain P0 → P1, P1 → P2" in output


def test_a_template_missing_a_field_it_needs_is_an_error():
    template = MessageTemplate.objects.get(key="incident_start")
    template.body = template.body.replace("Next update: [time]", "Next update: soon")
    template.save()

    status, output = command("validate_policy")

    assert status == 1
    assert 'Template "Incident Start" does not use its field(s) [time].' in output


def test_a_template_using_an_unknown_field_is_an_error():
    template = MessageTemplate.objects.get(key="incident_update")
    template.body += "\nOwner: [owner]"
    template.save()

    status, output = command("validate_policy")

    assert status == 1
    assert 'Template "Incident Update" uses [owner] which is not one of its fields.' in output


def test_errors_are_system_checks_and_blanks_are_not():
    assert check_policy(databases=["default"]) == []

    set_letter("GA sign-off", "product_manager", "A")
    EscalationContact.objects.update(primary_value="")

    errors = check_policy(databases=["default"])
    assert [error.id for error in errors] == ["governance.policy_raci"]
    assert "GA sign-off" in errors[0].msg
