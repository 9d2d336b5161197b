"""Rows of every chained model (issue 20), written the way every path writes them: a save."""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from governance.models import (
    ApprovalDecision,
    ApprovalRequest,
    GoNoGoDecision,
    KillSwitchLogEntry,
    Launch,
    PhaseTransition,
    PolicyVersion,
    RaciActivity,
    ResumeCheck,
    ResumeVerification,
    RevalidationCheck,
    Role,
    RollbackSignOff,
    RollbackType,
)
from governance.record.chain import CHAINED
from governance.rollout import services as rollout
from tests.helpers.signoffs import active_pause, open_incident


def _at(minutes: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(minutes=100 - minutes)


def make_record(label: str, user, other, *, n: int = 0):
    """Save the `n`-th row of the chained model `label` (e.g. "governance.approvaldecision")."""
    at = _at(n)
    if label == "governance.killswitchlogentry":
        return KillSwitchLogEntry.objects.create(
            activation=active_pause(user)
            if n == 0
            else KillSwitchLogEntry.objects.first().activation,
            event="activated",
            timestamp=at,
            actor=user,
            reason=f"Error rate over 10% ({n})",
            severity="P1",
            scope="Global",
            approval="Not required",
            notification_sent_to="Owner",
        )
    if label == "governance.resumecheck":
        activation = ResumeCheck.objects.first().activation if n else active_pause(user)
        return ResumeCheck.objects.create(
            activation=activation,
            authority=ResumeVerification.objects.order_by("id")[n].resume,
            verification=ResumeVerification.objects.order_by("id")[n],
            verified_by=user,
            verified_at=at,
        )
    if label == "governance.approvaldecision":
        request = ApprovalRequest.objects.create(
            kind="test.kind",
            title=f"Request {n}",
            content_type=ContentType.objects.get_for_model(Role),
            object_id=1,
            requester=other,
        )
        return ApprovalDecision.objects.create(
            request=request,
            role=Role.objects.get(key="sre_lead"),
            person=user,
            verdict="approve",
            statement=f"Fine ({n})",
            revision=1,
            decided_at=at,
        )
    if label == "governance.rollbacksignoff":
        return RollbackSignOff.objects.create(
            rollout=rollout.current_rollout(),
            rollback_type=RollbackType.objects.first(),
            date=at.date(),
            time=at.time(),
            from_phase="P2",
            to_phase="P1",
            authorized_by=user,
            authorized_role=Role.objects.get(key="sre_lead"),
            approved_by=other,
            approved_role=Role.objects.get(key="ingestion_owner"),
            re_ramp_on=at.date() + datetime.timedelta(days=7),
            client_communication=bool(n),
            created_at=at,
        )
    if label == "governance.revalidationcheck":
        sign_off = (
            RevalidationCheck.objects.first().sign_off
            if n
            else make_record("governance.rollbacksignoff", user, other)
        )
        return RevalidationCheck.objects.create(
            sign_off=sign_off,
            activity=RaciActivity.objects.order_by("id")[n],
            verified_by=user,
            verified_role=Role.objects.get(key="ingestion_owner"),
            verified_at=at,
            note=f"Checked ({n})",
        )
    if label == "governance.phasetransition":
        return PhaseTransition.objects.create(
            rollout=rollout.current_rollout(),
            from_phase="P0",
            to_phase="P1",
            kind="advance",
            at=at,
            actor=user,
        )
    if label == "governance.gonogodecision":
        launch = Launch.objects.create(name=f"Launch {n}", created_at=at)
        return GoNoGoDecision.objects.create(
            launch=launch, outcome="go", reason=f"Ready ({n})", decided_by=user, decided_at=at
        )
    if label == "governance.policyversion":
        version = PolicyVersion.objects.create(
            version=f"9.{n}", date=at.date(), change_summary=f"Change {n}"
        )
        version.status = PolicyVersion.Status.OPERATIONAL
        version.save()
        return version
    if label == "incidents.incidentevent":
        from incidents.models import IncidentEvent

        return IncidentEvent.objects.create(
            incident=open_incident(), at=at, kind="opened", text=f"Opened ({n})", actor=user
        )
    raise AssertionError(f"No factory for the chained model {label}")


def chained_labels() -> list[str]:
    return sorted(CHAINED)
