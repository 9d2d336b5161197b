"""Issue 16 point 2: the incident page and the incident list cost the same queries with few or
many communications, updates, events and incidents."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents import services

pytestmark = pytest.mark.django_db


def _queries(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _add(incident, crew, count: int) -> None:
    for number in range(count):
        services.draft_client_communication(
            incident=incident,
            actor=crew["support"],
            title=f"Uploads delayed {number}",
            status_page_text="Uploads are delayed.",
            email_text="Dear client, uploads are delayed.",
        )
        services.post_update(
            incident=incident,
            actor=crew["primary"],
            status="investigating",
            findings=f"finding {number}",
            next_steps="keep looking",
        )


def test_the_incident_page_costs_the_same_for_two_or_ten_communications(crew, declare, client):
    incident = declare("P1", client_facing=True)
    client.force_login(crew["pm"])
    url = incident.get_absolute_url()
    _add(incident, crew, 2)
    small = _queries(client, url)
    _add(incident, crew, 8)
    assert incident.client_communications.count() == 10
    assert _queries(client, url) == small


def test_the_incident_list_costs_the_same_for_three_or_twelve_incidents(crew, declare, client):
    client.force_login(crew["pm"])
    for number in range(3):
        declare("P3", title=f"Incident {number}")
    small = _queries(client, "/incidents/?status=open")
    for number in range(3, 12):
        declare("P3", title=f"Incident {number}")
    assert _queries(client, "/incidents/?status=open") == small


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm is PostgreSQL's")
def test_a_title_search_can_use_the_trigram_index(db):
    from incidents.models import Incident

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    # Unordered: with sequential scans off, an ordered query would walk the opened_at index.
    plan = Incident.objects.filter(title__icontains="database").order_by().explain()
    assert "incident_title_trgm" in plan
