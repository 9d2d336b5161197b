"""GET /status/api/v2/summary.json in the shape of Atlassian Statuspage's public summary
(https://developer.statuspage.io/ "Summary"): page, status, components (the workspaces),
unresolved incidents with their updates, and upcoming or in-progress scheduled maintenances,
because many monitoring dashboards already read that shape."""

from django.conf import settings

from incidents.status import links
from incidents.status.selectors import (
    DEGRADED,
    MAINTENANCE,
    OUTAGE,
    STATE_TEXT,
    StatusView,
)

PAGE_ID = "ingestion"
COMPONENT_STATUS = {
    "operational": "operational",
    DEGRADED: "degraded_performance",
    OUTAGE: "major_outage",
    MAINTENANCE: "under_maintenance",
}
INDICATOR = {"operational": "none", DEGRADED: "minor", OUTAGE: "major", MAINTENANCE: "maintenance"}


def _iso(value):
    return value.isoformat() if value else None


def _component(component) -> dict:
    workspace = component.workspace
    return {
        "id": workspace.slug,
        "name": workspace.name,
        "status": COMPONENT_STATUS[component.state],
        "created_at": None,
        "updated_at": None,
        "position": None,
        "description": None,
        "showcase": True,
        "start_date": None,
        "group_id": None,
        "page_id": PAGE_ID,
        "group": False,
        "only_show_if_degraded": False,
    }


def _affected(item, view: StatusView) -> list[dict]:
    return [_component(c) for c in view.components if item.affects(c.workspace)]


def _incident(incident, view: StatusView) -> dict:
    shortlink = links.status_url(f"/status/#incident-{incident.id}")
    return {
        "id": str(incident.id),
        "name": incident.name,
        "status": incident.status,
        "created_at": _iso(incident.started_at),
        "updated_at": _iso(incident.updated_at),
        "monitoring_at": None,
        "resolved_at": _iso(incident.resolved_at),
        "impact": incident.impact,
        "shortlink": shortlink,
        "started_at": _iso(incident.started_at),
        "page_id": PAGE_ID,
        "incident_updates": [
            {
                "id": str(update.id),
                "status": update.status,
                "body": update.body,
                "incident_id": str(incident.id),
                "created_at": _iso(update.at),
                "updated_at": _iso(update.at),
                "display_at": _iso(update.at),
                "affected_components": None,
                "deliver_notifications": True,
                "custom_tweet": None,
                "tweet_id": None,
            }
            for update in reversed(incident.updates)  # Statuspage lists the newest first
        ],
        "components": _affected(incident, view),
    }


def _maintenance(row, view: StatusView) -> dict:
    return {
        "id": f"maintenance-{row.id}",
        "name": row.name,
        "status": row.status,
        "created_at": _iso(row.announced_at),
        "updated_at": _iso(row.updated_at),
        "monitoring_at": None,
        "resolved_at": _iso(row.completed_at),
        "impact": "maintenance",
        "shortlink": links.status_url(f"/status/#maintenance-{row.id}"),
        "started_at": _iso(row.started_at),
        "page_id": PAGE_ID,
        "incident_updates": [],
        "components": _affected(row, view),
        "scheduled_for": _iso(row.scheduled_for),
        # A pause lasts until it is resumed (D9 §5.3); no end is announced ahead.
        "scheduled_until": None,
    }


def summary(view: StatusView) -> dict:
    return {
        "page": {
            "id": PAGE_ID,
            "name": settings.STATUS_PAGE_NAME,
            "url": links.status_url("/status/"),
            "time_zone": settings.TIME_ZONE,
            "updated_at": _iso(view.updated_at or view.now),
        },
        "status": {"indicator": INDICATOR[view.state], "description": STATE_TEXT[view.state]},
        "components": [_component(c) for c in view.components],
        "incidents": [_incident(i, view) for i in view.active],
        "scheduled_maintenances": [_maintenance(m, view) for m in view.maintenances],
    }
