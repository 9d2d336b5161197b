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
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from governance.authority.holders import role_name, roles_by_key, roles_of
from governance.core import memo
from governance.core.roles import ANYONE


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
PREFIX_RULES: dict[str, Rule] = {}


def register(action: str, *, prefix: bool = False):
    """Register `rule(user, *, action, obj, at) -> Decision` as the rule deciding `action`, or
    with `prefix=True` every action starting with `action` that has no rule of its own."""

    def add(rule: Rule) -> Rule:
        (PREFIX_RULES if prefix else RULES)[action] = rule
        return rule

    return add


def rule_for(action: str) -> Rule | None:
    rule = RULES.get(action)
    if rule is None:
        rule = next((r for p, r in PREFIX_RULES.items() if action.startswith(p)), None)
    return rule


def decide(user, action: str, *, obj=None, at: datetime | None = None) -> Decision:
    """May `user` do `action` (on `obj`) at `at` (default now)? No self-approval, ever."""
    at = at or timezone.now()
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Decision(False, "Only a signed-in, active user may act.")
    rule = rule_for(action)
    if rule is None:
        return Decision(False, f'The portal knows no rule for "{action}".')
    with memo.memoised():
        return rule(user, action=action, obj=obj, at=at)


def decide_many(user, questions: Iterable[tuple[str, object]], *, at: datetime | None = None):
    """`decide` for each (action, obj) of `questions` at one instant: "may this user do these
    N actions". Who holds which role is read once for all of them (issue 16 point 1), so the
    cost is that of the objects' own rows, prefetched by the caller."""
    at = at or timezone.now()
    with memo.memoised():
        return [decide(user, action, obj=obj, at=at) for action, obj in questions]


def require(user, action: str, *, obj=None, at: datetime | None = None) -> Decision:
    """`decide`, for services: a refusal raises PermissionDenied carrying its reason."""
    decision = decide(user, action, obj=obj, at=at)
    if not decision:
        raise PermissionDenied(decision.reason)
    return decision


def holds_text(keys: Iterable[str]) -> str:
    keys = set(keys) - {ANYONE}
    roles = sorted(
        (r for r in roles_by_key().values() if r.key in keys), key=lambda r: (r.position, r.key)
    )
    names = [r.name for r in roles if r.name != "All stakeholders"]
    return ", ".join(names) or "no role"


def role_words(keys: Iterable[str], wording: str = "name", joiner: str = " or the ") -> str:
    roles = roles_by_key()
    words = [roles[key].word(wording) if key in roles else key for key in keys]
    return joiner.join(words)


def refuse(user, at, allowed_keys: Iterable[str], what: str, rows: Iterable[str]) -> Decision:
    allowed_keys = list(dict.fromkeys(allowed_keys))
    held = roles_of(user, at=at)
    who = role_words(allowed_keys)
    return Decision(
        False,
        f"Only the {who} may {what}; you hold: {holds_text(held)}.",
        rows=tuple(rows),
    )


def who_may(action: str, *, obj=None, at: datetime | None = None) -> list[tuple[object, Decision]]:
    """Every active user allowed `action` now, with their decision ("who may do this now?")."""
    at = at or timezone.now()
    users = get_user_model().objects.filter(is_active=True).order_by("username")
    with memo.memoised():
        return [(user, d) for user in users if (d := decide(user, action, obj=obj, at=at))]
