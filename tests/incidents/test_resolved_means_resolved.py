"""Resolved means resolved (issue 12 point 13): after D9 §7.1 "Incident resolved", resolving
again, changing the severity and posting an update are refused with the reason, through the
service (even with an incident read before it was resolved) and through every URL, and the
incident page shows none of their forms."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from governance.models import Notification, Severity
from incidents import services
from incidents.models import Incident, IncidentEvent, IncidentUpdate


@pytest.fixture
def resolved(crew, declare):
    """A P2 resolved by the primary, and the same incident as read before it was resolved."""
    incident = declare("P2")
    stale = Incident.objects.select_related("severity").get(pk=incident.pk)
    services.resolve(
        incident=incident, actor=crew["primary"], root_cause="Disk full", resolution="Freed"
    )
    return Incident.objects.get(pk=incident.pk), stale


def unchanged(incident: Incident) -> tuple:
    fresh = Incident.objects.get(pk=incident.pk)
    return (
        fresh.severity.key,
        fresh.resolved_at,
        fresh.root_cause,
        IncidentUpdate.objects.filter(incident=incident).count(),
        IncidentEvent.objects.filter(incident=incident).count(),
        Notification.objects.count(),
    )


def refusals(incident: Incident, actor) -> dict:
    return {
        "resolve": lambda: services.resolve(
            incident=incident, actor=actor, root_cause="again", resolution="again"
        ),
        "severity": lambda: services.change_severity(
            incident=incident, actor=actor, severity=Severity.objects.get(key="P1")
        ),
        "update": lambda: services.post_update(
            incident=incident,
            actor=actor,
            status="mitigating",
            findings="more",
            next_steps="more",
        ),
    }


@pytest.mark.parametrize("action", ["resolve", "severity", "update"])
def test_the_service_refuses_every_action_on_a_resolved_incident(crew, resolved, action):
    """D9 §7.1: the resolved incident, as read now, is refused by the authority engine with
    the reason; nothing changes."""
    incident, _ = resolved
    before = unchanged(incident)
    with pytest.raises(PermissionDenied, match=f"Incident #{incident.pk} was resolved at"):
        refusals(incident, crew["primary"])[action]()
    assert unchanged(incident) == before


@pytest.mark.parametrize("action", ["resolve", "severity", "update"])
def test_an_incident_read_before_it_was_resolved_is_refused_too(crew, resolved, action):
    """D9 §7.1: a page or worker holding the incident as it was before the resolution (a
    race) gets a refusal naming who resolved it, never a success that did not happen."""
    incident, stale = resolved
    assert stale.is_open
    before = unchanged(incident)
    with pytest.raises(ValidationError) as error:
        refusals(stale, crew["primary"])[action]()
    assert f"Incident #{incident.pk} was resolved at" in error.value.messages[0]
    assert crew["primary"].get_full_name() in error.value.messages[0]
    assert unchanged(incident) == before


def test_the_open_twin_is_allowed(crew, declare):
    """The twin: on an open incident the same actor changes the severity and posts an update."""
    incident = declare("P2")
    services.change_severity(
        incident=incident, actor=crew["primary"], severity=Severity.objects.get(key="P1")
    )
    services.post_update(
        incident=incident, actor=crew["primary"], status="mitigating", findings="a", next_steps="b"
    )
    assert Incident.objects.get(pk=incident.pk).severity.key == "P1"


@pytest.mark.parametrize(
    "url, data",
    [
        ("resolve", {"root_cause": "again", "resolution": "again"}),
        ("severity", {"severity": "P1"}),
        (
            "update",
            {"status": "mitigating", "findings": "x", "next_steps": "y", "next_update_in": 30},
        ),
    ],
)
def test_every_form_url_refuses_with_the_reason(client, crew, resolved, url, data):
    """D9 §7.1 through the pages: 403 with the reason in words; nothing changes."""
    incident, _ = resolved
    before = unchanged(incident)
    client.force_login(crew["primary"])
    response = client.post(f"/incidents/{incident.pk}/{url}/", data)
    assert response.status_code == 403
    assert f"Incident #{incident.pk} was resolved at" in response.content.decode()
    assert unchanged(incident) == before


def test_the_resolved_incident_page_shows_no_resolve_severity_or_update_form(
    client, crew, resolved
):
    """D9 §7.1: the page of a resolved incident says why instead of showing dead forms."""
    incident, _ = resolved
    client.force_login(crew["primary"])
    page = client.get(incident.get_absolute_url()).content.decode()
    assert 'id="resolve-form"' not in page and 'id="update-form"' not in page
    assert f"/incidents/{incident.pk}/severity/" not in page
    assert 'id="resolved-note"' in page and "was resolved at" in page
