"""Rotation sweeps (D9 §3): keep weeks generated, handoff reminders, coverage gaps.

Registered with `governance.sweeps.sweep`; Celery beat runs them (schedules from the data
migration `rotations.0002_schedule_rotation_sweeps`), `manage.py tick` runs them at once.
"""

from datetime import datetime

from governance.ops.sweeps import sweep
from rotations import reminders


@sweep("rotations.generate", every_seconds=3600)
def generate(*, now: datetime) -> str:
    """Keep every active rotation generated `weeks_ahead` weeks ahead, with handoff records."""
    return reminders.keep_generated(now=now)


@sweep("rotations.handoff_reminders", every_seconds=60)
def handoff_reminders(*, now: datetime) -> str:
    """D9 §3.3: 24 h before, at the handoff, and one hour after if the checklist is open."""
    return reminders.send_handoff_reminders(now=now)


@sweep("rotations.coverage_gaps", every_seconds=3600)
def coverage_gaps(*, now: datetime) -> str:
    """Weekly: weeks without a primary or secondary in the next four, to the Ingestion Owner."""
    return reminders.report_coverage_gaps(now=now)
