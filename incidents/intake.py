"""Alert intake (D9 §4.3 "Alert fires"): a monitoring system's alert group opens, adds to, or
notes the clearing of one incident.

One incident per alert group: `Incident.dedupe_key` is the group key hashed with the
integration, and the database's "one open incident per key" constraint decides a race (the
loser adds to the winner's incident). Intake is synchronous and idempotent: each delivery is one
transaction, so when the endpoint answers 2xx the incident is recorded and a retry changes
nothing new. A machine never resolves an incident (D9 §7.3 wants a human root cause): a cleared
group is noted on the timeline and may stop the paging.
"""

import dataclasses
import datetime
import hashlib

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from governance.models import Severity, Workspace
from incidents import escalation, services
from incidents.models import (
    Alert,
    AlertGroup,
    Incident,
    IncidentEvent,
    IncidentStep,
    Integration,
    IntegrationStats,
)

FIRING = "firing"
RESOLVED = "resolved"


@dataclasses.dataclass(frozen=True)
class AlertIn:
    """One alert of a delivery, in the fields both formats share."""

    fingerprint: str
    status: str
    labels: dict
    annotations: dict
    generator_url: str = ""
    starts_at: datetime.datetime | None = None
    ends_at: datetime.datetime | None = None


@dataclasses.dataclass(frozen=True)
class GroupIn:
    """A validated delivery: the group's key as sent and what the incident needs."""

    key: str
    firing: bool
    title: str
    impact: str
    severity: str
    workspace: str
    alerts: list[AlertIn]
    payload: dict


@dataclasses.dataclass(frozen=True)
class Outcome:
    incident: Incident | None
    created: bool
    deduplicated: bool


def group_dedupe_key(integration: Integration, key: str) -> str:
    """The incident dedupe key of an integration's group: hashed, so any length fits."""
    return f"alert:{integration.pk}:{hashlib.sha256(key.encode()).hexdigest()}"


def receive(*, integration: Integration, group: GroupIn, at=None) -> Outcome:
    """Record one delivery of an alert group (D9 §4.3): a firing group with no open incident
    opens one (linked to the group's last resolved incident, if any); a firing repeat adds its
    alerts to the open incident; a cleared group is noted on it once and, if the integration
    says so, stops its paging; a cleared group without an open incident changes nothing."""
    now = at or timezone.now()
    dedupe_key = group_dedupe_key(integration, group.key)
    with transaction.atomic():
        incident = _open_incident(dedupe_key)
        if incident is None and not group.firing:
            _count(integration, now, deduplicated=True)
            return Outcome(None, False, True)
        alert_group = None
        if incident is None:
            incident, alert_group = _open(integration, group, dedupe_key=dedupe_key, now=now)
        created = alert_group is not None
        if created:
            _store_alerts(alert_group, group.alerts, now=now)
        else:
            incident = Incident.objects.select_for_update().get(pk=incident.pk)
            alert_group = AlertGroup.objects.get(incident=incident)
            new = _store_alerts(alert_group, group.alerts, now=now)
            if group.firing:
                _fired_again(incident, alert_group, integration, new=new, now=now)
            else:
                _cleared(incident, alert_group, integration, now=now)
            AlertGroup.objects.filter(pk=alert_group.pk).update(
                payload=group.payload, last_received_at=now, deliveries=F("deliveries") + 1
            )
        _count(integration, now, deduplicated=not created)
    return Outcome(incident, created, not created)


def acknowledge_group(*, integration: Integration, key: str, at=None) -> Outcome:
    """Events API v2 `acknowledge`: the integration acknowledges the group's open incident
    for whoever acknowledged in the monitoring tool (D9 §3.1: the response track stops); with
    no open incident the event is dropped, as PagerDuty does."""
    now = at or timezone.now()
    with transaction.atomic():
        incident = _open_incident(group_dedupe_key(integration, key))
        if incident is not None:
            incident = services.acknowledge(incident=incident, actor=integration.acts_as)
        _count(integration, now, deduplicated=True)
    return Outcome(incident, False, True)


def count_refused(integration: Integration) -> None:
    """A malformed delivery with a valid key: counted, nothing else changes."""
    IntegrationStats.objects.filter(pk=integration.pk).update(
        refused=F("refused") + 1, last_received_at=timezone.now()
    )


def _count(integration: Integration, now, *, deduplicated: bool) -> None:
    # Last in the transaction, so the counter row is locked for as short a time as possible.
    IntegrationStats.objects.filter(pk=integration.pk).update(
        accepted=F("accepted") + 1,
        deduplicated=F("deduplicated") + int(deduplicated),
        last_received_at=now,
    )


def _open_incident(dedupe_key: str) -> Incident | None:
    return (
        Incident.objects.filter(dedupe_key=dedupe_key)
        .exclude(status=Incident.Status.RESOLVED)
        .only("pk")
        .first()
    )


