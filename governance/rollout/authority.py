"""Authority rules of the sign-off workflow (D9 §6, §9), registered with the authority engine.

- "phase.advance" (obj: PhaseGate): D9 §6.1 — any D9 role holder may open a gate review; the
  gate's approver roles they hold count as given, the others must approve.
- "ga.sign" (obj: ApprovalRequest of a P3 → P4 review): D9 §6.2 — a GA approver confirms the
  statement of their role.
- "rollback.request" (obj: RollbackType): D9 §6.3 by type; an immediate (emergency) rollback
  collects the D9 §8 "Rollback phase" authority's approval afterwards.
- "policy.publish" (obj: None): D9 §9 — the roles of the Document Control table approve.
"""

from datetime import datetime

from governance import authority
from governance.authority.engine import Decision, Requirement
from governance.authority.holders import roles_of
from governance.models import (
    ApprovalRequest,
    DecisionAuthority,
    DocumentApproval,
    GaConfirmation,
    PhaseGate,
    PolicyVersion,
    RollbackType,
)

ROLLBACK_AUTHORITY = "rollback_phase"


def gate_row(gate: PhaseGate) -> str:
    return f"D9 §6.1 {gate}"


def gate_roles(gate: PhaseGate) -> list[str]:
    """The gate's required approvers, in D9 order, read from the PhaseGate rows."""
    return [m.role.key for m in gate.approvers.select_related("role")]


@authority.register("phase.advance")
def _advance_rule(user, *, action, obj: PhaseGate, at: datetime) -> Decision:
    """D9 §6.1: the gate's approvers decide; anyone holding a D9 role may open the review."""
    row = gate_row(obj)
    held = roles_of(user, at=at)
    if authority.ALL_STAKEHOLDERS not in held:
        return Decision(
            False,
            "Only a person holding a D9 role may ask to pass a phase gate; you hold no role.",
            rows=(row,),
        )
    keys = gate_roles(obj)
    mine = tuple(k for k in keys if k in held)
    return Decision(
        True,
        f"Allowed ({row}).",
        approvals=tuple(Requirement(k, None, row) for k in keys if k not in held),
        rows=(row,),
        acting_roles=mine,
    )


@authority.register("ga.sign")
def _ga_rule(user, *, action, obj: ApprovalRequest, at: datetime) -> Decision:
    """D9 §6.2: each GA approver confirms their statement; only a decider of the request."""
    decision = authority.decide(user, "approval.decide", obj=obj, at=at)
    if not decision:
        return decision
    statements = GaConfirmation.objects.filter(role__key__in=decision.acting_roles)
    if not statements.exists():
        return Decision(False, "Your role makes no GA confirmation in D9 §6.2.")
    return Decision(
        True,
        decision.reason,
        rows=("D9 §6.2 GA Sign-Off Requirements",),
        acting_roles=decision.acting_roles,
    )


def rollback_approval_roles(rollback_type: RollbackType, decision: Decision) -> list[str]:
    """Who must approve a rollback of this type: the §6.3 approvals left once the authorizer's
    roles count; for an immediate rollback with none, the §8 "Rollback phase" authority."""
    keys = [r.role for r in decision.approvals]
    if keys or not rollback_type.immediate:
        return keys
    row = DecisionAuthority.objects.filter(key=ROLLBACK_AUTHORITY).first()
    return [m.role.key for m in row.authorities.select_related("role")] if row else []


@authority.register("rollback.request")
def _rollback_rule(user, *, action, obj: RollbackType, at: datetime) -> Decision:
    """D9 §6.3 (by type) as the engine reads it, plus the after-the-fact approval of an
    emergency rollback (D9 §8 Rollback phase: Owner)."""
    decision = authority.decide(user, "killswitch.rollback", obj=obj, at=at)
    if not decision:
        return decision
    keys = rollback_approval_roles(obj, decision)
    if [r.role for r in decision.approvals] == keys:
        return decision
    row = f"D9 §8 {DecisionAuthority.objects.get(key=ROLLBACK_AUTHORITY).decision}"
    return Decision(
        True,
        decision.reason,
        approvals=tuple(Requirement(k, None, row) for k in keys),
        notify=decision.notify,
        activate_first=decision.activate_first,
        rows=(*decision.rows, row),
        acting_roles=decision.acting_roles,
    )


def document_roles(version: PolicyVersion | None = None) -> list[str]:
    """The roles of the D9 §9 approval table (of `version`, else the one in force)."""
    from governance.approvals.services import current_policy_version

    version = version or current_policy_version()
    rows = DocumentApproval.objects.filter(version=version).select_related("role")
    return [row.role.key for row in rows.order_by("position", "id")]


@authority.register("policy.publish")
def _publish_rule(user, *, action, obj, at: datetime) -> Decision:
    """D9 §9: a new version needs the approval of each role of the Document Control table; a
    requester holding one of them gives that approval by asking."""
    keys = document_roles()
    row = "D9 §9 Document Control"
    held = roles_of(user, at=at)
    mine = tuple(k for k in keys if k in held)
    if not mine and not user.is_superuser:
        return authority.refuse(user, at, keys, "publish a new policy version", [row])
    return Decision(
        True,
        f"Allowed ({row}).",
        approvals=tuple(Requirement(k, None, row) for k in keys if k not in held),
        rows=(row,),
        acting_roles=mine,
    )


@authority.register("rollback.revalidate")
def _revalidate_rule(user, *, action, obj, at: datetime) -> Decision:
    """D9 §5.3 "Rollback": the Ingestion Owner + PM hold the resume authority after a rollback,
    so they record its Full P0 revalidation, item by item (issue 12 point 4)."""
    from governance.models import ResumeAuthority

    scope = ResumeAuthority.objects.prefetch_related("roles__role").get(key="rollback")
    keys = [m.role.key for m in scope.roles.all()]
    row = f"D9 §5.3 {scope.scope}"
    held = authority.roles_of(user, at=at) & set(keys)
    if not held:
        return authority.refuse(user, at, keys, "record the Full P0 revalidation", [row])
    return Decision(True, "Allowed.", rows=(row,), acting_roles=tuple(sorted(held)))
