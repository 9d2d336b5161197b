"""Approval kinds: what each kind of request does, registered by the concern that owns it.

One approval mechanism serves every kind (DESIGN "Approvals and sign-offs"); what differs per kind
is registered here, in the owning module (imported by its app's `ready()`):

    ADVANCE = kinds.register("rollout.phase_advance", url=signoff_url)

    @kinds.before_decide(ADVANCE)
    def check_ga_statement(request, *, actor, verdict, statement, confirmed, at) -> str: ...

    @kinds.on_quorum(ADVANCE)
    def advance(request, *, actor, at): ...

`decide_approval` runs the kind's `before_decide` checks (they may refuse, or give the statement
to record), records the decision, then its `after_decide` hooks and, on entering approved or
vetoed, its `on_quorum` / `on_veto` callback, and on leaving vetoed (the veto withdrawn) its
`on_reopen` callback, before any `on_quorum` — whatever page, admin action or API called it, so
the request and what it approves never disagree. A request of a kind nobody registered fails
loudly.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured

Callback = Callable[..., None]
Check = Callable[..., str]


@dataclass
class ApprovalKind:
    key: str
    url: Callable[..., str]
    label: str = ""
    on_quorum: Callback | None = None
    on_veto: Callback | None = None
    on_reopen: Callback | None = None
    before_decide: list[Check] = field(default_factory=list)
    after_decide: list[Callback] = field(default_factory=list)


KINDS: dict[str, ApprovalKind] = {}


def register(key: str, *, url: Callable[..., str], label: str = "") -> str:
    """Declare the kind `key`; `url(request) -> str` is the page where it is decided."""
    if key in KINDS:
        raise ImproperlyConfigured(f"Approval kind {key!r} is registered twice.")
    KINDS[key] = ApprovalKind(key=key, url=url, label=label or key)
    return key


def get(key: str) -> ApprovalKind:
    """The registered kind; an unknown kind is a programming error, never silently ignored."""
    try:
        return KINDS[key]
    except KeyError:
        raise ImproperlyConfigured(
            f"Approval kind {key!r} is not registered; register it in its app's ready()."
        ) from None


def _hook(attribute: str):
    def decorator_for(key: str):
        def add(func):
            kind = get(key)
            current = getattr(kind, attribute)
            if isinstance(current, list):
                current.append(func)
            elif current is not None:
                raise ImproperlyConfigured(f"{attribute} of {key!r} is registered twice.")
            else:
                setattr(kind, attribute, func)
            return func

        return add

    return decorator_for


on_quorum = _hook("on_quorum")
on_quorum.__doc__ = "Register `callback(request, *, actor, at)`, run once on approval."
on_veto = _hook("on_veto")
on_veto.__doc__ = "Register `callback(request, *, actor, at)`, run once on a veto."
on_reopen = _hook("on_reopen")
on_reopen.__doc__ = (
    "Register `callback(request, *, actor, at)`, run when a withdrawal lifts the last veto: "
    "put the target back where a pending request leaves it, or raise ValidationError to refuse "
    "the withdrawal (the target can no longer be reopened)."
)
before_decide = _hook("before_decide")
before_decide.__doc__ = (
    "Register `check(request, *, actor, verdict, statement, confirmed, at) -> statement`: "
    "raise to refuse the decision, return the statement to record."
)
after_decide = _hook("after_decide")
after_decide.__doc__ = "Register `hook(decision, *, actor, at)`, run after each decision."
