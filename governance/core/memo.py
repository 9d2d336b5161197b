"""One memo per request or sweep run for the rows "who holds which role at T" is built from
(issue 16 point 1).

Role assignments, the role table and the rotation weeks change rarely and are read on every
authority decision: a page asking the engine about twenty approvals would otherwise rebuild
them twenty times. Inside `memoised()` each reader computes its rows once and keeps them for
the rest of the request or sweep; outside it nothing is kept, so services and tests called
directly read the database as before.

A memo never outlives a write: every save or delete of a model registered with
`forget_on_change` (assignments, roles, weeks, overrides, users) clears it, so a service that
changes a role and then decides within the same request sees the change.
"""

from collections.abc import Callable, Hashable
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db.models.signals import post_delete, post_save

_current: ContextVar[dict | None] = ContextVar("governance_memo", default=None)


@contextmanager
def memoised():
    """Keep what readers compute until the block ends (nested blocks share the outer memo)."""
    if _current.get() is not None:
        yield
        return
    token = _current.set({})
    try:
        yield
    finally:
        _current.reset(token)


def active() -> bool:
    return _current.get() is not None


def remember(key: Hashable, compute: Callable[[], Any]) -> Any:
    """`compute()` once per memo for `key`; every call when no memo is active."""
    store = _current.get()
    if store is None:
        return compute()
    if key not in store:
        store[key] = compute()
    return store[key]


def forget(*args, **kwargs) -> None:
    """Drop everything the memo holds (a signal receiver: any arguments)."""
    store = _current.get()
    if store is not None:
        store.clear()


def forget_on_change(*models) -> None:
    """Clear the memo whenever a row of one of `models` is saved or deleted."""
    for model in models:
        post_save.connect(forget, sender=model, dispatch_uid=f"memo-save-{model._meta.label}")
        post_delete.connect(forget, sender=model, dispatch_uid=f"memo-delete-{model._meta.label}")


class MemoMiddleware:
    """One memo per request: the authority engine's readers compute once per page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with memoised():
            return self.get_response(request)
