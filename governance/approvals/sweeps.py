"""Time rule of the approval mechanism: overdue approvals escalated once."""

from datetime import datetime

from governance.approvals import services as approvals
from governance.ops.sweeps import sweep


@sweep("approvals.escalate_overdue", every_seconds=60)
def escalate_overdue(*, now: datetime) -> str:
    """Approvals past their policy deadline: mail the approver's backup and the Owner, once."""
    return f"{approvals.escalate_overdue(now=now)} overdue approval(s) escalated"
