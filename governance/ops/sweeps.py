"""Periodic sweeps: short jobs that find what is due in the database and record it once.

Each app registers its sweeps with `@sweep(name, every_seconds=…)` in a module imported by its
AppConfig.ready(). Celery beat runs them through one task (`governance.tasks.run_sweep_task`,
with the sweep's name as argument, schedules created by a data migration and editable in the
admin); `manage.py tick` runs them all at once.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery.signals import beat_init
from django.db import transaction
from django.utils import timezone

from governance.core import memo
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
        # One memo per run: a sweep deciding for many rows reads who holds which role once.
        with memo.memoised():
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


# Slack for a beat tick, a busy worker and clock skew between hosts.
SLACK = timedelta(seconds=60)


@beat_init.connect
def mark_sweeps_scheduled(sender=None, **kwargs) -> None:
    """Beat has (re)started: each sweep runs first one interval from now, so it is not late
    before then (a restarted beat would otherwise look an hour late for hourly sweeps)."""
    mark_scheduled(now=timezone.now())


def mark_scheduled(*, now: datetime) -> None:
    for name in SWEEPS:
        SweepHeartbeat.objects.update_or_create(name=name, defaults={"scheduled_since": now})


@dataclass(frozen=True)
class SweepState:
    name: str
    state: str  # "ok", "not yet due", "late", "failed", "never scheduled"
    message: str

    @property
    def healthy(self) -> bool:
        return self.state in {"ok", "not yet due"}


def sweep_states(*, now: datetime) -> list[SweepState]:
    """Each registered sweep on time or not. A sweep is late when neither its last run nor beat's
    last start lies within three intervals; one that never ran is "not yet due" until one
    interval after beat started."""
    beats = {beat.name: beat for beat in SweepHeartbeat.objects.all()}
    states = []
    for name, entry in sorted(SWEEPS.items()):
        beat = beats.get(name) or SweepHeartbeat(name=name)
        every = int(entry.every.total_seconds())
        last, since = beat.last_finished_at, beat.scheduled_since
        if last is None and since is None:
            states.append(
                SweepState(
                    name,
                    "never scheduled",
                    f"Sweep {name} has never run (is Celery beat running?).",
                )
            )
        elif last is None:
            if now - since <= entry.every + SLACK:
                states.append(SweepState(name, "not yet due", f"first run due every {every} s"))
            else:
                ago = int((now - since).total_seconds() // 60)
                states.append(
                    SweepState(
                        name,
                        "late",
                        f"Sweep {name} has not run since beat started {ago} min ago "
                        f"(expected every {every} s; is a Celery worker running?).",
                    )
                )
        elif now - max(last, since or last) > entry.every * 3 + SLACK:
            ago = int((now - last).total_seconds() // 60)
            states.append(
                SweepState(
                    name,
                    "late",
                    f"Sweep {name} is late: last ran {ago} min ago, expected every {every} s.",
                )
            )
        elif beat.last_error:
            states.append(
                SweepState(
                    name, "failed", f"Sweep {name} failed on its last run: {beat.last_error}"
                )
            )
        else:
            states.append(SweepState(name, "ok", f"last ran {last.isoformat()}"))
    return states


def late_sweeps(*, now: datetime) -> list[str]:
    """Plain-words findings: sweeps that are late, never scheduled, or failed last time."""
    return [state.message for state in sweep_states(now=now) if not state.healthy]


@sweep("outbox.requeue", every_seconds=60)
def requeue_outbox(*, now: datetime) -> str:
    """Re-queue pending mail whose enqueue was lost and release claims of dead workers."""
    count = notifications.requeue_lost(now=now)
    return f"re-queued {count} notification(s)"
