"""Waiting for what happens on its own time: another process, a notification on its way."""

import time


def eventually(condition, *, seconds: float = 5.0, every: float = 0.01) -> bool:
    """Whether `condition()` became true within `seconds`, asking every `every` seconds."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False
