"""Time rules of the authority engine and the kill switch (DESIGN "Time rules"), each firing once.

Imported by GovernanceConfig.ready(), which also registers the kill switch's approval callbacks.
"""

from datetime import datetime

from governance import approvals, authority, killswitch
from governance.sweeps import sweep


@sweep("killswitch.long_pauses", every_seconds=30)
def long_pauses(*, now: datetime) -> str:
    """D9 §2.2: pauses reaching one hour ask the Owner's approval and notify the PM, once."""
    return f"{killswitch.mark_long_pauses(now=now)} pause(s) became longer than one hour"


@sweep("killswitch.start_scheduled", every_seconds=30)
def start_scheduled(*, now: datetime) -> str:
    """D9 §5.1 planned maintenance: approved scheduled pauses start at their time."""
    return f"{killswitch.start_due_pauses(now=now)} scheduled pause(s) started"


@sweep("approvals.escalate_overdue", every_seconds=60)
def escalate_overdue(*, now: datetime) -> str:
    """Approvals past their policy deadline: mail the approver's backup and the Owner, once."""
    return f"{approvals.escalate_overdue(now=now)} overdue approval(s) escalated"


@sweep("authority.sync_role_groups", every_seconds=300)
def sync_role_groups(*, now: datetime) -> str:
    """Django groups mirror who holds each D9 role now (admin model permissions)."""
    return f"{authority.sync_role_groups(at=now)} group membership change(s)"
