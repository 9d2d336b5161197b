"""Reads of the incidents app: lists, the incident page, what a viewer may do."""

import json

from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, F, Q, QuerySet, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from governance import authority
from governance.models import Notification, Workspace
from incidents.authority import ON_CALL_ROLES
from incidents.models import (
    AlertGroup,
    ClientCommunication,
    Incident,
    IncidentEvent,
    IncidentUpdate,
)


def incident_list(*, status: str = "", severity: str = "", q: str = "") -> QuerySet[Incident]:
    """Incidents newest first, filtered by status, severity key and `matching(q)` (served by
    the opened_at/status/severity indexes)."""
    incidents = Incident.objects.select_related("severity", "acknowledged_by")
    if status == "open":
        incidents = incidents.exclude(status=Incident.Status.RESOLVED)
    elif status:
        incidents = incidents.filter(status=status)
    if severity:
        incidents = incidents.filter(severity__key=severity)
    if q.strip():
        incidents = matching(incidents, q)
    return incidents.order_by("-opened_at", "-id")


def matching(incidents: QuerySet[Incident], q: str) -> QuerySet[Incident]:
    """The incident search of the list and the admin: `q` in the title or impact, or equal to
    the workspace slug, the dedupe key or the #id. Every branch has its index on PostgreSQL
    (trigram on UPPER(title) and UPPER(impact), migrations 0016 and 0022), so a rare term is a
    bitmap-index lookup and a common one walks the opened_at index to the page: the workspace
    is looked up first (one small query) instead of joined, which would hide the indexes."""
    term = q.strip()
    workspaces = list(Workspace.objects.filter(slug__iexact=term).values_list("pk", flat=True))
    condition = Q(title__icontains=term) | Q(impact__icontains=term) | Q(dedupe_key=term)
    if workspaces:
        condition |= Q(workspace_id__in=workspaces)
    if term.lstrip("#").isdigit():
        condition |= Q(pk=int(term.lstrip("#")))
    return incidents.filter(condition)


# Issue "Rollout phases": open incidents of these severities block advancing a phase.
BLOCKING_SEVERITIES = ("P1", "P2")


def open_incidents_block(at) -> list[str]:
    """The rollout blocker of the incidents app (registered in IncidentsConfig.ready()): no
    phase advances during an open P1/P2 incident."""
    incidents = (
        Incident.objects.exclude(status=Incident.Status.RESOLVED)
        .filter(severity__key__in=BLOCKING_SEVERITIES)
        .select_related("severity")
        .order_by("opened_at")
    )
    return [f"{i.severity.key} incident #{i.pk} “{i.title}” is open." for i in incidents]


# The handoff page lists at most this many open incidents.
HANDOFF_INCIDENTS = 50


def open_incidents_status(at) -> dict:
    """The handoff page's "Open incidents" section (D9 §3.3 "Check current system status")."""
    return {"incidents": open_incidents(limit=HANDOFF_INCIDENTS)}


def open_incidents(*, limit: int = 10) -> list[Incident]:
    """The open incidents for the dashboard card, most severe first."""
    return list(
        Incident.objects.select_related("severity")
        .exclude(status=Incident.Status.RESOLVED)
        .order_by("severity__position", "-opened_at")[:limit]
    )


def get_incident_for_user(user, pk: int) -> Incident:
    """The incident page's object. Incidents are internal: every signed-in user may read them
    (D9 §7.1 posts them to #ingestion-rollout); acting on them is what the authority rules
    restrict."""
    return get_object_or_404(
        Incident.objects.select_related(
            "severity",
            "opened_by",
            "acknowledged_by",
            "resolved_by",
            "on_call_primary",
            "on_call_secondary",
        ),
        pk=pk,
    )


# The incident page shows its timeline and client communications a page at a time (issue 16:
# an incident of 2 000 events and 200 communications renders what fits one screen, not all).
TIMELINE_PAGE = 50
COMMUNICATIONS_PAGE = 20
MESSAGES_PAGE = 20


def latest_page(rows: QuerySet, size: int, number) -> tuple[Page, list]:
    """One page of `rows` (ordered newest first) counted from the newest (page 1, the default,
    is the most recent), its rows oldest first for reading: the incident page's timeline and
    messages and the review's timeline page the same way (`{% latest_pager %}` links them)."""
    page = Paginator(rows, size).get_page(number)
    return page, list(reversed(page.object_list))


def timeline_page(incident: Incident, number) -> tuple[Page, list[IncidentEvent]]:
    """One page of the incident's timeline (`latest_page`): the incident page and the
    post-incident review page."""
    events = incident.events.select_related("actor").order_by("-at", "-id")
    return latest_page(events, TIMELINE_PAGE, number)


