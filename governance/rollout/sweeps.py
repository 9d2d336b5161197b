"""Time rules of the sign-off workflow (issue "Rollout phases"), each firing once.

Imported by GovernanceConfig.ready(); importing `governance.rollout` registers the approval
callbacks of gate reviews, rollbacks and policy versions, and the sign-off authority rules.
"""

from datetime import datetime

from governance.ops.sweeps import sweep
from governance.rollout import services as rollout


@sweep("signoff.remind_pending", every_seconds=300)
def remind_pending(*, now: datetime) -> str:
    """A sign-off pending 24 hours reminds its addressee, once."""
    return f"{rollout.remind_pending_sign_offs(now=now)} sign-off reminder(s) sent"


@sweep("signoff.address_overdue_rollbacks", every_seconds=60)
def address_overdue_rollbacks(*, now: datetime) -> str:
    """An emergency rollback's approval pending an hour is addressed to the Owner's backup."""
    return f"{rollout.address_overdue_rollbacks(now=now)} backup(s) addressed"


@sweep("rollout.complete_held", every_seconds=60)
def complete_held(*, now: datetime) -> str:
    """Approved gates held by an incident or a pause pass once nothing blocks any more."""
    return f"{rollout.complete_held_advances(now=now)} held gate(s) passed"
