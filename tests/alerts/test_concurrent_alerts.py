"""50 identical alerts at the same instant on PostgreSQL open exactly one incident; every
delivery answers 2xx with the winner's incident (the unique open dedupe key decides the race)."""

import json
import threading

import pytest
from django.db import connection, connections
from django.test import Client

from incidents.models import Alert, AlertGroup, Incident

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrent writers need PostgreSQL; SQLite serialises them anyway",
    ),
]

THREADS = 10
DELIVERIES_EACH = 5


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_fifty_identical_alerts_in_parallel_open_exactly_one_incident(alertmanager, group):
    integration, key = alertmanager
    body = json.dumps(group())
    barrier = threading.Barrier(THREADS)
    answers, errors = [], []

    def deliver():
        client = Client()
        try:
            barrier.wait()
            for _ in range(DELIVERIES_EACH):
                response = client.post(
                    "/api/alerts/alertmanager/",
                    data=body,
                    content_type="application/json",
                    HTTP_AUTHORIZATION=f"Bearer {key}",
                )
                answers.append((response.status_code, response.json()["incident"]))
        except Exception as error:  # reported below; a thread cannot fail the test itself
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    incident = Incident.objects.get()
    assert sorted({status for status, _ in answers}) == [200, 201]
    assert [status for status, _ in answers].count(201) == 1
    assert {incident_id for _, incident_id in answers} == {incident.pk}
    assert AlertGroup.objects.get(incident=incident).deliveries == THREADS * DELIVERIES_EACH
    assert Alert.objects.filter(group__incident=incident).count() == 1
    integration.stats.refresh_from_db()
    assert integration.stats.accepted == THREADS * DELIVERIES_EACH
    assert integration.stats.deduplicated == THREADS * DELIVERIES_EACH - 1
