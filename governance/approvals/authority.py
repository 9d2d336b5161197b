"""Authority rule of the approval mechanism: who may decide a request now."""

from governance.approvals.services import is_escalated
from governance.authority.engine import Decision, holds_text, refuse, register
from governance.authority.holders import backup_roles_of, roles_by_key, roles_of
from governance.models import ApprovalRequest


@register("approval.decide")
def _approval_rule(user, *, action, obj: ApprovalRequest, at) -> Decision:
    """DESIGN "Approvals and sign-offs": only a person holding a required role at that moment,
    never the requester or the executor. A backup may decide once the deadline has passed or
    the requirement was escalated at once because nobody else held the role (D9 §1.3; issue 12
    point 2: the backup acts when the primary does not answer in time)."""
    if obj is None:
        # "Who may?" asked without naming a request: the answer depends on the request.
        return Decision(False, "Name the approval request (its #): who may decide depends on it.")
    if user.pk in (obj.requester_id, obj.executor_id):
        return Decision(
            False, "You requested or will carry out this action; someone else must approve it."
        )
    if obj.status not in (ApprovalRequest.Status.PENDING, ApprovalRequest.Status.VETOED):
        return Decision(False, f"This request is {obj.get_status_display().lower()}.")
    # `.all()` so a caller deciding many requests prefetches them (`pending_for`); role keys
    # by id from the memoised role table, not a join per request.
    requirements = list(obj.requirements.all())
    key_of = {role.pk: role.key for role in roles_by_key().values()}
    held = roles_of(user, at=at)
    backups = backup_roles_of(user, at=at)
    acting = [
        key_of[r.role_id]
        for r in requirements
        if key_of[r.role_id] in held or (key_of[r.role_id] in backups and is_escalated(r, at=at))
    ]
    if not acting:
        keys = [key_of[r.role_id] for r in requirements]
        return refuse(user, at, keys, f"decide on “{obj.title}”", [r.rows for r in requirements])
    return Decision(
        True,
        f"Allowed: you hold {holds_text(acting)}.",
        acting_roles=tuple(acting),
        rows=tuple(dict.fromkeys(r.rows for r in requirements if key_of[r.role_id] in acting)),
    )
