"""The incident lifecycle over the API: Bearer token, the authority engine as for a person,
JSON for every error (400 naming the field, 401, 403 with the reason, 404, 405 with Allow)."""

import json

import pytest

from governance.models import ApiToken
from incidents.models import Incident


@pytest.fixture
def api(client):
    def call(method, path, user, body=None):
        headers = {}
        if user is not None:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {ApiToken.issue(user=user)[1]}"
        kwargs = {"content_type": "application/json"}
        if body is not None:
            kwargs["data"] = json.dumps(body)
        return getattr(client, method)(path, **kwargs, **headers)

    return call


@pytest.fixture
def incident(deliver, group):
    return Incident.objects.get(pk=deliver(group()).json()["incident"])


def test_the_list_pages_open_incidents(api, incident, primary):
    response = api("get", "/api/incidents/?status=open", primary)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1 and body["results"][0]["id"] == incident.pk
    assert body["results"][0]["severity"] == "P1"


def test_a_bad_status_filter_is_a_400_naming_it(api, incident, primary):
    response = api("get", "/api/incidents/?status=sleeping", primary)

    assert response.status_code == 400 and response.json()["field"] == "status"


def test_the_on_call_acknowledges_updates_and_resolves_over_the_api(api, incident, primary):
    base = f"/api/incidents/{incident.pk}"

    assert api("post", f"{base}/acknowledge/", primary).json()["acknowledged_at"]
    update = api(
        "post",
        f"{base}/updates/",
        primary,
        {"status": "mitigating", "findings": "Disk full", "next_steps": "Free space"},
    )
    assert update.status_code == 201 and "Disk full" in update.json()["message"]
    resolved = api(
        "post", f"{base}/resolve/", primary, {"root_cause": "Disk full", "resolution": "Freed"}
    )
    assert resolved.json()["status"] == "resolved"


def test_a_resolved_incident_refuses_resolve_and_update_over_the_api(api, incident, primary):
    """Issue 12 point 13, D9 §7.1: after "Incident resolved" the API refuses a second resolve
    and an update with the reason, and the incident stays as resolved."""
    base = f"/api/incidents/{incident.pk}"
    api("post", f"{base}/resolve/", primary, {"root_cause": "Disk full", "resolution": "Freed"})
    again = api("post", f"{base}/resolve/", primary, {"root_cause": "b", "resolution": "c"})
    update = api(
        "post",
        f"{base}/updates/",
        primary,
        {"status": "mitigating", "findings": "a", "next_steps": "b"},
    )
    for response in (again, update):
        assert response.status_code == 403
        assert f"Incident #{incident.pk} was resolved at" in response.json()["error"]
    incident.refresh_from_db()
    assert incident.root_cause == "Disk full"


def test_the_on_call_marks_an_incident_client_facing_over_the_api(api, incident, primary, outsider):
    """Issue 12 point 6, D9 §4.3: `client-facing/` sets the field; its denied twin is a 403."""
    url = f"/api/incidents/{incident.pk}/client-facing/"
    assert api("post", url, outsider).status_code == 403
    assert api("get", f"/api/incidents/{incident.pk}/", primary).json()["client_facing"] is False
    response = api("post", url, primary)
    assert response.status_code == 200 and response.json()["client_facing"] is True


def test_someone_not_involved_gets_a_403_with_the_reason(api, incident, outsider):
    response = api("post", f"/api/incidents/{incident.pk}/acknowledge/", outsider)

    assert response.status_code == 403
    assert "On-Call" in response.json()["error"]
    incident.refresh_from_db()
    assert incident.acknowledged_at is None


def test_resolving_without_a_root_cause_is_a_400_naming_the_field(api, incident, primary):
    response = api("post", f"/api/incidents/{incident.pk}/resolve/", primary, {"resolution": "x"})

    assert response.status_code == 400 and response.json()["field"] == "root_cause"
    incident.refresh_from_db()
    assert incident.is_open


def test_errors_are_json_401_404_405(api, incident, primary):
    assert api("get", f"/api/incidents/{incident.pk}/", None).status_code == 401
    missing = api("get", "/api/incidents/999999/", primary)
    assert missing.status_code == 404 and missing.json()["error"] == "No such incident."
    wrong = api("get", f"/api/incidents/{incident.pk}/resolve/", primary)
    assert wrong.status_code == 405 and wrong["Allow"] == "POST"
    assert wrong.json()["error"]


def test_the_detail_answers_with_a_token(api, incident, primary):
    assert api("get", f"/api/incidents/{incident.pk}/", primary).json()["id"] == incident.pk
