"""Incident list, incident page (buttons only for what the rules allow), declare form, admin."""

import datetime
import uuid

import pytest
from django.utils import timezone

from governance.models import Severity
from incidents.models import Incident


def test_the_list_filters_by_status_and_severity_and_searches(
    crew, declare, client, outsider, acme
):
    declare("P1", title="Database down")
    declare("P3", title="One upload stuck", workspace=acme)
    client.force_login(outsider)

    assert b"Database down" in client.get("/incidents/").content
    by_severity = client.get("/incidents/?severity=P3").content
    assert b"One upload stuck" in by_severity and b"Database down" not in by_severity
    search = client.get("/incidents/?q=acme").content
    assert b"One upload stuck" in search and b"Database down" not in search
    assert b"No incidents match" in client.get("/incidents/?status=resolved").content


def test_the_list_needs_a_login(client):
    response = client.get("/incidents/")
    assert response.status_code == 302 and "/login/" in response.url


def test_the_list_paginates_in_a_fixed_number_of_queries(
    crew, declare, client, outsider, django_assert_max_num_queries
):
    for number in range(3):
        declare("P3", title=f"Incident {number}")
    client.force_login(outsider)
    # 12 for the list, 6 for the menu asking the engine whether to show Compliance (issue 17).
    with django_assert_max_num_queries(18):
        assert client.get("/incidents/?status=open").status_code == 200


def test_the_primary_sees_acknowledge_update_and_resolve(crew, declare, client):
    incident = declare("P1")
    client.force_login(crew["primary"])

    page = client.get(incident.get_absolute_url()).content.decode()

    assert 'id="acknowledge"' in page and 'id="post-update"' in page and 'id="resolve"' in page
    assert "🔴 INCIDENT: Ingestion P1" in page
    assert "Primary acks" in page


def test_an_outsider_sees_the_incident_but_no_action_buttons(crew, declare, client, outsider):
    incident = declare("P1")
    client.force_login(outsider)

    page = client.get(incident.get_absolute_url()).content.decode()

    assert "P1 ingestion failure" in page
    assert 'id="acknowledge"' not in page and 'id="post-update"' not in page
    assert 'id="resolve"' not in page


@pytest.mark.parametrize(
    ("path", "data"),
    [
        (
            "update",
            {"status": "mitigating", "findings": "x", "next_steps": "y", "next_update_in": 30},
        ),
        ("resolve", {"root_cause": "x", "resolution": "y"}),
        ("severity", {"severity": "P2"}),
    ],
)
def test_the_server_refuses_actions_the_rules_do_not_allow(
    crew, declare, client, outsider, path, data
):
    incident = declare("P1")
    client.force_login(outsider)

    assert client.post(f"/incidents/{incident.pk}/{path}/", data).status_code == 403
    incident.refresh_from_db()
    assert incident.status == "investigating" and incident.severity.key == "P1"


def test_the_primary_posts_an_update_and_resolves_over_http(crew, declare, client):
    incident = declare("P1")
    client.force_login(crew["primary"])

    response = client.post(
        f"/incidents/{incident.pk}/update/",
        {
            "status": "mitigating",
            "findings": "Backlog",
            "next_steps": "Scale",
            "next_update_in": 30,
        },
    )
    assert response.status_code == 302
    missing = client.post(
        f"/incidents/{incident.pk}/resolve/", {"root_cause": "", "resolution": ""}
    )
    assert missing.status_code == 400
    assert "This field is required" in missing.content.decode()
    done = client.post(
        f"/incidents/{incident.pk}/resolve/", {"root_cause": "Backlog", "resolution": "Scaled"}
    )
    assert done.status_code == 302
    incident.refresh_from_db()
    assert incident.status == "resolved"


def _token() -> dict:
    """The declare form's one-time token, as the page hands it out."""
    return {"declare_token": uuid.uuid4().hex}


def test_declaring_an_incident_from_the_page_pages_the_primary(crew, client, outsider):
    client.force_login(outsider)
    response = client.post(
        "/incidents/declare/",
        {"title": "Uploads stuck", "severity": "P2", "impact": "Two clients", **_token()},
    )

    incident = Incident.objects.get()
    assert response.status_code == 302 and response.url == incident.get_absolute_url()
    assert incident.opened_by == outsider
    assert incident.responders.filter(user=crew["primary"]).exists()


def test_declaring_for_a_workspace_from_the_page_scopes_the_incident(crew, client, outsider, acme):
    client.force_login(outsider)
    page = client.get("/incidents/declare/").content.decode()
    assert 'value="acme"' in page and "Global (every workspace)" in page

    client.post(
        "/incidents/declare/",
        {
            "title": "Uploads stuck",
            "severity": "P2",
            "impact": "Acme only",
            "workspace": "acme",
            **_token(),
        },
    )
    incident = Incident.objects.get()
    assert incident.workspace == acme
    assert "workspace acme" in client.get(incident.get_absolute_url()).content.decode()


def test_declaring_for_an_unknown_workspace_is_refused_next_to_the_field(
    crew, client, outsider, acme
):
    client.force_login(outsider)
    response = client.post(
        "/incidents/declare/",
        {
            "title": "Uploads stuck",
            "severity": "P2",
            "impact": "Two",
            "workspace": "globex",
            **_token(),
        },
    )
    assert response.status_code == 200
    assert "workspace" in response.context["form"].errors
    assert not Incident.objects.exists()


def test_the_admin_searches_incidents_by_workspace_slug(crew, declare, admin_client, acme):
    declare("P3", title="One upload stuck", workspace=acme)
    declare("P1", title="Database down")
    page = admin_client.get("/admin/incidents/incident/?q=acme").content.decode()
    assert "One upload stuck" in page and "Database down" not in page


def test_the_dashboard_shows_open_incidents(crew, declare, client, outsider):
    declare("P1", title="Database down")
    client.force_login(outsider)
    page = client.get("/").content.decode()
    assert "Open incidents" in page and "Database down" in page


def test_the_admin_changelist_stays_under_twelve_queries(
    crew, admin_client, django_assert_max_num_queries
):
    severities = list(Severity.objects.all())
    now = timezone.now()
    Incident.objects.bulk_create(
        Incident(
            title=f"Incident {n}",
            severity=severities[n % 3],
            opened_at=now - datetime.timedelta(minutes=n),
            ladder_started_at=now,
            status="resolved" if n % 10 else "investigating",
        )
        for n in range(300)
    )
    with django_assert_max_num_queries(11):
        response = admin_client.get("/admin/incidents/incident/?status__exact=investigating")
    assert response.status_code == 200
    with django_assert_max_num_queries(11):
        assert admin_client.get("/admin/incidents/incident/?q=Incident").status_code == 200
