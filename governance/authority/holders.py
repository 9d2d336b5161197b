"""Who holds a D9 role at an instant (D9 §1.3, §3): assigned roles and their backups, and
the rotation tiers as the registered rotation sources report them."""

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from governance.core import memo
from governance.core.roles import ALL_STAKEHOLDERS, ANYONE, ON_CALL
from governance.models import Role
from governance.policy import selectors

RotationSource = Callable[[datetime], Mapping[str, Any]]
ROTATION_SOURCES: list[RotationSource] = []


def register_rotation_source(source: RotationSource) -> RotationSource:
    """Register `source(at) -> {role key: holder or None}` for the rotation tiers (D9 §3.1).

    Governance does not know how a rotation is kept; the rotations app registers the on-call
    tiers in its `ready()`, and every "who holds this role at T" question asks the sources.
    """
    ROTATION_SOURCES.append(source)
    return source


def rotation_holders(at: datetime) -> dict[str, Any]:
    """Role key -> the person holding that rotation tier at `at`, from the registered sources
    (memoised per instant within a request or sweep)."""

    def compute() -> dict[str, Any]:
        held: dict[str, Any] = {}
        for source in ROTATION_SOURCES:
            held.update(source(at))
        return {key: user for key, user in held.items() if user is not None}

    return memo.remember(("rotation_holders", at), compute)


def roles_by_key() -> dict[str, Role]:
    """Every D9 role by key (one query per request or sweep)."""
    return memo.remember("roles_by_key", lambda: {role.key: role for role in Role.objects.all()})


def role_name(role_key: str) -> str:
    role = roles_by_key().get(role_key)
    return role.name if role else role_key


def holders(role_key: str, *, at: datetime | None = None) -> list:
    """Every person holding `role_key` at `at`, whatever the role's notion (D9 §1.3, §3)."""
    at = at or timezone.now()
    role = roles_by_key().get(role_key)
    if role is None:
        raise Role.DoesNotExist(f"No D9 role with key {role_key!r}.")
    notion = role.notion
    if notion == Role.Notion.ASSIGNED:
        day = timezone.localdate(at)
        assignment = next((a for a in selectors.assignments_on(day) if a.role_id == role.pk), None)
        holder = assignment.acting_holder(at) if assignment else None
        return [holder] if holder and holder.is_active else []
    if notion == Role.Notion.ROTATION:
        holder = rotation_holders(at).get(role_key)
        return [holder] if holder else []
    if notion == Role.Notion.ON_CALL:
        return list({user.pk: user for user in rotation_holders(at).values()}.values())
    if notion == Role.Notion.ANYONE:
        return list(get_user_model().objects.filter(is_active=True).order_by("username"))
    people = {}
    assigned = [r.key for r in roles_by_key().values() if r.notion == Role.Notion.ASSIGNED]
    for key in assigned:
        for user in holders(key, at=at):
            people[user.pk] = user
    for user in holders(ON_CALL, at=at):
        people[user.pk] = user
    return sorted(people.values(), key=lambda user: user.username)


def _assigned_roles_of(user, *, at: datetime, as_backup_too: bool = False) -> set[str]:
    keys = set()
    for assignment in selectors.assignments_on(timezone.localdate(at)):
        if user.pk not in (assignment.primary_id, assignment.backup_id):
            continue
        backup_acts = assignment.backup_acts(at)
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
    for tier_role, holder in rotation_holders(at).items():
        if holder == user:
            keys |= {tier_role, ON_CALL}
    if keys - {ANYONE}:
        keys.add(ALL_STAKEHOLDERS)
    return keys


def backup_roles_of(user, *, at: datetime) -> set[str]:
    """Assigned roles `user` is the backup of at `at` (acting or not)."""
    return {
        a.role.key
        for a in selectors.assignments_on(timezone.localdate(at))
        if a.backup_id == user.pk
    }


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
