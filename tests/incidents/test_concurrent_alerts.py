"""Issue 18: the same alert sent by many threads at once opens one incident, and every sender
gets it back (201 for the winner, 200 for the others), never a 500 (PostgreSQL)."""

import json
import threading

import pytest
from django.db import connection, connections
from django.test import Client

from governance.models import ApiToken
from incidents.models import Incident

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrent writers need PostgreSQL; SQLite serialises them",
    ),
]

SENDERS = 16


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sixteen_senders_of_one_alert_all_get_the_winners_incident(crew, alerter):
    _, key = ApiToken.issue(user=alerter, name="alerts")
    body = json.dumps({"title": "Uploads failing", "severity": "P2", "dedupe_key": "race"})
    barrier = threading.Barrier(SENDERS)
    answers, errors = [], []

    def send():
        try:
            barrier.wait()
            response = Client().post(
                "/api/incidents/",
                data=body,
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {key}",
            )
            answers.append((response.status_code, response.json().get("id")))
        except Exception as error:  # reported below; a thread cannot fail the test itself
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    incident = Incident.objects.get(dedupe_key="race")
    assert sorted(status for status, _ in answers) == [200] * (SENDERS - 1) + [201]
    assert {pk for _, pk in answers} == {incident.pk}