def _open(
    integration, group: GroupIn, *, dedupe_key: str, now
) -> tuple[Incident, AlertGroup | None]:
    """Open the group's incident; (the winner's incident, None) when a concurrent delivery of
    the same group opened it first."""
    actor = integration.acts_as
    severity, severity_note = _severity(integration, group.severity)
    workspace, workspace_note = _workspace(integration, group.workspace)
    incident, created = services.open_incident(
        actor=actor,
        title=group.title[:200],
        severity=severity,
        impact=group.impact[:5000],
        workspace=workspace,
        dedupe_key=dedupe_key,
    )
    if not created:
        return incident, None
    previous = (
        Incident.objects.filter(dedupe_key=dedupe_key, status=Incident.Status.RESOLVED)
        .order_by("-resolved_at", "-id")
        .first()
    )
    alert_group = AlertGroup.objects.create(
        incident=incident,
        integration=integration,
        group_key=group.key,
        payload=group.payload,
        first_received_at=now,
        last_received_at=now,
        follows=previous,
    )
    notes = [note for note in (severity_note, workspace_note) if note]
    if previous is not None:
        notes.append(
            f"This alert group's incident #{previous.pk} was resolved "
            f"{services.stamp(previous.resolved_at)}; it fired again, so this is a new incident."
        )
    for note in notes:
        _event(incident, IncidentEvent.Kind.ALERT_NOTE, note, actor=actor, at=now)
    return incident, alert_group


def _severity(integration: Integration, raw: str) -> tuple[Severity, str]:
    """The D9 severity an alert's value maps to (the integration's mapping, or a D9 key
    itself), else the integration's default with a note: a valid alert is never refused."""
    value = raw.strip()
    key = integration.severity_map.get(value.lower()) or value.upper()
    severity = Severity.objects.filter(key=key).first() if value else None
    if severity is not None:
        return severity, ""
    default = integration.default_severity
    if not value:
        return default, f"The alert gave no severity; opened as {default.key}, the default."
    return default, (
        f"The alert's severity {value!r} is not in {integration}'s mapping; opened as "
        f"{default.key}, the default."
    )


def _workspace(integration: Integration, raw: str) -> tuple[Workspace | None, str]:
    """The workspace an alert names by slug, else the integration's default with a note."""
    value = raw.strip()
    default = integration.default_workspace
    if not value:
        return default, ""
    workspace = Workspace.objects.filter(slug=slugify(value)).first()
    if workspace is not None:
        return workspace, ""
    scope = f"workspace {default.slug}" if default else "global"
    return default, f"The alert names workspace {value!r}, which is unknown; opened as {scope}."


def _store_alerts(alert_group: AlertGroup, alerts: list[AlertIn], *, now) -> int:
    """Upsert the group's alerts by fingerprint in three queries; returns how many are new."""
    existing = {
        alert.fingerprint: alert
        for alert in Alert.objects.filter(
            group=alert_group, fingerprint__in=[a.fingerprint for a in alerts]
        )
    }
    changed, new = [], []
    for alert_in in {a.fingerprint: a for a in alerts}.values():
        fields = dataclasses.asdict(alert_in)
        alert = existing.get(alert_in.fingerprint)
        if alert is None:
            new.append(Alert(group=alert_group, last_received_at=now, **fields))
            continue
        for name, value in fields.items():
            setattr(alert, name, value)
        alert.last_received_at = now
        changed.append(alert)
    if changed:
        Alert.objects.bulk_update(changed, [*UPDATED_ALERT_FIELDS, "last_received_at"])
    if new:
        Alert.objects.bulk_create(new)
    return len(new)


UPDATED_ALERT_FIELDS = [f.name for f in dataclasses.fields(AlertIn) if f.name != "fingerprint"]


def _fired_again(incident, alert_group: AlertGroup, integration, *, new: int, now) -> None:
    """A repeat is recorded on the alert rows; the timeline notes only what changed: new
    alerts in the group, or the group firing again after it cleared (paging resumes)."""
    if alert_group.cleared_at is not None:
        AlertGroup.objects.filter(pk=alert_group.pk).update(cleared_at=None)
        text = "The alert group fired again after it had cleared."
        if integration.stop_paging_when_cleared:
            escalation.freeze_ladder(incident, severity=incident.severity, start=now)
            text += f" The {incident.severity.key} escalation ladder runs again from now."
        _event(incident, IncidentEvent.Kind.ALERT_REPEATED, text, actor=integration.acts_as, at=now)
    elif new:
        _event(
            incident,
            IncidentEvent.Kind.ALERT_REPEATED,
            f"{new} more alert(s) joined the group.",
            actor=integration.acts_as,
            at=now,
        )


def _cleared(incident, alert_group: AlertGroup, integration, *, now) -> None:
    """The whole group cleared: noted once; paging stops if the integration says so; the
    incident stays open for a person to resolve with the root cause (D9 §7.3)."""
    if alert_group.cleared_at is not None:
        return
    AlertGroup.objects.filter(pk=alert_group.pk).update(cleared_at=now)
    text = "Alert cleared: the monitoring system reports every alert of the group resolved."
    if integration.stop_paging_when_cleared:
        escalation.cancel_steps(
            incident, kinds=[IncidentStep.Kind.LADDER, IncidentStep.Kind.RESPONSE], at=now
        )
        text += " Escalation paging stopped."
    text += " The incident stays open until someone resolves it with the root cause (D9 §7.3)."
    _event(incident, IncidentEvent.Kind.ALERT_CLEARED, text, actor=integration.acts_as, at=now)


def _event(incident, kind, text, *, actor, at) -> IncidentEvent:
    return IncidentEvent.objects.create(incident=incident, kind=kind, text=text, actor=actor, at=at)
