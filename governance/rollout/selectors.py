"""Reads of the rollout the kill switch needs too (no service imports, so no import cycle)."""

from governance.models import (
    KillSwitchActivation,
    Phase,
    RaciActivity,
    RevalidationCheck,
    RollbackSignOff,
)

# Issue 12 point 4, the portal's reading of D9 §5.3 "Full P0 revalidation": the D9 §2.1
# Pre-Launch and Launch checks done again, item by item (the Go/No-Go decision and the
# announcement are decisions, not checks, and are not repeated).
REVALIDATION_ACTIVITIES = (
    "day_0_checklist",
    "feature_flag_config",
    "enable_kill_switch",
    "test_upload",
)


def revalidation_items(sign_off: RollbackSignOff) -> list[tuple[RaciActivity, object]]:
    """Each item of the Full P0 revalidation after `sign_off`, with its check (or None)."""
    checks = {
        c.activity_id: c
        for c in RevalidationCheck.objects.filter(sign_off=sign_off).select_related(
            "verified_by", "verified_role"
        )
    }
    activities = RaciActivity.objects.filter(key__in=REVALIDATION_ACTIVITIES).order_by(
        "position", "id"
    )
    return [(activity, checks.get(activity.pk)) for activity in activities]


def revalidation_missing(sign_off: RollbackSignOff) -> list[str]:
    """The items of the Full P0 revalidation after `sign_off` not verified yet."""
    return [activity.name for activity, check in revalidation_items(sign_off) if check is None]


def rollbacks_during(activation: KillSwitchActivation) -> list[RollbackSignOff]:
    """Rollbacks (D9 §6.3/§6.4) that took effect while `activation` held ingestion paused:
    they make its resume the §5.3 "Rollback" row."""
    if activation.paused_at is None:
        return []
    found = RollbackSignOff.objects.filter(
        status=RollbackSignOff.Status.IN_EFFECT, effective_at__gte=activation.paused_at
    )
    if activation.resumed_at is not None:
        found = found.filter(effective_at__lte=activation.resumed_at)
    return list(found.order_by("effective_at", "id"))


def unrevalidated_emergency_rollbacks_to_p0() -> list[RollbackSignOff]:
    """Emergency rollbacks to P0 whose Full P0 revalidation is not complete (D9 §5.3)."""
    found = RollbackSignOff.objects.filter(
        status=RollbackSignOff.Status.IN_EFFECT,
        rollback_type__immediate=True,
        to_phase=Phase.P0,
    ).order_by("effective_at", "id")
    return [sign_off for sign_off in found if revalidation_missing(sign_off)]
