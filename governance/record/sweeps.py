"""Time rules of the tamper-evident record: the daily verification and checkpoint."""

import datetime

from django.utils import timezone

from governance.ops.sweeps import sweep
from governance.record import services


@sweep("record.verify", every_seconds=86400)
def verify_daily(*, now: datetime.datetime) -> str:
    """Recompute the whole chain once a day; a break shows on the dashboard and /readyz."""
    run, outcome = services.verify_record(at=now)
    if run.ok:
        return f"chain verified: {run.entries} entries, {run.records} records"
    return f"CHAIN BROKEN ({run.breaks} break(s)): {run.first_break}"


@sweep("record.checkpoint", every_seconds=3600)
def checkpoint_daily(*, now: datetime.datetime) -> str:
    """Once a day, the head as of the previous day's end is checkpointed and sent out."""
    day = timezone.localdate(now) - datetime.timedelta(days=1)
    checkpoint = services.issue_checkpoint(day=day, at=now)
    if checkpoint is None:
        return f"checkpoint of {day} already issued"
    return f"checkpoint of {day}: #{checkpoint.seq} {checkpoint.hash}"
