"""Time rule of the authority engine: Django groups follow who holds each D9 role."""

from datetime import datetime

from governance import authority
from governance.ops.sweeps import sweep


@sweep("authority.sync_role_groups", every_seconds=300)
def sync_role_groups(*, now: datetime) -> str:
    """Django groups mirror who holds each D9 role now (admin model permissions)."""
    return f"{authority.sync_role_groups(at=now)} group membership change(s)"
