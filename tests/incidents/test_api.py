"""POST /api/incidents/: Bearer token, JSON in and out, deduplicated by dedupe_key."""

import json

import pytest
from django.utils import timezone

from governance.models import ApiToken
from incidents.models import Incident

URL = "/api/incidents/"


@pytest.fixture
def token(alerter):
    _, key = ApiToken.issue(user=alerter, name="alertmanager")
    return key


@pytest.fixture
def post(client, token):
    def send(body, *, key=token, raw=None):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
        data = raw if raw is not None else json.dumps(body)
        return client.post(URL, data=data, content_type="application/json", **headers)

    return send


ALERT = {"title": "Circuit breaker OPEN", "severity": "P1", "impact": "All uploads failing"}


def test_an_alert_opens_an_incident_with_201(crew, post, acme):
    response = post({**ALERT, "workspace": "acme", "dedupe_key": "cb-open"})

    assert response.status_code == 201
    body = response.json()
    incident = Incident.objects.get(pk=body["id"])
    assert body["severity"] == "P1" and body["status"] == "investigating"
    assert body["url"].endswith(f"/incidents/{incident.pk}/")
    assert incident.workspace == acme and incident.on_call_primary == crew["primary"]
    assert incident.scope == "workspace acme"


def test_an_alert_without_a_workspace_is_global(crew, post, acme):
    incident = Incident.objects.get(pk=post(ALERT).json()["id"])
    assert incident.workspace is None and incident.scope == "global"


def test_an_alert_naming_an_unknown_workspace_is_a_400_naming_the_field(crew, post, acme):
    response = post({**ALERT, "workspace": "globex"})

    assert response.status_code == 400
    assert response.json()["field"] == "workspace"
    assert "Unknown workspace 'globex'" in response.json()["error"]
    assert not Incident.objects.exists()


def test_the_same_alert_twice_is_one_incident_with_200(crew, post):
    first = post({**ALERT, "dedupe_key": "cb-open"})
    second = post({**ALERT, "dedupe_key": "cb-open"})

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Incident.objects.count() == 1


def test_the_same_key_after_resolution_opens_a_new_incident(crew, post):
    from incidents import services

    first = Incident.objects.get(pk=post({**ALERT, "dedupe_key": "k"}).json()["id"])
    services.resolve(incident=first, actor=crew["primary"], root_cause="x", resolution="y")

    assert post({**ALERT, "dedupe_key": "k"}).status_code == 201


def test_alerts_without_a_key_are_never_merged(crew, post):
    assert post(ALERT).status_code == 201
    assert post(ALERT).status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**ALERT, "severity": "P9"}, "severity"),
        ({k: v for k, v in ALERT.items() if k != "severity"}, "severity"),
        ({k: v for k, v in ALERT.items() if k != "title"}, "title"),
        ({**ALERT, "title": "   "}, "title"),
        ({**ALERT, "title": 42}, "title"),
        ({**ALERT, "impact": ["a"]}, "impact"),
        ({**ALERT, "dedupe_key": 7}, "dedupe_key"),
        ({**ALERT, "workspace": "Not A Slug"}, "workspace"),
        ({**ALERT, "workspace": "no-such-workspace"}, "workspace"),
        ({**ALERT, "workspace": 3}, "workspace"),
        ({**ALERT, "client_facing": "yes"}, "client_facing"),
        ([ALERT], "body"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(crew, post, body, field):
    response = post(body)

    assert response.status_code == 400
    assert response.json()["field"] == field
    assert field.split("_")[0] in response.json()["error"] or field == "body"
    assert not Incident.objects.exists()


def test_a_body_that_is_not_json_is_a_400(crew, post):
    response = post(None, raw="{not json")
    assert response.status_code == 400 and response.json()["field"] == "body"


def test_a_body_over_64_kb_is_a_400(crew, post):
    response = post({**ALERT, "impact": "x" * (65 * 1024)})
    assert response.status_code == 400 and response.json()["field"] == "body"
    assert not Incident.objects.exists()


def test_no_token_is_a_401(crew, post):
    response = post(ALERT, key=None)
    assert response.status_code == 401 and "token" in response.json()["error"]
    assert not Incident.objects.exists()


def test_a_revoked_token_is_a_401(crew, post, token):
    ApiToken.objects.update(revoked_at=timezone.now())
    assert post(ALERT, key=token).status_code == 401
    assert not Incident.objects.exists()


def test_a_wrong_token_is_a_401(crew, post):
    assert post(ALERT, key="gp_wrong").status_code == 401


def test_only_get_and_post_are_allowed(crew, client, token):
    response = client.put(URL, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"
