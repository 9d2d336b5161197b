"""POST /api/alerts/alertmanager/: Alertmanager's webhook opens one incident per alert group,
adds repeats to it, notes the clearing, never resolves, and refuses malformed bodies by field."""

import json

import pytest

from incidents import services
from incidents.models import Alert, AlertGroup, Incident, IncidentEvent, IncidentStep


def test_a_firing_group_opens_one_incident_with_its_mapped_severity_and_workspace(
    deliver, group, acme
):
    response = deliver(group())

    assert response.status_code == 201
    incident = Incident.objects.get(pk=response.json()["incident"])
    assert incident.severity.key == "P1"  # critical → P1 by the integration's mapping
    assert incident.workspace == acme
    assert incident.title == "IngestionErrorRate: Ingestion error rate above 10%"
    assert incident.impact == "Uploads failing for acme-corp"
    assert incident.opened_by.integration.name == "Prometheus prod"
    alert = Alert.objects.get(group__incident=incident)
    assert alert.labels["instance"] == "ingest-1:9100"
    assert alert.generator_url == "http://prometheus:9090/graph?g0.expr=rate"
    assert alert.starts_at.isoformat() == "2026-12-01T10:00:00.123456+00:00"
    assert alert.ends_at is None  # Go's zero time
    assert incident.alert_group.payload["groupKey"] == '{}:{alertname="IngestionErrorRate"}'


def test_repeats_of_the_group_add_to_the_incident_without_a_new_one(deliver, group):
    first = deliver(group()).json()["incident"]
    payload = group()
    payload["alerts"].append(
        {**payload["alerts"][0], "fingerprint": "2b", "labels": {"alertname": "X", "i": "2"}}
    )

    again = deliver(group())
    more = deliver(payload)

    assert again.status_code == 200 and again.json()["incident"] == first
    assert more.json() == {**more.json(), "incident": first, "created": False}
    assert Incident.objects.count() == 1
    assert AlertGroup.objects.get(incident_id=first).deliveries == 3
    assert Alert.objects.filter(group__incident_id=first).count() == 2
    assert IncidentEvent.objects.filter(
        incident_id=first, kind=IncidentEvent.Kind.ALERT_REPEATED, text__startswith="1 more"
    ).exists()
    stats = AlertGroup.objects.get(incident_id=first).integration.stats
    assert (stats.accepted, stats.deduplicated, stats.refused) == (3, 2, 0)


def test_a_cleared_group_notes_it_and_stops_paging_but_leaves_the_incident_open(deliver, group):
    incident = Incident.objects.get(pk=deliver(group()).json()["incident"])

    deliver(group("resolved"))
    deliver(group("resolved"))  # Alertmanager's retry: nothing new

    incident.refresh_from_db()
    assert incident.status == Incident.Status.INVESTIGATING
    cleared = IncidentEvent.objects.filter(incident=incident, kind="alert_cleared")
    assert cleared.count() == 1
    assert "paging stopped" in cleared.get().text
    pending = IncidentStep.objects.filter(
        incident=incident, fired_at__isnull=True, cancelled_at__isnull=True
    )
    assert not pending.filter(kind__in=["ladder", "response"]).exists()
    assert Alert.objects.get(group__incident=incident).status == "resolved"


def test_clearing_keeps_paging_when_the_integration_says_so(deliver, group, alertmanager):
    integration, _ = alertmanager
    integration.stop_paging_when_cleared = False
    integration.save()
    incident = Incident.objects.get(pk=deliver(group()).json()["incident"])

    deliver(group("resolved"))

    assert IncidentStep.objects.filter(
        incident=incident, kind="ladder", fired_at__isnull=True, cancelled_at__isnull=True
    ).exists()


def test_firing_again_after_clearing_restarts_the_ladder(deliver, group):
    incident = Incident.objects.get(pk=deliver(group()).json()["incident"])
    deliver(group("resolved"))

    assert deliver(group()).json()["incident"] == incident.pk

    assert IncidentStep.objects.filter(
        incident=incident, kind="ladder", fired_at__isnull=True, cancelled_at__isnull=True
    ).exists()
    assert IncidentEvent.objects.filter(
        incident=incident, kind="alert_repeated", text__contains="after it had cleared"
    ).exists()


def test_after_a_person_resolved_it_a_new_firing_opens_a_linked_incident(deliver, group, primary):
    first = Incident.objects.get(pk=deliver(group()).json()["incident"])
    services.resolve(
        incident=first, actor=primary, root_cause="Disk full", resolution="Freed space"
    )

    quiet = deliver(group("resolved"))
    second = deliver(group())

    assert quiet.status_code == 200 and quiet.json()["incident"] is None
    assert second.status_code == 201
    new = Incident.objects.get(pk=second.json()["incident"])
    assert new.alert_group.follows == first
    assert IncidentEvent.objects.filter(incident=new, text__contains=f"#{first.pk}").exists()
    assert not IncidentEvent.objects.filter(incident=first, kind="alert_cleared").exists()


