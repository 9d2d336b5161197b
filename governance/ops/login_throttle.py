"""Login throttling with a cool-off: repeated failures slow an attacker, never lock anyone out
for good (an on-call engineer at 3 a.m. must get in once the cool-off passes)."""

import hashlib

from django.conf import settings
from django.core.cache import cache


def _key(username: str, address: str) -> str:
    digest = hashlib.sha256(f"{username.lower()}|{address}".encode()).hexdigest()[:32]
    return f"login-failures:{digest}"


def is_locked(username: str, address: str) -> bool:
    return cache.get(_key(username, address), 0) >= settings.LOGIN_FAILURE_LIMIT


def record_failure(username: str, address: str) -> int:
    key = _key(username, address)
    cache.add(key, 0, timeout=settings.LOGIN_COOLOFF_SECONDS)
    try:
        failures = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=settings.LOGIN_COOLOFF_SECONDS)
        failures = 1
    # Each failure restarts the cool-off, so a stream of guesses stays throttled.
    cache.touch(key, timeout=settings.LOGIN_COOLOFF_SECONDS)
    return failures


def clear(username: str, address: str) -> None:
    cache.delete(_key(username, address))