def messages_page(incident: Incident, number) -> tuple[Page, list[IncidentUpdate]]:
    """One page of the incident's posted messages (`latest_page`; the incident/posted_at
    index serves it)."""
    updates = incident.updates.select_related("posted_by").order_by("-posted_at", "-id")
    return latest_page(updates, MESSAGES_PAGE, number)


INCIDENT_ACTIONS = {
    "acknowledge": "incident.acknowledge",
    "update": "incident.update",
    "resolve": "incident.resolve",
    "escalate": "incident.escalate",
    "draft_client_comm": "incident.client_comm.draft",
}


def allowed_actions(user, incident: Incident) -> dict[str, authority.Decision]:
    """Each incident action with the engine's decision for `user` now (buttons show for the
    allowed ones; the server refuses the rest)."""
    answers = authority.decide_many(
        user, [(action, incident) for action in INCIDENT_ACTIONS.values()], at=timezone.now()
    )
    decisions = dict(zip(INCIDENT_ACTIONS, answers, strict=True))
    if incident.acknowledged_at:
        decisions["acknowledge"] = authority.Decision(False, "Already acknowledged.")
    return decisions


def client_communications(incident: Incident, user, number=None) -> tuple[Page, list[tuple]]:
    """One page of the incident's client communications — drafts awaiting approval first, then
    the newest — and, for each on it, whether `user` may approve it; each carries `mailed`
    (subscribers addressed) and `delivered` (mails the outbox has sent)."""
    communications = (
        incident.client_communications.select_related("drafted_by", "approved_by", "rule")
        .prefetch_related("rule__approvers__role")
        .annotate(
            mailed=Count("deliveries"),
            delivered=Count(
                "deliveries",
                filter=Q(deliveries__notification__status=Notification.Status.SENT),
            ),
        )
        .order_by(
            Case(When(status=ClientCommunication.Status.DRAFT, then=0), default=1),
            "-drafted_at",
            "-id",
        )
    )
    page = Paginator(communications, COMMUNICATIONS_PAGE).get_page(number)
    shown = list(page.object_list)
    drafts = [c for c in shown if c.status == ClientCommunication.Status.DRAFT]
    decisions = authority.decide_many(
        user, [("incident.client_comm.approve", c) for c in drafts], at=timezone.now()
    )
    may_approve = {c.pk: d.allowed for c, d in zip(drafts, decisions, strict=True)}
    return page, [(c, may_approve.get(c.pk, False)) for c in shown]


def alert_source(incident: Incident, *, limit: int = 100) -> dict | None:
    """The alert group behind an incident an integration opened, with its first `limit`
    alerts and the last payload pretty-printed; None for incidents people declared."""
    group = (
        AlertGroup.objects.select_related("integration", "follows")
        .filter(incident=incident)
        .first()
    )
    if group is None:
        return None
    alerts = list(group.alerts.all()[:limit])
    return {
        "group": group,
        "alerts": alerts,
        "more": group.alerts.count() - len(alerts) if len(alerts) == limit else 0,
        "payload": json.dumps(group.payload, indent=2, sort_keys=True),
    }


def to_acknowledge(user, *, at) -> list[Incident]:
    """Open, unacknowledged incidents `user` may acknowledge now (the home's "waits on you").

    The set form of the `incident.acknowledge` rule (incidents/authority.py), so the home costs
    the same few queries however many incidents are open: the current On-Call may acknowledge
    every one; anyone else only those the escalation paged them on or whose ladder pulled in a
    role they hold (D9 §2.1 "Acknowledge alert", §4.2).
    """
    unacknowledged = Incident.objects.select_related("severity").filter(
        acknowledged_at__isnull=True
    )
    unacknowledged = unacknowledged.exclude(status=Incident.Status.RESOLVED)
    held = authority.roles_of(user, at=at)
    if not held & ON_CALL_ROLES:
        unacknowledged = unacknowledged.filter(
            Q(responders__user=user) | Q(steps__fired_at__isnull=False, steps__role__key__in=held)
        ).distinct()
    return list(unacknowledged.order_by("severity__position", "opened_at"))


def follow_up_tickets(incident: Incident, user) -> list[tuple]:
    """The incident's follow-up tickets (the §4.2 ladder's and the review's action items),
    open ones first, soonest due first, each with whether `user` may close it now."""
    tickets = incident.tickets.select_related("assignee", "closed_by", "review").order_by(
        F("closed_at").asc(nulls_first=True), "due_on", "id"
    )
    now = timezone.now()
    return [
        (
            ticket,
            ticket.is_open
            and bool(authority.decide(user, "incident.follow_up.close", obj=ticket, at=now)),
        )
        for ticket in tickets
    ]
