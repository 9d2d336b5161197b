"""The authority engine: may this user do this action, on this object, now — and who must
approve, who must be notified, by when? (DESIGN "Authority engine".)

Everything is read from the D9 policy rows (§2.2 kill-switch actions, §5.1 scenarios, §5.3 resume
authority, §6.3 rollback types, §8 decision authority) and from who holds each role at `at`
(assignments and the rotation). Nothing else in the portal decides.

Where D9's tables overlap, the more specific row wins: §5.1/§5.3/§6.3 over §2.2/§6.1 over §8.
Every decision names the rows it applied, and `overlaps()` lists the places where the tables
disagree so `validate_policy` can show them to the Owner.

Other apps register rules for their own actions::

    @authority.register("incident.acknowledge")
    def may_acknowledge(user, *, obj, at) -> Decision: ...
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone

from governance import selectors
from governance.models import (
    ApprovalRequest,
    DecisionAuthority,
    KillSwitchAction,
    KillSwitchActionRole,
    KillSwitchActivation,
    KillSwitchScenario,
    ResumeAuthority,
    Role,
    RoleAssignment,
    RollbackType,
    Timing,
)

ON_CALL = "on_call"
ANYONE = "anyone"
ALL_STAKEHOLDERS = "all_stakeholders"
OWNER = "ingestion_owner"
# The D9 §5.1 scenario whose pauses are lifted under the §5.3 "Data integrity event" row; the
# other §5.3 rows follow from the action (rollback) and the pause's length.
DATA_INTEGRITY_SCENARIOS = {"data_corruption": "data_integrity"}
LONG_PAUSE = timedelta(hours=1)


@dataclass(frozen=True)
class Requirement:
    """A role that must approve or be notified, by when (None: no deadline in the policy)."""

    role: str
    due_at: datetime | None = None
    row: str = ""

    @property
    def role_name(self) -> str:
        return role_name(self.role)


@dataclass(frozen=True)
class Decision:
    """The engine's answer. `bool(decision)` is `decision.allowed`."""

    allowed: bool
    reason: str
    approvals: tuple[Requirement, ...] = ()
    notify: tuple[Requirement, ...] = ()
    activate_first: bool = False
    rows: tuple[str, ...] = ()
    acting_roles: tuple[str, ...] = ()
    verifications: tuple[str, ...] = ()
    escalation: tuple[Requirement, ...] = field(default=())

    def __bool__(self) -> bool:
        return self.allowed


Rule = Callable[..., Decision]
RULES: dict[str, Rule] = {}


def register(action: str):
    """Register `rule(user, *, obj, at) -> Decision` as the rule deciding `action`."""

    def add(rule: Rule) -> Rule:
        RULES[action] = rule
        return rule

    return add


def decide(user, action: str, *, obj=None, at: datetime | None = None) -> Decision:
    """May `user` do `action` (on `obj`) at `at` (default now)? No self-approval, ever."""
    at = at or timezone.now()
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Decision(False, "Only a signed-in, active user may act.")
    rule = RULES.get(action)
    if rule is None and action.startswith("decision."):
        rule = _section8_rule
    if rule is None:
        return Decision(False, f'The portal knows no rule for "{action}".')
    return rule(user, action=action, obj=obj, at=at)


def require(user, action: str, *, obj=None, at: datetime | None = None) -> Decision:
    """`decide`, for services: a refusal raises PermissionDenied carrying its reason."""
    decision = decide(user, action, obj=obj, at=at)
    if not decision:
        raise PermissionDenied(decision.reason)
    return decision


# --- who holds what ---------------------------------------------------------------------


def _roles_by_key() -> dict[str, Role]:
    return {role.key: role for role in Role.objects.all()}


def role_name(role_key: str) -> str:
    role = Role.objects.filter(key=role_key).only("name").first()
    return role.name if role else role_key


def _on_call(at: datetime):
    from rotations.selectors import on_call_at

    return on_call_at(at)


def _rotation_tier(role_key: str) -> str | None:
    from governance.models import OnCallTier

    return OnCallTier.objects.filter(role__key=role_key).values_list("key", flat=True).first()


