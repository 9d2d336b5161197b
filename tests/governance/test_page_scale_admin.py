"""Issue 16 point 2: the admin changelists of the large tables and the sign-off inbox (the list
of approvals waiting on a person) cost the same queries at two data sizes."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from governance.killswitch import services as killswitch
from governance.models import ApprovalRequest, Notification, Severity, Workspace
from incidents.models import Incident, IncidentEvent, IncidentUpdate
from rotations import reminders, services
from tests.helpers.admin_rows import some_row
from tests.helpers.killswitch import scenario, severity

pytestmark = pytest.mark.django_db


def _queries(client, url: str) -> tuple[int, str]:
    client.get(url)  # warm the per-process caches (content types, sites)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries), response.content.decode()


def _rows(html: str) -> int:
    """The rows of the changelist's result table (the sidebar has tables too)."""
    table = html[html.index('id="result_list"') : html.index("</table>", html.index("result_list"))]
    return table.count("<tr") - 1  # the header row


def _incident(number: int) -> Incident:
    opened = timezone.now() - datetime.timedelta(hours=number + 1)
    return Incident(
        title=f"Incident {number} database slow",
        severity=Severity.objects.order_by("position")[number % 3],
        impact="Uploads",
        status=Incident.Status.RESOLVED,
        opened_at=opened,
        ladder_started_at=opened,
        opened_by=some_row(Incident._meta.get_field("opened_by").related_model),
        acknowledged_at=opened,
        resolved_at=opened + datetime.timedelta(hours=1),
        workspace=Workspace.objects.get_or_create(slug=f"client-{number % 2}")[0],
    )


def _incidents(start: int, stop: int) -> None:
    Incident.objects.bulk_create([_incident(n) for n in range(start, stop)])


def _updates(start: int, stop: int) -> None:
    _incidents(start, stop)
    IncidentUpdate.objects.bulk_create(
        IncidentUpdate(
            incident=incident,
            kind="incident_update",
            status="investigating",
            body="Looking",
            posted_at=incident.opened_at,
            posted_by=incident.opened_by,
        )
        for incident in Incident.objects.filter(updates__isnull=True)
    )


def _events(start: int, stop: int) -> None:
    _incidents(start, stop)
    IncidentEvent.objects.bulk_create(
        IncidentEvent(
            incident=incident,
            kind="note",
            at=incident.opened_at,
            actor=incident.opened_by,
            text="database slow",
        )
        for incident in Incident.objects.filter(events__isnull=True)
    )


def _notifications(start: int, stop: int) -> None:
    Notification.objects.bulk_create(
        Notification(
            address=f"person{n}@example.com",
            template="incident-paged",
            subject=f"Incident {n}",
            body_text="Paged.",
            dedupe_key=f"scale-{n}",
        )
        for n in range(start, stop)
    )


def _approval_requests(start: int, stop: int) -> None:
    target = Workspace.objects.get_or_create(slug="approved-thing")[0]
    requester = some_row(ApprovalRequest._meta.get_field("requester").related_model)
    ApprovalRequest.objects.bulk_create(
        ApprovalRequest(
            kind="policy.role_change",
            title=f"Request {n}",
            content_type=ContentType.objects.get_for_model(Workspace),
            object_id=target.pk,
            requester=requester,
        )
        for n in range(start, stop)
    )


def _rotations(make_user):
    def add(start: int, stop: int) -> None:
        for number in range(start, stop):
            members = [make_user(f"eng{number}-{k}") for k in range(2)]
            services.create_rotation(
                actor=None, name=f"Team {number}", slug=f"team-{number}", members=members
            )
        reminders.keep_generated(now=timezone.now())

    return add


CHANGELISTS = [
    ("incidents_incident", "?q=database+slow", _incidents),
    ("incidents_incident", "?status__exact=resolved", _incidents),
    ("incidents_incidentupdate", "?q=looking", _updates),
    ("incidents_incidentevent", "?q=database", _events),
    ("governance_notification", "?q=incident", _notifications),
    ("governance_approvalrequest", "?q=request", _approval_requests),
    ("rotations_rotationweek", "", "rotations"),
    ("rotations_handoff", "", "rotations"),
]


@pytest.mark.parametrize(("changelist", "query", "add"), CHANGELISTS)
def test_a_large_table_changelist_costs_the_same_at_two_sizes(
    admin_client, make_user, changelist, query, add
):
    if add == "rotations":
        add = _rotations(make_user)
    url = reverse(f"admin:{changelist}_changelist") + query
    add(0, 2)
    small, html = _queries(admin_client, url)
    shown = _rows(html)
    add(2, 9)
    large, html = _queries(admin_client, url)
    assert _rows(html) > shown > 0
    assert large == small


def test_the_sign_off_inbox_costs_the_same_for_one_or_six_waiting_approvals(client, owner, primary):
    def pause(number: int) -> None:
        killswitch.activate_kill_switch(
            actor=primary,
            scenario=scenario("error_rate_10"),
            severity=severity("P2"),
            reason="errors at 12%",
            workspace=Workspace.objects.create(name=f"Client {number}", slug=f"client-{number}"),
        )

    client.force_login(owner)
    url = reverse("rollout:inbox")
    pause(0)
    small, html = _queries(client, url)
    assert html.count("<tr><td><a href=") == 1
    for number in range(1, 6):
        pause(number)
    large, html = _queries(client, url)
    assert html.count("<tr><td><a href=") == 6
    assert large == small
