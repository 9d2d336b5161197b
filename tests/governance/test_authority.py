# ruff: noqa: F811  (the shared fixtures are imported from killswitch_helpers)
"""The authority engine on every row of D9 §2.2, §5.1 and §5.3: an allowed person with the right
approvals and notifications, and a refused person with the reason (table-driven)."""

import datetime

import pytest
from django.utils import timezone

from governance import authority
from governance.authority.engine import RULES
from governance.killswitch import services as killswitch
from governance.killswitch.authority import resume_row
from governance.models import KillSwitchAction, KillSwitchActivation, RollbackType
from tests.helpers.killswitch import scenario, severity

pytestmark = pytest.mark.django_db

# action, allowed person, refused person, approvals, notified roles, refusal words (D9 §2.2)
SECTION_2_2 = [
    ("pause_short", "primary", "pm", [], ["ingestion_owner"], "you hold: Product Manager"),
    (
        "pause_long",
        "secondary",
        "owner",
        ["ingestion_owner"],
        ["product_manager"],
        "Ingestion Owner",
    ),
    ("resume", "primary", "support", ["ingestion_owner"], ["product_manager"], "Support Lead"),
    (
        "rollback",
        "secondary",
        "sre_lead",
        ["ingestion_owner"],
        ["product_manager", "sre_lead"],
        "you hold: SRE Lead",
    ),
    (
        "global_disable",
        "primary",
        "outsider",
        ["ingestion_owner", "sre_lead"],
        ["all_stakeholders"],
        "you hold: no role",
    ),
]


@pytest.mark.parametrize("action, allowed, refused, approve, notify, words", SECTION_2_2)
def test_section_2_2_row_allows_the_on_call_with_its_approvals(
    people, action, allowed, refused, approve, notify, words
):
    decision = authority.decide(people[allowed], f"killswitch.{action}")
    assert decision and decision.allowed
    assert [r.role for r in decision.approvals] == approve
    assert [r.role for r in decision.notify] == notify
    name = KillSwitchAction.objects.get(key=action).name
    assert decision.rows == (f"D9 §2.2 {name}",)


@pytest.mark.parametrize("action, allowed, refused, approve, notify, words", SECTION_2_2)
def test_section_2_2_row_refuses_others_with_the_reason(
    people, action, allowed, refused, approve, notify, words
):
    decision = authority.decide(people[refused], f"killswitch.{action}")
    assert not decision
    assert decision.reason.startswith("Only the On-Call may ")
    assert words in decision.reason


# scenario, allowed, refused, activate first, approvals [(role, minutes)], first notified
# (role, minutes) — minutes after now, None for no deadline (D9 §5.1)
SECTION_5_1 = [
    ("data_corruption", "outsider", "inactive", True, [], ("all_stakeholders", 0)),
    ("error_rate_20", "primary", "pm", True, [], ("ingestion_owner", 5)),
    (
        "error_rate_10",
        "secondary",
        "owner",
        False,
        [("ingestion_owner", 15)],
        ("product_manager", 15),
    ),
    (
        "planned_maintenance",
        "owner",
        "primary",
        False,
        [("product_manager", 60)],
        ("all_stakeholders", 60),
    ),
    ("client_request", "owner", "support", False, [("product_manager", None)], ("support_lead", 0)),
]


def plan(user, key, ws, now):
    starts = now + datetime.timedelta(hours=25) if key == "planned_maintenance" else now
    return killswitch.build_activation(
        actor=user,
        scenario=scenario(key),
        severity=severity(),
        reason="r",
        workspace=ws,
        starts_at=starts,
        at=now,
    )


@pytest.mark.parametrize("key, allowed, refused, first, approve, notified", SECTION_5_1)
def test_section_5_1_row_allows_the_activator_with_approvals_and_notifications(
    people, workspace, key, allowed, refused, first, approve, notified
):
    now = timezone.now()
    decision = authority.decide(
        people[allowed],
        "killswitch.activate",
        obj=plan(people[allowed], key, workspace, now),
        at=now,
    )
    assert decision, decision.reason
    assert decision.activate_first is first
    expected = [
        (role, None if minutes is None else now + datetime.timedelta(minutes=minutes))
        for role, minutes in approve
    ]
    assert [(r.role, r.due_at) for r in decision.approvals] == expected
    role, minutes = notified
    assert (decision.notify[0].role, decision.notify[0].due_at) == (
        role,
        now + datetime.timedelta(minutes=minutes),
    )
    assert decision.rows[0] == f"D9 §5.1 {scenario(key).name}"
    # the workspace pause is §2.2 "Pause (< 1 hour)": the Owner is told as well
    assert "ingestion_owner" in [r.role for r in decision.notify]