def holders(role_key: str, *, at: datetime | None = None) -> list:
    """Every person holding `role_key` at `at`, whatever the role's notion (D9 §1.3, §3)."""
    at = at or timezone.now()
    role = Role.objects.get(key=role_key)
    notion = role.notion
    if notion == Role.Notion.ASSIGNED:
        holder = selectors.acting_holder(role_key, at=at)
        return [holder] if holder and holder.is_active else []
    if notion == Role.Notion.ROTATION:
        tier = _rotation_tier(role_key)
        holder = _on_call(at).holder(tier) if tier else None
        return [holder] if holder else []
    if notion == Role.Notion.ON_CALL:
        on_call = _on_call(at)
        return [user for user in (on_call.primary, on_call.secondary) if user]
    if notion == Role.Notion.ANYONE:
        return list(get_user_model().objects.filter(is_active=True).order_by("username"))
    people = {}
    for key in Role.objects.filter(notion=Role.Notion.ASSIGNED).values_list("key", flat=True):
        for user in holders(key, at=at):
            people[user.pk] = user
    for user in holders(ON_CALL, at=at):
        people[user.pk] = user
    return sorted(people.values(), key=lambda user: user.username)


def _assigned_roles_of(user, *, at: datetime, as_backup_too: bool = False) -> set[str]:
    day = timezone.localdate(at)
    assignments = (
        RoleAssignment.objects.filter(Q(primary=user) | Q(backup=user), valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .select_related("role")
        .order_by("role", "-valid_from")
    )
    keys, seen = set(), set()
    for assignment in assignments:
        if assignment.role_id in seen:
            continue
        seen.add(assignment.role_id)
        unavailable = assignment.primary_unavailable_until
        backup_acts = bool(assignment.backup_id and unavailable and unavailable > at)
        if (
            assignment.primary_id == user.pk
            and not backup_acts
            or assignment.backup_id == user.pk
            and (backup_acts or as_backup_too)
        ):
            keys.add(assignment.role.key)
    return keys


def roles_of(user, *, at: datetime | None = None) -> set[str]:
    """The role keys `user` acts under at `at`: assigned roles (primary, or backup while the
    primary is unavailable), the rotation tiers, "on_call", "anyone" and "all_stakeholders"."""
    at = at or timezone.now()
    if user is None or not getattr(user, "is_active", False):
        return set()
    keys = _assigned_roles_of(user, at=at) | {ANYONE}
    on_call = _on_call(at)
    for tier_role in Role.objects.filter(notion=Role.Notion.ROTATION).values_list("key", flat=True):
        tier = _rotation_tier(tier_role)
        if tier and on_call.holder(tier) == user:
            keys |= {tier_role, ON_CALL}
    if keys - {ANYONE}:
        keys.add(ALL_STAKEHOLDERS)
    return keys


def backup_roles_of(user, *, at: datetime) -> set[str]:
    """Assigned roles `user` is the backup of at `at` (acting or not)."""
    day = timezone.localdate(at)
    return set(
        RoleAssignment.objects.filter(backup=user, valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .values_list("role__key", flat=True)
    )


def _holds_text(keys: Iterable[str]) -> str:
    names = [r.name for r in Role.objects.filter(key__in=keys).exclude(key__in=[ANYONE])]
    names = [n for n in names if n != "All stakeholders"]
    return ", ".join(names) or "no role"


def _names(keys: Iterable[str], wording: str = "name", joiner: str = " or the ") -> str:
    roles = _roles_by_key()
    words = [roles[key].word(wording) if key in roles else key for key in keys]
    return joiner.join(words)


def _refuse(user, at, allowed_keys: Iterable[str], what: str, rows: Iterable[str]) -> Decision:
    allowed_keys = list(dict.fromkeys(allowed_keys))
    held = roles_of(user, at=at)
    who = _names(allowed_keys)
    return Decision(
        False,
        f"Only the {who} may {what}; you hold: {_holds_text(held)}.",
        rows=tuple(rows),
    )


# --- policy rows --------------------------------------------------------------------------


def _due(at: datetime, timing: str, minutes: int | None, *, start: datetime) -> datetime | None:
    if timing == Timing.IMMEDIATE:
        return at
    if timing == Timing.WITHIN:
        return at + timedelta(minutes=minutes or 0)
    if timing == Timing.ADVANCE:
        return start - timedelta(minutes=minutes or 0)
    return None


def _action(key: str) -> KillSwitchAction:
    return KillSwitchAction.objects.prefetch_related("roles__role").get(key=key)


def _duty(action: KillSwitchAction, duty: str) -> list[str]:
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
    action = _action(action_key)
    row = f"D9 §2.2 {action.name}"
    executors = _duty(action, KillSwitchActionRole.Duty.EXECUTE)
    held = roles_of(user, at=at)
    if not held & set(executors):
        return _refuse(user, at, executors, action.name.lower(), [row])
    return Decision(
        True,
        f"Allowed: you hold {_holds_text(held & set(executors))} ({row}).",
        approvals=tuple(Requirement(k, None, row) for k in _duty(action, "approve")),
        notify=tuple(Requirement(k, at, row) for k in _duty(action, "notify")),
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
        return _refuse(
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
    scope_action = _action("global_disable" if obj.workspace_id is None else "pause_short")
    scope_row = f"D9 §2.2 {scope_action.name}"
    approvals = []
    if scenario.approver_id:
        due = _due(at, scenario.approval_timing, scenario.approval_minutes, start=start)
        approvals.append(Requirement(scenario.approver.key, due, row))
    extra = [k for k in _duty(scope_action, "approve") if k not in held]
    approvals += [Requirement(k, None, scope_row) for k in extra]
    due = _due(at, scenario.notify_timing, scenario.notify_minutes, start=start)
    notify = _merge(
        [Requirement(scenario.notify.key, due, row)],
        [Requirement(k, at, scope_row) for k in _duty(scope_action, "notify")],
    )
    rows = (row, scope_row)
    return Decision(
        True,
        f"Allowed: you hold {_holds_text({activator} & held or held)} ({row}).",
        approvals=_merge(approvals),
        notify=notify,
        activate_first=scenario.activate_first,
        rows=rows,
        acting_roles=(activator,),
    )


def resume_row(activation: KillSwitchActivation, *, at: datetime) -> ResumeAuthority:
    """D9 §5.3: the row governing what lifting this activation needs."""
    key = DATA_INTEGRITY_SCENARIOS.get(activation.scenario.key)
    if key is None and activation.action.key == "rollback":
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
    section22 = _action("resume")
    row22 = f"D9 §2.2 {section22.name}"
    section8 = DecisionAuthority.objects.filter(key="resume_ingestion").first()
    keys8 = [m.role.key for m in section8.authorities.all()] if section8 else []
    row8 = f"D9 §8 {section8.decision}" if section8 else ""
    executors = authority + _duty(section22, "execute") + keys8
    held = roles_of(user, at=at)
    if not held & set(executors):
        return _refuse(user, at, executors, "resume ingestion", [row, row22])
    rows = [row]
    if not held & set(authority):
        rows.append(row22 if held & set(_duty(section22, "execute")) else row8)
    approvals = [Requirement(k, None, row) for k in authority if k not in held]
    notify = [Requirement(k, at, row22) for k in _duty(section22, "notify")]
    rows.append(f"{row22} (notification)")
    return Decision(
        True,
        f"Allowed: you hold {_holds_text(held & set(executors))} ({row}).",
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
        return _refuse(user, at, makers, f"decide a rollback ({obj.name})", [row])
    approvals = [Requirement(k, None, row) for k in makers if k not in held]
    notify = []
    consulted = obj.consultation_role.key
    if obj.consultation == RollbackType.Consultation.APPROVAL:
        approvals.append(Requirement(consulted, None, row))
    else:
        notify.append(Requirement(consulted, at, row))
    return Decision(
        True,
        f"Allowed: you hold {_holds_text(held & set(makers))} ({row}).",
        approvals=_merge(approvals),
        notify=tuple(notify),
        activate_first=obj.immediate,
        rows=(row,),
        acting_roles=tuple(sorted(held & set(makers))),
    )


def _section8_rule(user, *, action, obj, at) -> Decision:
    """D9 §8: a decision's primary authority (all of them, "A + B": the others approve); the
    escalation role is escalated to or consulted."""
    key = action.removeprefix("decision.")
    row_obj = DecisionAuthority.objects.filter(key=key).select_related("escalation_role").first()
    if row_obj is None:
        return Decision(False, f'D9 §8 has no decision "{key}".')
    row = f"D9 §8 {row_obj.decision}"
    authorities = [m.role.key for m in row_obj.authorities.select_related("role")]
    held = roles_of(user, at=at)
    if not held & set(authorities):
        return _refuse(user, at, authorities, row_obj.decision.lower(), [row])
    escalation = ()
    notify = ()
    if row_obj.escalation_role_id:
        requirement = Requirement(row_obj.escalation_role.key, None, row)
        if row_obj.escalation_kind == DecisionAuthority.EscalationKind.CONSULT:
            notify = (replace(requirement, due_at=at),)
        else:
            escalation = (requirement,)
    return Decision(
        True,
        f"Allowed: you hold {_holds_text(held & set(authorities))} ({row}).",
        approvals=tuple(Requirement(k, None, row) for k in authorities if k not in held),
        notify=notify,
        rows=(row,),
        acting_roles=tuple(sorted(held & set(authorities))),
        escalation=escalation,
    )


@register("approval.decide")
def _approval_rule(user, *, action, obj: ApprovalRequest, at) -> Decision:
    """DESIGN "Approvals and sign-offs": only a person holding a required role at that moment,
    never the requester or the executor. A backup may decide once the deadline has passed
    (DESIGN: the backup acts when the primary does not answer in time)."""
    if user.pk in (obj.requester_id, obj.executor_id):
        return Decision(
            False, "You requested or will carry out this action; someone else must approve it."
        )
    if obj.status not in (ApprovalRequest.Status.PENDING, ApprovalRequest.Status.VETOED):
        return Decision(False, f"This request is {obj.get_status_display().lower()}.")
    requirements = list(obj.requirements.select_related("role"))
    held = roles_of(user, at=at)
    backups = backup_roles_of(user, at=at)
    acting = [
        r.role.key
        for r in requirements
        if r.role.key in held or (r.role.key in backups and r.due_at and r.due_at <= at)
    ]
    if not acting:
        keys = [r.role.key for r in requirements]
        return _refuse(
            user,
            at,
            keys,
            f"decide on “{obj.title}”",
            obj.requirements.values_list("rows", flat=True),
        )
    return Decision(
        True,
        f"Allowed: you hold {_holds_text(acting)}.",
        acting_roles=tuple(acting),
        rows=tuple(dict.fromkeys(r.rows for r in requirements if r.role.key in acting)),
    )


def who_may(action: str, *, obj=None, at: datetime | None = None) -> list[tuple[object, Decision]]:
    """Every active user allowed `action` now, with their decision ("who may do this now?")."""
    at = at or timezone.now()
    users = get_user_model().objects.filter(is_active=True).order_by("username")
    return [(user, d) for user in users if (d := decide(user, action, obj=obj, at=at))]


def overlaps() -> list[str]:
    """Where D9's tables speak about the same act differently, in plain words, with the rule
    the engine applies (the more specific row wins)."""
    notes = []
    resume = KillSwitchAction.objects.filter(key="resume").first()
    section8 = DecisionAuthority.objects.filter(key="resume_ingestion").first()
    for scope in ResumeAuthority.objects.prefetch_related("roles__role"):
        keys = {m.role.key for m in scope.roles.all()}
        if resume:
            approve = set(_duty(resume, "approve"))
            execute = set(_duty(resume, "execute"))
            if keys != execute or approve - keys:
                notes.append(
                    f'Resuming a "{scope.scope}": D9 §5.3 gives the authority to '
                    f"{_names(sorted(keys), joiner=' + ')}; "
                    f"§2.2 says the {_names(sorted(execute))} executes "
                    f"and the {_names(sorted(approve))} approves. §5.3 applies."
                )
        if section8:
            keys8 = {m.role.key for m in section8.authorities.all()}
            if keys8 != keys:
                notes.append(
                    f'Resuming a "{scope.scope}": D9 §8 names the {_names(sorted(keys8))} for '
                    f'"{section8.decision}"; §5.3 names the {_names(sorted(keys))}. §5.3 applies.'
                )
    for scenario in KillSwitchScenario.objects.select_related("activator", "approver"):
        if scenario.activate_first:
            continue
        pause = KillSwitchAction.objects.filter(key="pause_short").first()
        if pause and scenario.activator.key not in _duty(pause, "execute"):
            notes.append(
                f'Pausing for "{scenario.name}": D9 §5.1 lets the {scenario.activator.name} '
                f"activate; §2.2 names the {_names(_duty(pause, 'execute'))}. §5.1 applies."
            )
    return notes


GROUP_PREFIX = "D9 role: "


def sync_role_groups(*, at: datetime | None = None) -> int:
    """Keep one Django group per D9 role whose members are the role's holders at `at`, so the
    admin's model permissions can be granted per role. Membership depends on time (rotation
    handoffs, validity dates, a primary marked unavailable), which no save signal sees, so a
    periodic sweep re-syncs it. "Anyone" gets no group (it would be every user).
    Returns the number of membership changes."""
    from django.contrib.auth.models import Group

    at = at or timezone.now()
    changes = 0
    for role in Role.objects.exclude(notion=Role.Notion.ANYONE):
        group, _ = Group.objects.get_or_create(name=f"{GROUP_PREFIX}{role.name}"[:150])
        wanted = {user.pk for user in holders(role.key, at=at)}
        current = set(group.user_set.values_list("pk", flat=True))
        if wanted - current:
            group.user_set.add(*(wanted - current))
        if current - wanted:
            group.user_set.remove(*(current - wanted))
        changes += len(wanted ^ current)
    return changes
