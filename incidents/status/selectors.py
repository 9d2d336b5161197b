"""Reads of the public status page (issue 21): only what was published, exactly as approved.

The page's state is derived from the published communications (never from the internal
incidents) and from planned-maintenance pauses the PM approved (D9 §5.1). Nothing internal
leaves here: no people, notes, internal titles, or severity unless the row says so.
Every read is a fixed number of queries, whatever the number of incidents or workspaces.
"""

import datetime
import hashlib
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Max, Q
from django.utils import timezone

from governance.models import (
    ApprovalRequest,
    CommunicationRule,
    KillSwitchActivation,
    KillSwitchState,
    Workspace,
)
from incidents.models import ClientCommunication

# D9 §5.1 "Planned maintenance": the scenario whose approved pauses are announced to clients.
MAINTENANCE_SCENARIO = "planned_maintenance"

OPERATIONAL, DEGRADED, OUTAGE, MAINTENANCE = "operational", "degraded", "outage", "maintenance"
# Worst first: an outage outweighs maintenance (ingestion paused), which outweighs degradation.
RANK = {OUTAGE: 3, MAINTENANCE: 2, DEGRADED: 1, OPERATIONAL: 0}
STATE_TEXT = {
    OPERATIONAL: "All systems operational",
    DEGRADED: "Degraded performance",
    OUTAGE: "Service outage",
    MAINTENANCE: "Under maintenance",
}
IMPACT_STATE = {"none": OPERATIONAL, "minor": DEGRADED, "major": OUTAGE}


@dataclass
class PublicUpdate:
    id: int
    status: str
    status_label: str
    body: str
    at: datetime.datetime


@dataclass
class PublicIncident:
    """One incident as clients see it: the thread of its published communications."""

    id: int
    name: str
    impact: str
    state: str
    status: str
    status_label: str
    started_at: datetime.datetime
    updated_at: datetime.datetime
    resolved_at: datetime.datetime | None
    workspace: Workspace | None
    severity: str
    updates: list[PublicUpdate] = field(default_factory=list)

    @property
    def is_resolved(self) -> bool:
        return self.status == ClientCommunication.PublicStatus.RESOLVED

    def affects(self, workspace: Workspace) -> bool:
        return self.workspace is None or self.workspace.pk == workspace.pk


@dataclass
class PublicMaintenance:
    id: int
    name: str
    status: str  # Statuspage's scheduled / in_progress / completed
    scheduled_for: datetime.datetime
    started_at: datetime.datetime | None
    completed_at: datetime.datetime | None
    workspace: Workspace | None
    announced_at: datetime.datetime
    updated_at: datetime.datetime

    @property
    def status_label(self) -> str:
        return {"scheduled": "Scheduled", "in_progress": "In progress"}.get(
            self.status, "Completed"
        )

    def affects(self, workspace: Workspace) -> bool:
        return self.workspace is None or self.workspace.pk == workspace.pk


@dataclass
class Component:
    workspace: Workspace
    state: str

    @property
    def state_text(self) -> str:
        return STATE_TEXT[self.state] if self.state != OPERATIONAL else "Operational"


@dataclass
class StatusView:
    workspace: Workspace | None
    state: str
    components: list[Component]
    active: list[PublicIncident]
    history: list[PublicIncident]
    maintenances: list[PublicMaintenance]
    past_maintenances: list[PublicMaintenance]
    updated_at: datetime.datetime | None
    now: datetime.datetime
    history_days: int

    @property
    def state_text(self) -> str:
        return STATE_TEXT[self.state]


def history_days() -> int:
    return settings.STATUS_PAGE_HISTORY_DAYS


def version(*, workspace_slug: str = "", now: datetime.datetime | None = None) -> str:
    """The status data's version, the ETag of every public page and feed: it changes whenever
    something is published, a maintenance pause changes (the kill switch's state row), a
    workspace is renamed, a D9 §7.2 row is edited (impact, severity shown), or the day changes
    (the history window moves). Four small aggregate queries."""
    now = now or timezone.now()
    published = ClientCommunication.objects.filter(published_at__isnull=False).aggregate(
        count=Count("pk"), last=Max("published_at")
    )
    kill_switch = KillSwitchState.objects.filter(pk=1).values_list("version", flat=True).first()
    workspaces = Workspace.history.aggregate(count=Count("pk"), last=Max("history_date"))
    rules = CommunicationRule.history.aggregate(count=Count("pk"), last=Max("history_date"))
    raw = "|".join(
        str(part)
        for part in (
            workspace_slug,
            published["count"],
            published["last"],
            kill_switch,
            workspaces["count"],
            workspaces["last"],
            rules["count"],
            rules["last"],
            timezone.localdate(now),
            settings.STATUS_PAGE_NAME,
            settings.STATUS_PAGE_LOGO_URL,
        )
    )
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def _threads(communications) -> list[PublicIncident]:
    """Group published communications by incident, each thread in time order."""
    threads: dict[int, PublicIncident] = {}
    for communication in communications:
        incident = communication.incident
        update = PublicUpdate(
            id=communication.pk,
            status=communication.public_status,
            status_label=communication.get_public_status_display(),
            body=communication.status_page_text,
            at=communication.published_at,
        )
        thread = threads.get(incident.pk)
        if thread is None:
            thread = threads[incident.pk] = PublicIncident(
                id=communication.pk,
                name=communication.title,
                impact=communication.rule.status_impact,
                state=IMPACT_STATE[communication.rule.status_impact],
                status=communication.public_status,
                status_label=update.status_label,
                started_at=communication.published_at,
                updated_at=communication.published_at,
                resolved_at=None,
                workspace=incident.workspace,
                severity="",
            )
        thread.updates.append(update)
        # The latest publication speaks for the thread: its headline, status and impact.
        thread.name = communication.title
        thread.status, thread.status_label = update.status, update.status_label
        thread.impact = communication.rule.status_impact
        thread.state = IMPACT_STATE[thread.impact]
        thread.updated_at = communication.published_at
        thread.resolved_at = communication.published_at if thread.is_resolved else None
        thread.severity = incident.severity.key if communication.rule.status_shows_severity else ""
    return sorted(threads.values(), key=lambda t: t.updated_at, reverse=True)


