"""Helpers shared by the rollout, sign-off, rollback and document-control tests."""

import datetime

from django.utils import timezone

from governance.models import (
    ApprovalRequest,
    KillSwitchAction,
    KillSwitchActivation,
    KillSwitchScenario,
    Notification,
    Severity,
)
from governance.rollout import services as rollout


def set_phase(phase: str):
    """Put the ingestion rollout in `phase` (test setup; the services move it otherwise)."""
    current = rollout.current_rollout()
    current.phase = phase
    current.save()
    return current


def phase() -> str:
    return rollout.current_rollout().phase


def open_incident(severity_key: str = "P1", title: str = "Uploads failing"):
    from incidents.models import Incident

    now = timezone.now()
    return Incident.objects.create(
        title=title,
        severity=Severity.objects.get(key=severity_key),
        opened_at=now,
        ladder_started_at=now,
    )


def active_pause(user):
    """A global kill-switch pause in force."""
    now = timezone.now()
    return KillSwitchActivation.objects.create(
        scenario=KillSwitchScenario.objects.first(),
        action=KillSwitchAction.objects.get(key="pause_short"),
        severity=Severity.objects.get(key="P1"),
        scope=KillSwitchActivation.Scope.GLOBAL,
        scope_key="global",
        reason="Error rate over 10%",
        activated_by=user,
        starts_at=now,
        paused_at=now,
        status=KillSwitchActivation.Status.ACTIVE,
    )


def mails(template: str, user=None):
    found = Notification.objects.filter(template=template)
    return found.filter(recipient=user) if user is not None else found


def requirement_roles(request: ApprovalRequest) -> list[str]:
    return [r.role.key for r in request.requirements.select_related("role").order_by("id")]


def future(days: int = 7) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)
