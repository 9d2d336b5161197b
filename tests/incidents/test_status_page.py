"""The public status page, its Atom feeds and the Statuspage-shaped summary (issue 21,
D9 §7.2 "Status page + email", §5.1 planned maintenance)."""

import datetime

import feedparser
import jsonschema
import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from governance.killswitch import services as killswitch
from incidents import services
from incidents.models import ClientCommunication
from tests.incidents.status_helpers import (
    INTERNAL_TITLE,
    approved_maintenance,
    bulk_published,
    draft,
    publish,
    rule,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def public():
    """A visitor with no login."""
    return Client()


def page_text(public, path="/status/") -> str:
    response = public.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_nothing_shows_before_the_pm_approves_and_the_approved_text_after(
    public, crew, client_incident
):
    communication = draft(client_incident, crew["support"])
    before = page_text(public)
    assert "All systems operational" in before
    assert "Delayed uploads" not in before

    services.approve_client_communication(communication=communication, actor=crew["pm"])

    after = page_text(public)
    assert "Degraded performance" in after
    assert "Delayed uploads" in after
    assert "Uploads for some clients are delayed by minutes." in after
    # Internal details never reach the public page.
    for internal in (INTERNAL_TITLE, "Sasha", "Priya", "P1", crew["primary"].last_name):
        assert internal not in after


def test_the_severity_shows_only_when_the_policy_row_says_so(public, crew, client_incident):
    publish(client_incident, crew)
    assert "Severity P1" not in page_text(public)
    client_rule = rule("incident_client_facing")
    client_rule.status_shows_severity = True
    client_rule.save()
    assert "Severity P1" in page_text(public)


def test_an_outage_communication_needs_the_pm_and_the_owner(public, crew, client_incident):
    communication = draft(client_incident, crew["support"], rule=rule("outage_communication"))
    # The request needs both roles (D9 §7.2 "PM + Owner"); each decides as their own role.
    with pytest.raises(PermissionDenied, match="Product Manager or the Ingestion Owner"):
        services.approve_client_communication(communication=communication, actor=crew["primary"])
    services.approve_client_communication(communication=communication, actor=crew["pm"])
    communication.refresh_from_db()
    assert communication.status == ClientCommunication.Status.DRAFT
    assert "Delayed uploads" not in page_text(public)

    services.approve_client_communication(communication=communication, actor=crew["owner"])
    communication.refresh_from_db()
    assert communication.published_at is not None
    assert "Service outage" in page_text(public)


def test_an_update_needs_a_new_approval_by_default(crew, client_incident):
    publish(client_incident, crew)
    update = draft(client_incident, crew["support"], public_status="identified")
    assert update.status == ClientCommunication.Status.DRAFT and update.published_at is None


def test_a_policy_row_may_let_support_post_follow_ups_without_approval(
    public, crew, client_incident
):
    client_rule = rule("incident_client_facing")
    client_rule.follow_ups_without_approval = True
    client_rule.save()
    first = draft(client_incident, crew["support"])
    assert first.published_at is None  # the first communication still needs the PM
    services.approve_client_communication(communication=first, actor=crew["pm"])

    update = draft(
        client_incident, crew["support"], public_status="monitoring", status_page_text="Fixed"
    )
    update.refresh_from_db()
    assert update.published_at is not None and update.approved_by is None
    text = page_text(public)
    assert text.index("Uploads for some clients") < text.index("Fixed")  # in time order


def test_a_resolution_moves_the_incident_to_the_history(public, crew, client_incident, clock):
    publish(client_incident, crew)
    clock.shift(datetime.timedelta(minutes=40))
    publish(
        client_incident, crew, public_status="resolved", status_page_text="All uploads caught up."
    )
    text = page_text(public)
    assert "All systems operational" in text
    history = text[text.index("Past incidents") :]
    assert "Delayed uploads" in history and "All uploads caught up." in history


def test_a_workspace_page_shows_its_own_and_global_incidents_only(
    public, crew, declare, client_incident, beta
):
    publish(client_incident, crew)  # Acme's
    global_incident = declare("P2", client_facing=True, title="internal global")
    publish(global_incident, crew, title="Slow dashboards everywhere")
    other = declare("P3", client_facing=True, workspace=beta, title="internal beta")
    publish(other, crew, title="Beta exports late")

    acme_page = page_text(public, "/status/acme/")
    assert "Delayed uploads" in acme_page and "Slow dashboards everywhere" in acme_page
    assert "Beta exports late" not in acme_page
    main = page_text(public)
    assert all(t in main for t in ("Delayed uploads", "Slow dashboards", "Beta exports late"))


def test_an_unknown_workspace_is_a_404_page(public, acme):
    for path in ("/status/nope/", "/status/nope/feed.atom"):
        response = public.get(path)
        assert response.status_code == 404
        assert "There is no status page for “nope”" in response.content.decode()


def test_planned_maintenance_appears_once_the_pm_approved_it(public, crew, acme):
    activation = killswitch.activate_kill_switch(
        actor=crew["owner"],
        scenario=killswitch.KillSwitchScenario.objects.get(key="planned_maintenance"),
        severity=killswitch.Severity.objects.get(key="P3"),
        reason="internal: db-3 replica rebuild",
        workspace=acme,
        starts_at=timezone.now() + datetime.timedelta(hours=25),
    )
    assert "Scheduled maintenance" not in page_text(public)  # awaiting the PM

    approved_maintenance_started = activation.approval
    from governance.approvals import services as approvals

    approvals.decide_approval(
        request=approved_maintenance_started, actor=crew["pm"], verdict="approve", statement="ok"
    )
    text = page_text(public, "/status/acme/")
    assert "Scheduled maintenance" in text and "internal" not in text
    assert "All systems operational" in text

    killswitch.start_due_pauses(now=timezone.now() + datetime.timedelta(hours=26))
    assert "Under maintenance" in page_text(public, "/status/acme/")


def test_the_atom_feed_parses_with_one_entry_per_publication(public, crew, client_incident, clock):
    publish(client_incident, crew)
    clock.shift(datetime.timedelta(minutes=30))
    publish(client_incident, crew, public_status="resolved", status_page_text="Caught up.")

    for path in ("/status/feed.atom", "/status/acme/feed.atom"):
        response = public.get(path)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/atom+xml")
        feed = feedparser.parse(response.content)
        assert not feed.bozo, feed.bozo_exception
        assert feed.version == "atom10"
        assert [e.title for e in feed.entries] == [
            "Resolved: Delayed uploads",
            "Investigating: Delayed uploads",
        ]
        assert feed.entries[0].summary == "Caught up."
        assert INTERNAL_TITLE not in response.content.decode()


# The public summary of Atlassian Statuspage (developer.statuspage.io, "Summary"): the fields
# and enumerations its clients read.
COMPONENT = {
    "type": "object",
    "required": ["id", "name", "status", "page_id", "group", "only_show_if_degraded"],
    "properties": {
        "status": {
            "enum": [
                "operational",
                "degraded_performance",
                "partial_outage",
                "major_outage",
                "under_maintenance",
            ]
        }
    },
}
UPDATE = {
    "type": "object",
    "required": ["id", "status", "body", "incident_id", "created_at", "updated_at", "display_at"],
}
INCIDENT = {
    "type": "object",
    "required": [
        "id",
        "name",
        "status",
        "created_at",
        "updated_at",
        "monitoring_at",
        "resolved_at",
        "impact",
        "shortlink",
        "started_at",
        "page_id",
        "incident_updates",
        "components",
    ],
    "properties": {
        "status": {"enum": ["investigating", "identified", "monitoring", "resolved", "postmortem"]},
        "impact": {"enum": ["none", "minor", "major", "critical"]},
        "incident_updates": {"type": "array", "items": UPDATE},
        "components": {"type": "array", "items": COMPONENT},
    },
}
MAINTENANCE = {
    "type": "object",
    "required": [*INCIDENT["required"], "scheduled_for", "scheduled_until"],
    "properties": {
        "status": {"enum": ["scheduled", "in_progress", "verifying", "completed"]},
        "impact": {"enum": ["none", "minor", "major", "critical", "maintenance"]},
        "components": {"type": "array", "items": COMPONENT},
    },
}
SUMMARY = {
    "type": "object",
    "required": ["page", "status", "components", "incidents", "scheduled_maintenances"],
    "properties": {
        "page": {
            "type": "object",
            "required": ["id", "name", "url", "time_zone", "updated_at"],
        },
        "status": {
            "type": "object",
            "required": ["indicator", "description"],
            "properties": {
                "indicator": {"enum": ["none", "minor", "major", "critical", "maintenance"]}
            },
        },
        "components": {"type": "array", "items": COMPONENT},
        "incidents": {"type": "array", "items": INCIDENT},
        "scheduled_maintenances": {"type": "array", "items": MAINTENANCE},
    },
}


def test_the_summary_has_the_statuspage_shape(public, crew, client_incident, beta):
    publish(client_incident, crew)
    approved_maintenance(crew["owner"], crew["pm"], beta)
    data = public.get("/status/api/v2/summary.json").json()
    jsonschema.validate(data, SUMMARY)
    assert data["status"] == {"indicator": "minor", "description": "Degraded performance"}
    assert {c["id"]: c["status"] for c in data["components"]} == {
        "acme": "degraded_performance",
        "beta": "operational",
    }
    (published,) = data["incidents"]
    assert published["name"] == "Delayed uploads"
    assert published["incident_updates"][0]["body"].startswith("Uploads for some clients")
    assert [c["id"] for c in published["components"]] == ["acme"]
    (maintenance,) = data["scheduled_maintenances"]
    assert maintenance["status"] == "scheduled"
    assert [c["id"] for c in maintenance["components"]] == ["beta"]


def test_pages_answer_304_to_a_matching_etag_and_change_when_something_is_published(
    public, crew, client_incident
):
    for path in ("/status/", "/status/acme/", "/status/feed.atom", "/status/api/v2/summary.json"):
        first = public.get(path)
        etag = first["ETag"]
        assert "public" in first["Cache-Control"]
        again = public.get(path, HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304 and again.content == b""

    etag = public.get("/status/")["ETag"]
    publish(client_incident, crew)
    changed = public.get("/status/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


@pytest.mark.parametrize("incidents,workspaces", [(5, 3), (100, 50)])
def test_page_and_summary_cost_a_bounded_number_of_queries(
    public, crew, acme, incidents, workspaces, django_assert_max_num_queries
):
    from governance.models import Workspace

    spaces = [acme] + [
        Workspace.objects.create(name=f"Client {n}", slug=f"client-{n}")
        for n in range(workspaces - 1)
    ]
    bulk_published(incidents, spaces, support=crew["support"])
    approved_maintenance(crew["owner"], crew["pm"])

    for path in ("/status/", "/status/acme/", "/status/api/v2/summary.json", "/status/feed.atom"):
        # Rendered: the version (4 queries), the workspace, communications, maintenances,
        # workspaces.
        with django_assert_max_num_queries(9):
            response = public.get(path)
        assert response.status_code == 200
        # Served from the cache: the version (and the workspace by its slug).
        with django_assert_max_num_queries(5):
            cached = public.get(path)
        assert cached.content == response.content
        with django_assert_max_num_queries(5):
            assert public.get(path, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    summary = public.get("/status/api/v2/summary.json").json()
    assert len(summary["components"]) == workspaces


def test_a_communication_follows_only_a_status_page_row(crew, client_incident):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        draft(client_incident, crew["support"], rule=rule("ga_announcement"))
    assert set(refused.value.message_dict) == {"rule"}
    assert not ClientCommunication.objects.exists()