def _in_scope(queryset, workspace: Workspace | None, prefix: str = ""):
    if workspace is None:
        return queryset
    return queryset.filter(
        Q(**{f"{prefix}workspace": workspace}) | Q(**{f"{prefix}workspace__isnull": True})
    )


def published_incidents(
    *, workspace: Workspace | None, now: datetime.datetime
) -> list[PublicIncident]:
    """Every incident with a communication published in the history window (all of its
    published updates, so an older start still shows), newest activity first. One query."""
    cutoff = now - datetime.timedelta(days=history_days())
    recent = ClientCommunication.objects.filter(published_at__gte=cutoff).values("incident_id")
    communications = (
        _in_scope(
            ClientCommunication.objects.filter(published_at__isnull=False, incident__in=recent),
            workspace,
            "incident__",
        )
        .select_related("incident__workspace", "incident__severity", "rule")
        .order_by("published_at", "pk")
    )
    return _threads(communications)


def maintenances(*, workspace: Workspace | None, now: datetime.datetime) -> list[PublicMaintenance]:
    """D9 §5.1 planned-maintenance pauses once the PM approved them: upcoming, in progress,
    and completed within the history window. One query."""
    cutoff = now - datetime.timedelta(days=history_days())
    Status = KillSwitchActivation.Status
    activations = (
        _in_scope(
            KillSwitchActivation.objects.filter(
                scenario__key=MAINTENANCE_SCENARIO,
                approval__status=ApprovalRequest.Status.APPROVED,
            ).filter(
                Q(status__in=[Status.SCHEDULED, Status.ACTIVE])
                | Q(status=Status.RESUMED, resumed_at__gte=cutoff)
            ),
            workspace,
        )
        .select_related("workspace")
        .order_by("starts_at", "pk")
    )
    rows = []
    for activation in activations:
        status = {Status.SCHEDULED: "scheduled", Status.ACTIVE: "in_progress"}.get(
            activation.status, "completed"
        )
        rows.append(
            PublicMaintenance(
                id=activation.pk,
                name="Scheduled maintenance: uploads paused",
                status=status,
                scheduled_for=activation.starts_at,
                started_at=activation.paused_at,
                completed_at=activation.resumed_at,
                workspace=activation.workspace,
                announced_at=activation.activated_at,
                # When it last changed: announced, started, completed (never its future start).
                updated_at=activation.resumed_at or activation.paused_at or activation.activated_at,
            )
        )
    return rows


def _state(incidents, maintenance_rows) -> str:
    states = [OPERATIONAL]
    states += [incident.state for incident in incidents if not incident.is_resolved]
    states += [MAINTENANCE for row in maintenance_rows if row.status == "in_progress"]
    return max(states, key=RANK.__getitem__)


def status_view(*, workspace: Workspace | None = None, now=None) -> StatusView:
    """Everything the status page, its feed and the summary show, for every workspace (None)
    or one. Three queries in all."""
    now = now or timezone.now()
    incidents = published_incidents(workspace=workspace, now=now)
    maintenance_rows = maintenances(workspace=workspace, now=now)
    workspaces = [workspace] if workspace else list(Workspace.objects.order_by("name", "pk"))
    components = [
        Component(
            workspace=ws,
            state=_state(
                [i for i in incidents if i.affects(ws)],
                [m for m in maintenance_rows if m.affects(ws)],
            ),
        )
        for ws in workspaces
    ]
    stamps = [i.updated_at for i in incidents] + [m.updated_at for m in maintenance_rows]
    return StatusView(
        workspace=workspace,
        state=_state(incidents, maintenance_rows),
        components=components,
        active=[i for i in incidents if not i.is_resolved],
        history=[i for i in incidents if i.is_resolved],
        maintenances=[m for m in maintenance_rows if m.status != "completed"],
        past_maintenances=[m for m in maintenance_rows if m.status == "completed"],
        updated_at=max(stamps) if stamps else None,
        now=now,
        history_days=history_days(),
    )
