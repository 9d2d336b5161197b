"""Fixtures of the alert-intake tests: integrations with their keys and Alertmanager payloads
shaped exactly as Alertmanager 0.25 sends them (webhook payload version 4)."""

import copy
import json

import pytest

from governance.models import Severity, Workspace
from incidents.integrations import create_integration
from incidents.models import Integration
from tests.alerts.payloads import GROUP


@pytest.fixture
def acme(db):
    return Workspace.objects.create(name="Acme Corp", slug="acme-corp")


@pytest.fixture
def alertmanager(db, rotation):
    """An Alertmanager integration (P2 by default, global) and its key."""
    return create_integration(
        actor=None,
        name="Prometheus prod",
        kind=Integration.Kind.ALERTMANAGER,
        default_severity=Severity.objects.get(key="P2"),
    )


@pytest.fixture
def events_v2(db, rotation):
    """An Events API v2 integration and its key (the `routing_key`)."""
    return create_integration(
        actor=None,
        name="Grafana",
        kind=Integration.Kind.EVENTS_V2,
        default_severity=Severity.objects.get(key="P3"),
    )


@pytest.fixture
def group():
    """`group(status=..., **top_level)`: a fresh copy of the payload, edited."""

    def make(status="firing", **fields):
        payload = copy.deepcopy(GROUP)
        payload["status"] = status
        for alert in payload["alerts"]:
            alert["status"] = status
            if status == "resolved":
                alert["endsAt"] = "2026-12-01T10:05:00Z"
        payload.update(fields)
        return payload

    return make


@pytest.fixture
def deliver(client, alertmanager):
    """POST a payload to the Alertmanager endpoint with the integration's key."""
    _, key = alertmanager

    def send(payload, *, token=key, raw=None):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        data = raw if raw is not None else json.dumps(payload)
        return client.post(
            "/api/alerts/alertmanager/", data=data, content_type="application/json", **headers
        )

    return send


@pytest.fixture
def enqueue(client, events_v2):
    """POST an Events API v2 event with the integration's routing key."""
    _, key = events_v2

    def send(event, *, routing_key=key, raw=None):
        body = {"routing_key": routing_key, **event} if routing_key else event
        data = raw if raw is not None else json.dumps(body)
        return client.post(
            "/api/alerts/events/v2/enqueue", data=data, content_type="application/json"
        )

    return send
