"""Time rules of the Steady State duties (D9 §2.1), each firing once.

Imported by GovernanceConfig.ready(); beat rows come from migration 0031.
"""

from datetime import datetime

from governance.duties import services as duties
from governance.ops.sweeps import sweep


@sweep("duties.generate", every_seconds=60)
def generate(*, now: datetime) -> str:
    """Create the duty instances that came due, assigned to the holder of R at the slot."""
    return f"{duties.generate_due_instances(now=now)} duty instance(s) created"


@sweep("duties.chase", every_seconds=60)
def chase(*, now: datetime) -> str:
    """Remind the Responsible of a missed check-in once, then inform the Accountable; then
    whatever else registered a chase (overdue post-incident reviews)."""
    reminded, escalated = duties.chase_due_duties(now=now)
    others = "".join(
        f", {count} {label}" for label, count in duties.run_registered_chases(now=now).items()
    )
    return f"{reminded} reminder(s), {escalated} escalation(s){others}"


@sweep("duties.summaries", every_seconds=900)
def summaries(*, now: datetime) -> str:
    """Mail yesterday's summary of each duty to its Informed roles, once."""
    return f"{duties.send_day_summaries(now=now)} day summary(ies) sent"
