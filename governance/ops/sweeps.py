"""Periodic sweeps: short jobs that find what is due in the database and record it once.

Each app registers its sweeps with `@sweep(name, every_seconds=…)` in a module imported by its
AppConfig.ready(). Celery beat runs them through one task (`governance.tasks.run_sweep_task`,
with the sweep's name as argument, schedules created by a data migration and editable in the
admin); `manage.py tick` runs them all at once.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from governance.models import SweepHeartbeat
from governance.notifications import outbox as notifications


@dataclass(frozen=True)
class Sweep:
    name: str
    every: timedelta
    run: Callable[..., str]


SWEEPS: dict[str, Sweep] = {}


def sweep(name: str, *, every_seconds: int):
    """Register `func(now=…) -> str` as the periodic sweep `name`."""

    def register(func):
        SWEEPS[name] = Sweep(name=name, every=timedelta(seconds=every_seconds), run=func)
        return func

    return register


def run_sweep(name: str, *, now: datetime | None = None) -> str:
    """Run one sweep and record its heartbeat, whether it succeeded or not."""
    entry = SWEEPS[name]
    now = now or timezone.now()
    started = timezone.now()
    try:
        result = entry.run(now=now)
    except Exception as error:
        _beat(name, started=started, result="", error=f"{type(error).__name__}: {error}")
        raise
    _beat(name, started=started, result=result or "", error="")
    return result


def _beat(name: str, *, started: datetime, result: str, error: str) -> None:
    with transaction.atomic():
        beat, _ = SweepHeartbeat.objects.select_for_update().get_or_create(name=name)
        beat.last_started_at = started
        beat.last_finished_at = timezone.now()
        beat.last_result = result[:2000]
        beat.last_error = error[:2000]
        beat.runs += 1
        beat.save()


def late_sweeps(*, now: datetime) -> list[str]:
    """Plain-words findings: sweeps that never ran or missed three of their intervals."""
    beats = {beat.name: beat for beat in SweepHeartbeat.objects.all()}
    findings = []
    for name, entry in sorted(SWEEPS.items()):
        beat = beats.get(name)
        allowed = entry.every * 3 + timedelta(seconds=60)
        if beat is None or beat.last_finished_at is None:
            findings.append(f"Sweep {name} has never run (is Celery beat running?).")
        elif now - beat.last_finished_at > allowed:
            ago = int((now - beat.last_finished_at).total_seconds() // 60)
            findings.append(
                f"Sweep {name} is late: last ran {ago} min ago, expected every "
                f"{int(entry.every.total_seconds())} s."
            )
        elif beat.last_error:
            findings.append(f"Sweep {name} failed on its last run: {beat.last_error}")
    return findings


@sweep("outbox.requeue", every_seconds=60)
def requeue_outbox(*, now: datetime) -> str:
    """Re-queue pending mail whose enqueue was lost and release claims of dead workers."""
    count = notifications.requeue_lost(now=now)
    return f"re-queued {count} notification(s)"
