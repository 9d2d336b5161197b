"""The incidents sweeps: fire every due escalation step and reminder once (D9 §3.1, §4.2,
§7.1), and mark client communications sent once their mail is delivered (D9 §7.2)."""

from datetime import datetime

from governance.ops.sweeps import sweep
from incidents.escalation import escalate_due
from incidents.status.mail import mark_delivered


@sweep("incidents.escalate", every_seconds=30)
def escalate_incidents(*, now: datetime) -> str:
    """Ladder steps, response-track pages, update and review reminders that are due now."""
    return escalate_due(now=now)


@sweep("incidents.client_mail_delivered", every_seconds=30)
def client_mail_delivered(*, now: datetime) -> str:
    """Published client communications whose every subscriber's mail has been delivered."""
    marked = mark_delivered(now=now)
    return f"{marked} client communication(s) marked sent" if marked else "nothing delivered"