@pytest.mark.parametrize("key, allowed, refused, first, approve, notified", SECTION_5_1)
def test_section_5_1_row_refuses_others_with_the_reason(
    people, workspace, key, allowed, refused, first, approve, notified
):
    now = timezone.now()
    decision = authority.decide(
        people[refused],
        "killswitch.activate",
        obj=plan(people[refused], key, workspace, now),
        at=now,
    )
    assert not decision
    assert "may" in decision.reason


def test_planned_maintenance_less_than_a_day_ahead_is_refused(people, workspace):
    now = timezone.now()
    obj = plan(people["owner"], "planned_maintenance", workspace, now)
    obj.starts_at = now + datetime.timedelta(hours=2)
    decision = authority.decide(people["owner"], "killswitch.activate", obj=obj, at=now)
    assert not decision and "24 h before it starts" in decision.reason


def test_global_scope_adds_the_global_disable_approvers_and_all_stakeholders(people):
    now = timezone.now()
    decision = authority.decide(
        people["primary"],
        "killswitch.activate",
        obj=plan(people["primary"], "error_rate_10", None, now),
    )
    assert [r.role for r in decision.approvals] == ["ingestion_owner", "sre_lead"]
    assert "all_stakeholders" in [r.role for r in decision.notify]
    assert "D9 §2.2 Global disable" in decision.rows


def _activation(people, key, ws, *, action=None, hours_ago=0):
    actor = people["owner" if key in ("planned_maintenance", "client_request") else "primary"]
    activation = killswitch.activate_kill_switch(
        actor=actor, scenario=scenario(key), severity=severity(), reason="x", workspace=ws
    )
    activation.status = KillSwitchActivation.Status.ACTIVE
    activation.paused_at = timezone.now() - datetime.timedelta(hours=hours_ago)
    if action:
        activation.action = KillSwitchAction.objects.get(key=action)
    activation.save()
    return activation


# §5.3 scope, how to make it, allowed, approvals, refused, verifications
SECTION_5_3 = [
    ("pause_short", ("error_rate_20", None, 0), "primary", [], "pm", ["Test upload passes"]),
    (
        "pause_long",
        ("error_rate_20", None, 2),
        "owner",
        [],
        "support",
        ["Test upload", "metrics check"],
    ),
    (
        "rollback",
        ("error_rate_20", "rollback", 0),
        "owner",
        ["product_manager"],
        "outsider",
        ["Full P0 revalidation"],
    ),
    (
        "data_integrity",
        ("data_corruption", None, 0),
        "owner",
        ["sre_lead", "product_manager"],
        "support",
        ["Investigation complete"],
    ),
]


@pytest.mark.parametrize("scope, make, allowed, approve, refused, checks", SECTION_5_3)
def test_section_5_3_row_allows_the_resume_authority_with_its_verifications(
    people, workspace, scope, make, allowed, approve, refused, checks
):
    key, action, hours = make
    activation = _activation(people, key, workspace, action=action, hours_ago=hours)
    decision = authority.decide(people[allowed], "killswitch.resume", obj=activation)
    assert decision, decision.reason
    assert sorted(r.role for r in decision.approvals) == sorted(approve)
    assert list(decision.verifications) == checks
    assert [r.role for r in decision.notify] == ["product_manager"]
    assert decision.rows[0].startswith("D9 §5.3 ")
    assert resume_row(activation, at=timezone.now()).key == scope


