"""GET /metrics: the portal's state in the Prometheus text format, token or allow-list only."""

import pytest
from prometheus_client.parser import text_string_to_metric_families

from governance.models import ApiToken, Notification, SweepHeartbeat


@pytest.fixture
def scrape(client, make_user):
    _, key = ApiToken.issue(user=make_user("prometheus"), name="prometheus")

    def get(**headers):
        response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {key}", **headers)
        assert response.status_code == 200
        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.content.decode())
            for sample in family.samples
        }

    return get


def test_metrics_count_open_incidents_outbox_sweeps_and_alerts(scrape, deliver, group, acme):
    deliver(group())
    deliver(group())
    deliver(None, raw="{}")
    SweepHeartbeat.objects.create(name="incidents.escalate", last_finished_at="2000-01-01T00:00Z")

    samples = scrape()

    key = ("portal_open_incidents", (("acknowledged", "false"), ("severity", "P1")))
    assert samples[key] == 1
    alerts = "portal_alerts_received_total"
    assert samples[(alerts, (("integration", "Prometheus prod"), ("outcome", "accepted")))] == 2
    assert samples[(alerts, (("integration", "Prometheus prod"), ("outcome", "deduplicated")))] == 1
    assert samples[(alerts, (("integration", "Prometheus prod"), ("outcome", "refused")))] == 1
    assert samples[("portal_kill_switch_paused", (("scope", "acme-corp"),))] == 0
    assert samples[("portal_kill_switch_paused", (("scope", "global"),))] == 0
    sweep = ("portal_sweep_seconds_since_last_run", (("sweep", "incidents.escalate"),))
    assert samples[sweep] > 3600
    pending = Notification.objects.filter(status="pending").count()
    assert samples[("portal_outbox_notifications", (("status", "pending"),))] == pending


def test_metrics_without_a_token_or_allowed_address_get_a_401(client):
    response = client.get("/metrics")

    assert response.status_code == 401
    assert response.json()["error"]


def test_metrics_from_an_allowed_address_need_no_token(client, settings, db):
    settings.METRICS_ALLOWED_ADDRESSES = ["127.0.0.1"]

    assert client.get("/metrics").status_code == 200


@pytest.mark.parametrize("incidents", [1, 20])
def test_a_scrape_costs_the_same_queries_whatever_the_number_of_incidents(
    scrape, deliver, group, django_assert_max_num_queries, incidents
):
    for n in range(incidents):
        deliver(group(groupKey=f"group-{n}"))

    with django_assert_max_num_queries(8):
        scrape()
