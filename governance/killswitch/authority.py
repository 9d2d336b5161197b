"""Authority rules of the kill switch: D9 §2.2 rows, §5.1 scenarios, §5.3 resume authority and
§6.3 rollback types, and where those tables overlap."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from governance.authority.engine import (
    Decision,
    Requirement,
    holds_text,
    refuse,
    register,
    role_words,
)
from governance.authority.holders import roles_of
from governance.models import (
    DecisionAuthority,
    KillSwitchAction,
    KillSwitchActionRole,
    KillSwitchActivation,
    KillSwitchScenario,
    ResumeAuthority,
    RollbackType,
    Timing,
)
from governance.rollout.selectors import rollbacks_during

# The D9 §5.1 scenario whose pauses are lifted under the §5.3 "Data integrity event" row; the
# other §5.3 rows follow from the action (rollback) and the pause's length.
DATA_INTEGRITY_SCENARIOS = {"data_corruption": "data_integrity"}
LONG_PAUSE = timedelta(hours=1)


def due_instant(
    at: datetime, timing: str, minutes: int | None, *, start: datetime
) -> datetime | None:
    """D9 §5.1 "Owner (within 15 min)", "24h advance": when an approval or a notification
    asked at `at` for a pause starting at `start` is due (None: no deadline). Pure: the rule
    below and the what-if replay both use it."""
    if timing == Timing.IMMEDIATE:
        return at
    if timing == Timing.WITHIN:
        return at + timedelta(minutes=minutes or 0)
    if timing == Timing.ADVANCE:
        return start - timedelta(minutes=minutes or 0)
    return None


def action_row(key: str) -> KillSwitchAction:
    return KillSwitchAction.objects.prefetch_related("roles__role").get(key=key)


def duty_roles(action: KillSwitchAction, duty: str) -> list[str]:
    return [m.role.key for m in action.mentions(duty)]


def _merge(*groups: Iterable[Requirement]) -> tuple[Requirement, ...]:
    """Requirements by role, the first (most specific) one winning."""
    merged: dict[str, Requirement] = {}
    for group in groups:
        for requirement in group:
            merged.setdefault(requirement.role, requirement)
    return tuple(merged.values())


def _section22(user, action_key: str, at: datetime) -> Decision:
    """D9 §2.2 row alone: who executes, who approves, who is told."""
    action = action_row(action_key)
    row = f"D9 §2.2 {action.name}"
    executors = duty_roles(action, KillSwitchActionRole.Duty.EXECUTE)
    held = roles_of(user, at=at)
    if not held & set(executors):
        return refuse(user, at, executors, action.name.lower(), [row])
    return Decision(
        True,
        f"Allowed: you hold {holds_text(held & set(executors))} ({row}).",
        approvals=tuple(Requirement(k, None, row) for k in duty_roles(action, "approve")),
        notify=tuple(Requirement(k, at, row) for k in duty_roles(action, "notify")),
        rows=(row,),
        acting_roles=tuple(sorted(held & set(executors))),
    )


for _key in ("pause_short", "pause_long", "resume", "rollback", "global_disable"):

    def _rule(user, *, action, obj, at, _key=_key):
        if _key == "resume" and obj is not None:
            return _resume_rule(user, action=action, obj=obj, at=at)
        if _key == "rollback" and isinstance(obj, RollbackType):
            return _rollback_rule(user, action=action, obj=obj, at=at)
        return _section22(user, _key, at)

    register(f"killswitch.{_key}")(_rule)


@register("killswitch.activate")
def _activate_rule(user, *, action, obj: KillSwitchActivation, at) -> Decision:
    """D9 §5.1 by scenario (who activates, approval, notification) with the §2.2 row of the
    scope: "Pause (< 1 hour)" for a workspace, "Global disable" for everything. §5.1 wins where
    both speak; §2.2's extra approvers (global disable: Owner + SRE Lead) and notified roles are
    added, except approvals by a role the activator holds (activating is that role's consent)."""
    scenario: KillSwitchScenario = obj.scenario
    row = f"D9 §5.1 {scenario.name}"
    start = obj.starts_at or at
    held = roles_of(user, at=at)
    activator = scenario.activator.key
    if activator not in held:
        return refuse(
            user, at, [activator], f'activate the kill switch for "{scenario.name}"', [row]
        )
    if scenario.approval_timing == Timing.ADVANCE and start < at + timedelta(
        minutes=scenario.approval_minutes or 0
    ):
        hours = (scenario.approval_minutes or 0) // 60
        return Decision(
            False,
            f"{scenario.name} must be requested {hours} h before it starts ({row}).",
            rows=(row,),
        )
    scope_action = action_row("global_disable" if obj.workspace_id is None else "pause_short")
    scope_row = f"D9 §2.2 {scope_action.name}"
    approvals = []
    if scenario.approver_id:
        due = due_instant(at, scenario.approval_timing, scenario.approval_minutes, start=start)
        approvals.append(Requirement(scenario.approver.key, due, row))
    extra = [k for k in duty_roles(scope_action, "approve") if k not in held]
    approvals += [Requirement(k, None, scope_row) for k in extra]
    due = due_instant(at, scenario.notify_timing, scenario.notify_minutes, start=start)
    notify = _merge(
        [Requirement(scenario.notify.key, due, row)],
        [Requirement(k, at, scope_row) for k in duty_roles(scope_action, "notify")],
    )
    rows = (row, scope_row)
    return Decision(
        True,
        f"Allowed: you hold {holds_text({activator} & held or held)} ({row}).",
        approvals=_merge(approvals),
        notify=notify,
        activate_first=scenario.activate_first,
        rows=rows,
        acting_roles=(activator,),
    )


def resume_row(activation: KillSwitchActivation, *, at: datetime) -> ResumeAuthority:
    """D9 §5.3: the row governing what lifting this activation needs. A rollback (§6.3/§6.4)
    taken while it held ingestion paused makes it a "Rollback" resume (issue 12 point 4)."""
    key = DATA_INTEGRITY_SCENARIOS.get(activation.scenario.key)
    if key is None and (activation.action.key == "rollback" or rollbacks_during(activation)):
        key = "rollback"
    if key is None:
        long = activation.long_pause_at or (
            activation.paused_at and at - activation.paused_at >= LONG_PAUSE
        )
        key = "pause_long" if long else "pause_short"
    return ResumeAuthority.objects.prefetch_related("roles__role", "verifications").get(key=key)


def _resume_rule(user, *, action, obj: KillSwitchActivation, at) -> Decision:
    """D9 §5.3 (authority and verification by what is lifted) over §2.2 Resume (On-Call
    executes; its notification of the PM still applies) over §8 Resume ingestion (Owner).
    The executor's own §5.3 roles count as given; the other §5.3 roles must approve."""
    if obj.status not in KillSwitchActivation.LIVE:
        return Decision(False, "This activation is not in force; there is nothing to resume.")
    scope = resume_row(obj, at=at)
    row = f"D9 §5.3 {scope.scope}"
    authority = [m.role.key for m in scope.roles.all()]
    section22 = action_row("resume")
    row22 = f"D9 §2.2 {section22.name}"
    section8 = DecisionAuthority.objects.filter(key="resume_ingestion").first()
    keys8 = [m.role.key for m in section8.authorities.all()] if section8 else []
    row8 = f"D9 §8 {section8.decision}" if section8 else ""
    executors = authority + duty_roles(section22, "execute") + keys8
    held = roles_of(user, at=at)
    if not held & set(executors):
        return refuse(user, at, executors, "resume ingestion", [row, row22])
    rows = [row]
    if not held & set(authority):
        rows.append(row22 if held & set(duty_roles(section22, "execute")) else row8)
    approvals = [Requirement(k, None, row) for k in authority if k not in held]
    notify = [Requirement(k, at, row22) for k in duty_roles(section22, "notify")]
    rows.append(f"{row22} (notification)")
    return Decision(
        True,
        f"Allowed: you hold {holds_text(held & set(executors))} ({row}).",
        approvals=tuple(approvals),
        notify=tuple(notify),
        rows=tuple(rows),
        acting_roles=tuple(sorted(held & set(executors))),
        verifications=tuple(v.text for v in scope.verifications.all()),
    )


def _rollback_rule(user, *, action, obj: RollbackType, at) -> Decision:
    """D9 §6.3 by rollback type over §2.2 Rollback: the decision makers (all of them; the
    executor's own roles count as given), the consultation role approving or informed."""
    row = f"D9 §6.3 {obj.name}"
    makers = [m.role.key for m in obj.decision_makers.select_related("role")]
    held = roles_of(user, at=at)
    if not held & set(makers):
        return refuse(user, at, makers, f"decide a rollback ({obj.name})", [row])
    approvals = [Requirement(k, None, row) for k in makers if k not in held]
    notify = []
    consulted = obj.consultation_role.key
    if obj.consultation == RollbackType.Consultation.APPROVAL:
        approvals.append(Requirement(consulted, None, row))
    else:
        notify.append(Requirement(consulted, at, row))
    return Decision(
        True,
        f"Allowed: you hold {holds_text(held & set(makers))} ({row}).",
        approvals=_merge(approvals),
        notify=tuple(notify),
        activate_first=obj.immediate,
        rows=(row,),
        acting_roles=tuple(sorted(held & set(makers))),
    )


def overlaps() -> list[str]:
    """Where D9's tables speak about the same act differently, in plain words, with the rule
    the engine applies (the more specific row wins)."""
    notes = []
    resume = KillSwitchAction.objects.filter(key="resume").first()
    section8 = DecisionAuthority.objects.filter(key="resume_ingestion").first()
    for scope in ResumeAuthority.objects.prefetch_related("roles__role"):
        keys = {m.role.key for m in scope.roles.all()}
        if resume:
            approve = set(duty_roles(resume, "approve"))
            execute = set(duty_roles(resume, "execute"))
            if keys != execute or approve - keys:
                notes.append(
                    f'Resuming a "{scope.scope}": D9 §5.3 gives the authority to '
                    f"{role_words(sorted(keys), joiner=' + ')}; "
                    f"§2.2 says the {role_words(sorted(execute))} executes "
                    f"and the {role_words(sorted(approve))} approves. §5.3 applies."
                )
        if section8:
            keys8 = {m.role.key for m in section8.authorities.all()}
            if keys8 != keys:
                notes.append(
                    f'Resuming a "{scope.scope}": D9 §8 names the {role_words(sorted(keys8))} for '
                    f'"{section8.decision}"; §5.3 names the {role_words(sorted(keys))}. '
                    "§5.3 applies."
                )
    for scenario in KillSwitchScenario.objects.select_related("activator", "approver"):
        if scenario.activate_first:
            continue
        pause = KillSwitchAction.objects.filter(key="pause_short").first()
        if pause and scenario.activator.key not in duty_roles(pause, "execute"):
            notes.append(
                f'Pausing for "{scenario.name}": D9 §5.1 lets the {scenario.activator.name} '
                f"activate; §2.2 names the {role_words(duty_roles(pause, 'execute'))}. "
                "§5.1 applies."
            )
    return notes
