"""Time rules of the authority engine and the kill switch (DESIGN "Time rules"), each firing once.

Imported by GovernanceConfig.ready(), which also registers the kill switch's approval callbacks.
"""

from datetime import datetime

from governance.killswitch import services as killswitch
from governance.ops.sweeps import sweep


@sweep("killswitch.long_pauses", every_seconds=30)
def long_pauses(*, now: datetime) -> str:
    """D9 §2.2: pauses reaching one hour ask the Owner's approval and notify the PM, once."""
    return f"{killswitch.mark_long_pauses(now=now)} pause(s) became longer than one hour"


@sweep("killswitch.start_scheduled", every_seconds=30)
def start_scheduled(*, now: datetime) -> str:
    """D9 §5.1 planned maintenance: approved scheduled pauses start at their time."""
    return f"{killswitch.start_due_pauses(now=now)} scheduled pause(s) started"
