"""The incidents sweep: fire every due escalation step and reminder once (D9 §3.1, §4.2, §7.1)."""

from datetime import datetime

from governance.ops.sweeps import sweep
from incidents.escalation import escalate_due


@sweep("incidents.escalate", every_seconds=30)
def escalate_incidents(*, now: datetime) -> str:
    """Ladder steps, response-track pages, update and review reminders that are due now."""
    return escalate_due(now=now)
