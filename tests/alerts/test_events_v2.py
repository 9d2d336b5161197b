"""POST /api/alerts/events/v2/enqueue: the PagerDuty Events API v2 request and response format
(routing_key = the integration's key; trigger, acknowledge, resolve; 202 with the dedup_key)."""

import pytest

from incidents.models import Alert, Incident, IncidentEvent, IncidentStep

TRIGGER = {
    "event_action": "trigger",
    "dedup_key": "disk-full-ingest-1",
    "payload": {
        "summary": "Disk 95% full on ingest-1",
        "source": "ingest-1.example.com",
        "severity": "critical",
        "component": "postgres",
        "custom_details": {"workspace": "acme-corp", "free bytes": 1024},
    },
    "client": "Grafana",
    "client_url": "https://grafana.example.com/alerting/1",
}


def test_a_trigger_opens_an_incident_and_answers_202_with_the_dedup_key(enqueue, acme):
    response = enqueue(TRIGGER)

    assert response.status_code == 202
    assert response.json() == {
        "status": "success",
        "message": "Event processed",
        "dedup_key": "disk-full-ingest-1",
    }
    incident = Incident.objects.get()
    assert incident.severity.key == "P1" and incident.workspace == acme
    assert incident.title == "Disk 95% full on ingest-1"
    alert = Alert.objects.get(group__incident=incident)
    assert alert.labels["source"] == "ingest-1.example.com"
    assert alert.annotations["free bytes"] == "1024"
    assert alert.generator_url == "https://grafana.example.com/alerting/1"


def test_a_repeated_trigger_with_the_same_dedup_key_adds_to_the_incident(enqueue):
    enqueue(TRIGGER)
    enqueue(TRIGGER)

    assert Incident.objects.count() == 1


def test_a_trigger_without_dedup_key_gets_a_new_one_and_a_new_incident(enqueue):
    event = {**TRIGGER}
    del event["dedup_key"]

    first = enqueue(event).json()["dedup_key"]
    second = enqueue(event).json()["dedup_key"]

    assert first != second
    assert Incident.objects.count() == 2


def test_acknowledge_acknowledges_as_the_integration_and_stops_the_response_track(
    enqueue, events_v2
):
    enqueue(TRIGGER)

    response = enqueue({"event_action": "acknowledge", "dedup_key": "disk-full-ingest-1"})

    assert response.status_code == 202
    incident = Incident.objects.get()
    assert incident.acknowledged_by == events_v2[0].acts_as
    assert not IncidentStep.objects.filter(
        incident=incident, kind="response", fired_at__isnull=True, cancelled_at__isnull=True
    ).exists()


def test_acknowledge_of_an_unknown_dedup_key_is_dropped(enqueue):
    response = enqueue({"event_action": "acknowledge", "dedup_key": "nothing"})

    assert response.status_code == 202
    assert Incident.objects.count() == 0


def test_resolve_notes_the_alert_cleared_and_never_resolves(enqueue):
    enqueue(TRIGGER)

    enqueue({"event_action": "resolve", "dedup_key": "disk-full-ingest-1"})

    incident = Incident.objects.get()
    assert incident.is_open
    assert IncidentEvent.objects.filter(incident=incident, kind="alert_cleared").count() == 1


def test_an_unknown_severity_falls_back_to_the_default(enqueue):
    enqueue({**TRIGGER, "payload": {**TRIGGER["payload"], "severity": "catastrophic"}})

    assert Incident.objects.get().severity.key == "P3"


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ({**TRIGGER, "event_action": "explode"}, "event_action"),
        ({"event_action": "resolve"}, "dedup_key"),
        ({**TRIGGER, "dedup_key": "x" * 256}, "dedup_key"),
        ({**TRIGGER, "payload": None}, "payload"),
        ({**TRIGGER, "payload": {"source": "a", "severity": "info"}}, "payload.summary"),
        ({**TRIGGER, "payload": {"summary": "a", "severity": "info"}}, "payload.source"),
        ({**TRIGGER, "payload": {"summary": "a", "source": "b"}}, "payload.severity"),
        (
            {**TRIGGER, "payload": {**TRIGGER["payload"], "custom_details": "text"}},
            "payload.custom_details",
        ),
    ],
)
def test_an_invalid_event_gets_pagerdutys_400_naming_the_field(enqueue, events_v2, event, field):
    response = enqueue(event)

    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "invalid event" and body["field"] == field
    assert body["errors"] and field in body["errors"][0]
    assert Incident.objects.count() == 0
    events_v2[0].stats.refresh_from_db()
    assert events_v2[0].stats.refused == 1


def test_a_missing_routing_key_is_a_400_and_a_wrong_one_a_401(enqueue, alertmanager):
    assert enqueue(TRIGGER, routing_key=None).json()["field"] == "routing_key"
    assert enqueue(TRIGGER, routing_key="gi_nope").status_code == 401
    # An Alertmanager integration's key is not an Events v2 routing key.
    assert enqueue(TRIGGER, routing_key=alertmanager[1]).status_code == 401
    assert Incident.objects.count() == 0


def test_the_integrations_routing_key_is_accepted(enqueue):
    assert enqueue(TRIGGER).status_code == 202
