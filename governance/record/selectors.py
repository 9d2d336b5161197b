"""Reads of the tamper-evident record: its last verification, for the dashboard and /readyz."""

from django.utils import timezone

from governance.models import ChainVerification


def last_verification() -> ChainVerification | None:
    return ChainVerification.objects.order_by("-started_at", "-id").first()


def last_verification_text() -> tuple[bool, str]:
    """(healthy, what to show): a break is never healthy; not yet verified is not a fault."""
    run = last_verification()
    if run is None:
        return True, "not verified yet (the daily sweep record.verify or manage.py verify_record)"
    when = timezone.localtime(run.finished_at).strftime("%Y-%m-%d %H:%M %Z")
    scope = f" since {run.since}" if run.since else ""
    if run.ok:
        return True, f"verified{scope} at {when}: {run.entries} entries, {run.records} records"
    return False, f"BROKEN{scope} at {when}: {run.breaks} break(s), first {run.first_break}"
