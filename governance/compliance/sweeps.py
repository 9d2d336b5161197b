"""Time rule of the compliance report: the month's report mailed once."""

from datetime import datetime

from governance.compliance import report as compliance
from governance.ops.sweeps import sweep


@sweep("compliance.monthly_mail", every_seconds=3600)
def monthly_mail(*, now: datetime) -> str:
    """Mail last month's compliance report to the Ingestion Owner, once a month."""
    return f"{compliance.send_monthly_report(now=now)} monthly report(s) mailed"
