"""Manual escalation (issue 12 point 12): D9 §1.1 On-Call "Pause, escalate, page secondary" and
§4.3 "Cannot resolve → Page Secondary". On an open incident the On-Call (and anyone the
escalation pulled in) escalates now; it is on the timeline and each person is paged once."""

import json

import pytest
from django.core.exceptions import PermissionDenied

from governance.models import ApiToken, Notification, Urgency
from incidents import services
from incidents.models import IncidentEvent, Responder
from tests.incidents.conftest import minutes_after, sweep_at


def pages(person, incident):
    return Notification.objects.filter(
        recipient=person,
        urgency=Urgency.PAGE,
        method=None,
        dedupe_key__startswith=f"incident:{incident.pk}:page:",
    )


def test_the_on_call_pages_the_secondary_now_and_only_once(crew, declare, clock):
    """D9 §4.3 "Cannot resolve → Page Secondary" at minute 2; the §3.1 track's own page of the
    secondary at 15 min does not page them again."""
    incident = declare("P2")
    clock.move_to(minutes_after(incident, 2), tick=False)
    paged = services.escalate_incident(incident=incident, actor=crew["primary"], target="secondary")
    assert paged == [crew["secondary"]]
    assert pages(crew["secondary"], incident).count() == 1
    event = IncidentEvent.objects.get(incident=incident, text__startswith="Page the On-Call")
    assert event.actor == crew["primary"] and crew["secondary"].get_full_name() in event.text
    again = services.escalate_incident(incident=incident, actor=crew["primary"], target="secondary")
    assert again == []
    sweep_at(clock, minutes_after(incident, 16))
    assert pages(crew["secondary"], incident).count() == 1


def test_the_next_tier_is_the_first_not_yet_paged(crew, declare, clock):
    """D9 §3.1 tiers: the secondary first, then the Ingestion Owner."""
    incident = declare("P2")
    first = services.escalate_incident(incident=incident, actor=crew["primary"], target="next_tier")
    second = services.escalate_incident(
        incident=incident, actor=crew["primary"], target="next_tier"
    )
    assert (first, second) == ([crew["secondary"]], [crew["owner"]])
    assert pages(crew["owner"], incident).count() == 1


def test_a_named_responder_is_added_and_paged(crew, declare):
    """D9 §1.1 "escalate": a named person joins the incident as a responder."""
    incident = declare("P2")
    services.escalate_incident(
        incident=incident, actor=crew["primary"], target="responder", responder=crew["support"]
    )
    assert Responder.objects.filter(incident=incident, user=crew["support"]).exists()
    assert pages(crew["support"], incident).count() == 1


def test_someone_not_involved_may_not_escalate(crew, declare, outsider):
    """The denied twin: nothing is paged, nothing recorded."""
    incident = declare("P2")
    with pytest.raises(PermissionDenied, match="Only people involved"):
        services.escalate_incident(incident=incident, actor=outsider, target="secondary")
    assert not pages(crew["secondary"], incident).exists()


def test_the_incident_page_escalates_and_refuses_an_outsider(client, crew, declare, outsider):
    incident = declare("P2")
    url = f"/incidents/{incident.pk}/escalate/"
    client.force_login(outsider)
    assert 'id="escalate-form"' not in client.get(incident.get_absolute_url()).content.decode()
    assert client.post(url, {"target": "secondary"}).status_code == 403
    client.force_login(crew["primary"])
    assert 'id="escalate-form"' in client.get(incident.get_absolute_url()).content.decode()
    assert client.post(url, {"target": "secondary"}).status_code == 302
    assert pages(crew["secondary"], incident).count() == 1
    bad = client.post(url, {"target": "responder"})
    assert bad.status_code == 400 and bad.context["escalate_form"].errors["responder"]


def test_the_api_escalates_and_refuses_an_outsider(client, crew, declare, outsider):
    incident = declare("P2")

    def post(user, body):
        return client.post(
            f"/api/incidents/{incident.pk}/escalate/",
            data=json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(user=user)[1]}",
        )

    assert post(outsider, {"target": "secondary"}).status_code == 403
    bad = post(crew["primary"], {"target": "everyone"})
    assert bad.status_code == 400 and bad.json()["field"] == "target"
    assert post(crew["primary"], {"target": "responder", "responder": "support"}).status_code == 200
    assert pages(crew["support"], incident).count() == 1
