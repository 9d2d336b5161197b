"""The D9 §8 decision-authority rule, for every `decision.<key>` action."""

from dataclasses import replace

from governance.authority.engine import Decision, Requirement, holds_text, refuse, register
from governance.authority.holders import roles_of
from governance.core import memo
from governance.models import DecisionAuthority


def _section8_row(key: str) -> tuple[DecisionAuthority | None, list[str]]:
    row = DecisionAuthority.objects.filter(key=key).select_related("escalation_role").first()
    if row is None:
        return None, []
    return row, [m.role.key for m in row.authorities.select_related("role")]


@register("decision.", prefix=True)
def section8_rule(user, *, action, obj, at) -> Decision:
    """D9 §8: a decision's primary authority (all of them, "A + B": the others approve); the
    escalation role is escalated to or consulted."""
    key = action.removeprefix("decision.")
    row_obj, authorities = memo.remember(("decision", key), lambda: _section8_row(key))
    if row_obj is None:
        return Decision(False, f'D9 §8 has no decision "{key}".')
    row = f"D9 §8 {row_obj.decision}"
    held = roles_of(user, at=at)
    if not held & set(authorities):
        return refuse(user, at, authorities, row_obj.decision.lower(), [row])
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
        f"Allowed: you hold {holds_text(held & set(authorities))} ({row}).",
        approvals=tuple(Requirement(k, None, row) for k in authorities if k not in held),
        notify=notify,
        rows=(row,),
        acting_roles=tuple(sorted(held & set(authorities))),
        escalation=escalation,
    )
