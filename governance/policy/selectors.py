"""Reads of the D9 policy and of who holds a static role (selectors; writes live in services)."""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.utils import timezone

from governance.core import memo
from governance.models import Role, RoleAssignment


def role(role_key: str) -> Role:
    """The role row with this D9 key (e.g. "ingestion_owner"); raises Role.DoesNotExist."""
    return Role.objects.get(key=role_key)


def _all_assignments() -> list[RoleAssignment]:
    return list(
        RoleAssignment.objects.select_related("role", "primary", "backup").order_by(
            "role_id", "-valid_from", "-pk"
        )
    )


def assignments_on(day) -> list[RoleAssignment]:
    """D9 §1.3: the assignment in force on `day` for each role (the latest start wins).

    The table holds a few rows per role, so it is read whole, once per request or sweep
    (`governance.core.memo`), and every "who holds R on day D" is answered from memory."""
    in_force, seen = [], set()
    for assignment in memo.remember("role_assignments", _all_assignments):
        if assignment.role_id in seen or assignment.valid_from > day:
            continue
        if assignment.valid_to is not None and assignment.valid_to < day:
            continue
        seen.add(assignment.role_id)
        in_force.append(assignment)
    return in_force


def assignment_at(role_key: str, *, at: datetime) -> RoleAssignment | None:
    """D9 §1.3: the assignment of a static role in force at `at` (dates in the portal's zone)."""
    day = timezone.localdate(at)
    if memo.active():
        return next((a for a in assignments_on(day) if a.role.key == role_key), None)
    return (
        RoleAssignment.objects.select_related("role", "primary", "backup")
        .filter(role__key=role_key, valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .order_by("-valid_from")
        .first()
    )


def _require_assigned(role_key: str) -> None:
    notion = Role.objects.filter(key=role_key).values_list("notion", flat=True).first()
    if notion is None:
        raise Role.DoesNotExist(f"No D9 role with key {role_key!r}.")
    if notion != Role.Notion.ASSIGNED:
        raise ValueError(
            f"{role_key!r} is not held through role assignments (its notion is {notion!r}); "
            "ask the rotation or the authority engine."
        )


def role_holders(
    role_key: str, *, at: datetime
) -> tuple[AbstractBaseUser | None, AbstractBaseUser | None]:
    """D9 §1.3: (primary, backup) of a static role at `at`; (None, None) when unassigned."""
    _require_assigned(role_key)
    assignment = assignment_at(role_key, at=at)
    if assignment is None:
        return None, None
    return assignment.primary, assignment.backup


def acting_holder(role_key: str, *, at: datetime) -> AbstractBaseUser | None:
    """Who acts for a static role at `at`: the backup while the primary is marked unavailable
    (DESIGN "Who holds a role at time T"), otherwise the primary; None when unassigned."""
    _require_assigned(role_key)
    assignment = assignment_at(role_key, at=at)
    if assignment is None:
        return None
    return assignment.acting_holder(at)


def roles_held_by(user, *, at: datetime) -> list[Role]:
    """The static roles `user` holds at `at` as primary or backup (D9 §1.3)."""
    day = timezone.localdate(at)
    assignments = (
        RoleAssignment.objects.filter(Q(primary=user) | Q(backup=user), valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .select_related("role")
    )
    return sorted({a.role for a in assignments}, key=lambda r: (r.position, r.key))


def approval_response_minutes(role: Role) -> int:
    """Issue 12 point 2: the deadline of an approval by `role` where D9 names none — the role's
    own policy value, else the response time of its D9 §3.1 tier (Ingestion Owner: 1 hour).
    A role with neither is a policy gap, said in words (never a silent default)."""
    from django.core.exceptions import ValidationError

    from governance.models import OnCallTier

    if role.approval_response_minutes is not None:
        return role.approval_response_minutes
    tier = OnCallTier.objects.filter(role=role).order_by("position", "id").first()
    if tier is None:
        raise ValidationError(
            f"The policy gives the {role.name} no response time (D9 §3.1), so an approval by "
            "this role would have no deadline; set “Approval response minutes” on the role."
        )
    return tier.response_minutes


def next_authority(role: Role) -> Role | None:
    """The role after `role` on the D9 §4.2 ladder of the most severe incidents (Ingestion
    Owner → SRE Lead), or — for a role not on it — its §3.1 "Escalation To"; None when D9 names
    nobody above it. Who is asked when the role has nobody else to decide (issue 12 point 2)."""
    from governance.models import EscalationStep, OnCallTier, Severity

    severity = Severity.objects.order_by("position", "key").first()
    steps = list(
        EscalationStep.objects.filter(severity=severity, role__isnull=False)
        .select_related("role")
        .order_by("position")
    )
    keys = [step.role.key for step in steps]
    if role.key in keys:
        later = [step.role for step in steps[keys.index(role.key) + 1 :] if step.role != role]
        if later:
            return later[0]
    tier = OnCallTier.objects.filter(role=role).select_related("escalates_to").first()
    return tier.escalates_to if tier else None
