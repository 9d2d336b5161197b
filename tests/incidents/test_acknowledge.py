"""Who may acknowledge (D9 §2.1 "Acknowledge alert", §4.2): the On-Call or those pulled in."""

import pytest
from django.core.exceptions import PermissionDenied

from incidents import services
from tests.incidents.conftest import minutes_after, sweep_at


def test_the_primary_acknowledges(crew, declare):
    incident = declare("P1")
    services.acknowledge(incident=incident, actor=crew["primary"])

    incident.refresh_from_db()
    assert incident.acknowledged_by == crew["primary"]
    assert incident.events.filter(kind="acknowledged").count() == 1


def test_the_secondary_acknowledges(crew, declare):
    incident = declare("P2")
    services.acknowledge(incident=incident, actor=crew["secondary"])
    incident.refresh_from_db()
    assert incident.acknowledged_by == crew["secondary"]


def test_someone_not_on_call_may_not_acknowledge_and_nothing_changes(crew, declare, outsider):
    incident = declare("P1")
    events = incident.events.count()

    with pytest.raises(PermissionDenied, match="Only the current On-Call"):
        services.acknowledge(incident=incident, actor=outsider)

    incident.refresh_from_db()
    assert incident.acknowledged_at is None
    assert incident.events.count() == events
    assert incident.history.count() == 1


def test_the_owner_may_not_acknowledge_before_the_ladder_pulls_them_in(crew, declare):
    incident = declare("P1")
    with pytest.raises(PermissionDenied):
        services.acknowledge(incident=incident, actor=crew["owner"])


def test_the_owner_may_acknowledge_once_the_ladder_pulled_them_in(crew, declare, clock):
    incident = declare("P1")
    sweep_at(clock, minutes_after(incident, 30))

    services.acknowledge(incident=incident, actor=crew["owner"])
    incident.refresh_from_db()
    assert incident.acknowledged_by == crew["owner"]


def test_acknowledging_over_http_as_an_outsider_is_a_403(crew, declare, outsider, client):
    incident = declare("P1")
    client.force_login(outsider)

    response = client.post(f"/incidents/{incident.pk}/acknowledge/")

    assert response.status_code == 403
    incident.refresh_from_db()
    assert incident.acknowledged_at is None


def test_acknowledging_over_http_as_the_primary_works(crew, declare, client):
    incident = declare("P1")
    client.force_login(crew["primary"])

    response = client.post(f"/incidents/{incident.pk}/acknowledge/")

    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.acknowledged_by == crew["primary"]
