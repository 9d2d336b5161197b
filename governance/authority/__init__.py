"""The authority engine (DESIGN "Authority engine"): `decide`/`require` from the D9 rows and who
holds each role at an instant. The rules themselves live with their concern (kill switch,
approvals, rollout, incidents, rotations) and register in their app's `ready()`."""

from governance.authority.engine import (
    Decision,
    Requirement,
    decide,
    decide_many,
    holds_text,
    refuse,
    register,
    require,
    role_words,
    rule_for,
    who_may,
)
from governance.authority.holders import (
    backup_roles_of,
    holders,
    register_rotation_source,
    role_name,
    roles_of,
    rotation_holders,
    sync_role_groups,
)
from governance.core.roles import ALL_STAKEHOLDERS, ANYONE, ON_CALL, OWNER

__all__ = [
    "ALL_STAKEHOLDERS",
    "ANYONE",
    "ON_CALL",
    "OWNER",
    "Decision",
    "Requirement",
    "backup_roles_of",
    "decide",
    "decide_many",
    "holders",
    "holds_text",
    "refuse",
    "register",
    "register_rotation_source",
    "require",
    "role_name",
    "role_words",
    "roles_of",
    "rotation_holders",
    "rule_for",
    "sync_role_groups",
    "who_may",
]