@pytest.mark.parametrize("scope, make, allowed, approve, refused, checks", SECTION_5_3)
def test_section_5_3_row_refuses_others_with_the_reason(
    people, workspace, scope, make, allowed, approve, refused, checks
):
    key, action, hours = make
    activation = _activation(people, key, workspace, action=action, hours_ago=hours)
    decision = authority.decide(people[refused], "killswitch.resume", obj=activation)
    assert not decision
    assert decision.reason.startswith("Only the ") and "resume ingestion" in decision.reason


def test_on_call_resuming_a_long_pause_needs_the_owner_per_section_2_2(people, workspace):
    activation = _activation(people, "error_rate_20", workspace, hours_ago=2)
    decision = authority.decide(people["primary"], "killswitch.resume", obj=activation)
    assert decision and [r.role for r in decision.approvals] == ["ingestion_owner"]
    assert "D9 §2.2 Resume" in decision.rows


def test_section_8_decision_with_consultation(people, db_owner):
    decision = authority.decide(db_owner, "decision.schema_change")
    assert decision and [r.role for r in decision.notify] == ["ingestion_owner"]
    refused = authority.decide(people["pm"], "decision.schema_change")
    assert not refused and "Database Owner" in refused.reason


def test_section_8_joint_decision_needs_the_other_authorities(people):
    decision = authority.decide(people["owner"], "decision.ga_declaration")
    assert sorted(r.role for r in decision.approvals) == ["product_manager", "sre_lead"]


def test_section_6_3_rollback_type_is_more_specific_than_section_2_2(people):
    planned = RollbackType.objects.get(key="planned")
    decision = authority.decide(people["owner"], "killswitch.rollback", obj=planned)
    assert decision and [r.role for r in decision.approvals] == ["product_manager"]
    assert not authority.decide(people["primary"], "killswitch.rollback", obj=planned)


def test_holders_and_roles_of_resolve_every_notion(people, owner_backup):
    now = timezone.now()
    assert authority.holders("ingestion_owner", at=now) == [people["owner"]]
    assert authority.holders("on_call_primary", at=now) == [people["primary"]]
    assert set(authority.holders("on_call", at=now)) == {people["primary"], people["secondary"]}
    stakeholders = set(authority.holders("all_stakeholders", at=now))
    assert {people["owner"], people["pm"], people["primary"]} <= stakeholders
    assert people["outsider"] not in stakeholders
    assert people["outsider"] in authority.holders("anyone", at=now)
    assert {"on_call", "on_call_primary"} <= authority.roles_of(people["primary"], at=now)
    assert "ingestion_owner" not in authority.roles_of(owner_backup, at=now)


def test_backup_acts_while_the_primary_is_unavailable(people, owner_backup):
    from governance.models import RoleAssignment

    now = timezone.now()
    assignment = RoleAssignment.objects.get(role__key="ingestion_owner")
    assignment.primary_unavailable_until = now + datetime.timedelta(hours=1)
    assignment.save()
    assert authority.holders("ingestion_owner", at=now) == [owner_backup]
    assert "ingestion_owner" in authority.roles_of(owner_backup, at=now)
    assert "ingestion_owner" not in authority.roles_of(people["owner"], at=now)


def test_registered_rules_of_other_apps_are_used(people):
    @authority.register("test.only_owner")
    def rule(user, *, action, obj, at):
        return authority.Decision("ingestion_owner" in authority.roles_of(user, at=at), "rule")

    assert authority.decide(people["owner"], "test.only_owner")
    assert not authority.decide(people["pm"], "test.only_owner")
    RULES.pop("test.only_owner")


def test_unknown_action_and_inactive_user_are_refused(people):
    assert not authority.decide(people["owner"], "nothing.here")
    assert not authority.decide(people["inactive"], "killswitch.pause_short")


def test_role_groups_mirror_holders(people):
    from django.contrib.auth.models import Group

    authority.sync_role_groups()
    group = Group.objects.get(name="D9 role: Ingestion Owner")
    assert list(group.user_set.all()) == [people["owner"]]
    assert authority.sync_role_groups() == 0


def test_policy_overlaps_are_listed_as_notes(db):
    from governance.policy.checks import NOTE, find_problems

    notes = [f for f in find_problems() if f.level == NOTE]
    assert any("< 1 hour pause" in f.message and "§5.3 applies" in f.message for f in notes)
