"""Debian's real `prometheus-alertmanager` delivering to the portal's live server.

Alertmanager runs on loopback ports with a generated config whose webhook receiver points at
the live test server with the integration's key as Bearer credentials; the test posts alerts to
Alertmanager's own v2 API and waits (bounded) for the incident. Without the binary the test
skips with the reason; CI sets PORTAL_REQUIRE_BROWSER=1, which turns the skip into a failure.
"""

import datetime
import json
import os
import shutil
import subprocess
import time
import urllib.request

import pytest
from django.db import OperationalError

from incidents.models import AlertGroup, Incident, IncidentEvent
from tests.helpers.ports import free_port

ALERTMANAGER = os.environ.get("PORTAL_ALERTMANAGER", "/usr/bin/prometheus-alertmanager")
WAIT_SECONDS = 30

pytestmark = pytest.mark.alertmanager

CONFIG = """
route:
  receiver: portal
  group_by: [alertname]
  group_wait: 200ms
  group_interval: 1s
  repeat_interval: 1s
receivers:
  - name: portal
    webhook_configs:
      - url: {url}
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: {key}
"""


def wait_for(check, what: str):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        try:
            value = check()
        except OperationalError:
            # SQLite's shared in-memory test database: the live server holds the table lock.
            value = None
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"Gave up after {WAIT_SECONDS} s waiting for {what}.")


@pytest.fixture
def running_alertmanager(tmp_path, live_server, alertmanager):
    if not (os.path.exists(ALERTMANAGER) or shutil.which(ALERTMANAGER)):
        reason = f"no Alertmanager at {ALERTMANAGER} (apt-get install prometheus-alertmanager)"
        if os.environ.get("PORTAL_REQUIRE_BROWSER"):
            pytest.fail(f"The real-Alertmanager test is required here but {reason}.")
        pytest.skip(reason)
    _, key = alertmanager
    config = tmp_path / "alertmanager.yml"
    config.write_text(CONFIG.format(url=f"{live_server.url}/api/alerts/alertmanager/", key=key))
    port = free_port()
    log = (tmp_path / "alertmanager.log").open("w")
    process = subprocess.Popen(
        [
            ALERTMANAGER,
            f"--config.file={config}",
            f"--storage.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
            "--log.level=debug",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    api = f"http://127.0.0.1:{port}/api/v2"

    def ready():
        try:
            with urllib.request.urlopen(f"{api}/status", timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    try:
        wait_for(ready, "Alertmanager to listen")
        yield api
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def post_alerts(api: str, alerts: list[dict]) -> None:
    request = urllib.request.Request(
        f"{api}/alerts",
        data=json.dumps(alerts).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200


def alert(instance: str, *, ends_at=None) -> dict:
    now = datetime.datetime.now(datetime.UTC)
    body = {
        "labels": {
            "alertname": "IngestionErrorRate",
            "severity": "critical",
            "workspace": "acme-corp",
            "instance": instance,
        },
        "annotations": {"summary": "Ingestion error rate above 10%"},
        "generatorURL": "http://prometheus.example:9090/graph?g0.expr=errors",
        "startsAt": (now - datetime.timedelta(minutes=1)).isoformat(),
    }
    if ends_at is not None:
        body["endsAt"] = ends_at.isoformat()
    return body


def test_real_alertmanager_opens_one_incident_dedupes_repeats_and_records_the_clearing(
    running_alertmanager, acme
):
    post_alerts(running_alertmanager, [alert("ingest-1:9100")])

    incident = wait_for(lambda: Incident.objects.first(), "the incident")
    assert incident.severity.key == "P1" and incident.workspace == acme

    # A second alert joins the group; repeat_interval 1 s makes Alertmanager resend it too.
    post_alerts(running_alertmanager, [alert("ingest-1:9100"), alert("ingest-2:9100")])
    wait_for(
        lambda: (
            AlertGroup.objects.filter(incident=incident, deliveries__gte=3).exists()
            and incident.alert_group.alerts.count() == 2
        ),
        "the repeats",
    )
    assert Incident.objects.count() == 1

    ended = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=1)
    post_alerts(
        running_alertmanager,
        [alert("ingest-1:9100", ends_at=ended), alert("ingest-2:9100", ends_at=ended)],
    )
    cleared = wait_for(
        lambda: IncidentEvent.objects.filter(incident=incident, kind="alert_cleared").first(),
        "the alert cleared note",
    )
    assert "paging stopped" in cleared.text
    incident.refresh_from_db()
    assert incident.status == Incident.Status.INVESTIGATING  # a machine never resolves
    assert Incident.objects.count() == 1
    stats = incident.alert_group.integration.stats
    stats.refresh_from_db()
    assert stats.refused == 0 and stats.accepted >= 4