def test_unknown_severity_and_workspace_fall_back_to_defaults_with_a_timeline_note(deliver, group):
    payload = group()
    payload["commonLabels"] = {
        **payload["commonLabels"],
        "severity": "disaster",
        "workspace": "nobody-inc",
    }

    response = deliver(payload)

    assert response.status_code == 201
    incident = Incident.objects.get(pk=response.json()["incident"])
    assert incident.severity.key == "P2" and incident.workspace is None
    notes = list(
        IncidentEvent.objects.filter(incident=incident, kind="alert_note").values_list(
            "text", flat=True
        )
    )
    assert any("'disaster'" in note and "P2" in note for note in notes)
    assert any("'nobody-inc'" in note for note in notes)


def test_the_severity_mapping_is_data_the_admin_edits(deliver, group, alertmanager):
    integration, _ = alertmanager
    integration.severity_map = {"critical": "P3"}
    integration.save()

    incident = Incident.objects.get(pk=deliver(group()).json()["incident"])

    assert incident.severity.key == "P3"


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda p: p.update(version="3"), "version"),
        (lambda p: p.update(status="maybe"), "status"),
        (lambda p: p.pop("groupKey"), "groupKey"),
        (lambda p: p.update(alerts=[]), "alerts"),
        (lambda p: p.update(alerts=["x"]), "alerts[0]"),
        (lambda p: p["alerts"][0].update(labels={"a": 1}), "alerts[0].labels"),
        (lambda p: p["alerts"][0].update(startsAt="yesterday"), "alerts[0].startsAt"),
        (lambda p: p.update(commonLabels=[]), "commonLabels"),
    ],
)
def test_a_malformed_payload_gets_a_400_naming_the_field_and_changes_nothing(
    deliver, group, alertmanager, edit, field
):
    payload = group()
    edit(payload)

    response = deliver(payload)

    assert response.status_code == 400
    assert response.json()["field"] == field
    assert Incident.objects.count() == 0
    alertmanager[0].stats.refresh_from_db()
    assert alertmanager[0].stats.refused == 1


def test_a_body_that_is_not_json_gets_a_400(deliver):
    response = deliver(None, raw="not json")

    assert response.status_code == 400 and response.json()["field"] == "body"


def test_a_missing_wrong_or_revoked_key_gets_a_401_and_opens_nothing(
    deliver, group, alertmanager, events_v2
):
    from incidents.integrations import revoke_key

    assert deliver(group(), token=None).status_code == 401
    assert deliver(group(), token="gi_wrong").status_code == 401
    # An Events v2 key is not an Alertmanager key.
    assert deliver(group(), token=events_v2[1]).status_code == 401
    revoke_key(integration=alertmanager[0], actor=None)
    response = deliver(group())

    assert response.status_code == 401
    assert response.json()["field"] == "key"
    assert Incident.objects.count() == 0


def test_the_correct_key_is_accepted(deliver, group):
    assert deliver(group()).status_code == 201


def test_a_disabled_integration_is_refused(deliver, group, alertmanager):
    integration, _ = alertmanager
    integration.enabled = False
    integration.save()

    assert deliver(group()).status_code == 401


def test_get_is_refused_with_405_and_allow(client):
    response = client.get("/api/alerts/alertmanager/")

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response.json()["error"] == "Use POST."


def test_the_repeat_path_costs_a_bounded_number_of_queries(
    deliver, group, django_assert_max_num_queries
):
    deliver(group())
    small = group()
    large = group()
    large["alerts"] = [
        {**small["alerts"][0], "fingerprint": f"f{n}", "labels": {"alertname": "X", "n": str(n)}}
        for n in range(50)
    ]
    deliver(large)

    with django_assert_max_num_queries(12):
        deliver(small)
    with django_assert_max_num_queries(12):
        deliver(large)


def test_the_incident_page_shows_the_alerts_and_their_labels(client, deliver, group, primary):
    incident_id = deliver(group()).json()["incident"]
    client.force_login(primary)

    page = client.get(f"/incidents/{incident_id}/").content.decode()

    assert "IngestionErrorRate" in page
    assert "ingest-1:9100" in page
    assert "http://prometheus:9090/graph?g0.expr=rate" in page
    assert "Prometheus prod" in page


def test_the_raw_payload_is_kept(deliver, group):
    payload = group()
    incident_id = deliver(payload).json()["incident"]

    assert AlertGroup.objects.get(incident_id=incident_id).payload == json.loads(
        json.dumps(payload)
    )
