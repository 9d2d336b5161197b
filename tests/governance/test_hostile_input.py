"""Issue 18, point 3: no 500 from input. Each hostile input answers a 4xx with a clear message
(JSON naming the field for API clients) and changes no row. Run on PostgreSQL too, where NUL
characters cannot be stored at all."""

import json

import pytest
from django.apps import apps
from django.urls import path
from django.utils import timezone

from governance.models import ApiToken
from rotations import reminders
from rotations.models import Handoff

pytestmark = pytest.mark.django_db

NUL = "\x00"
DEEP = "[" * 10_000 + "]" * 10_000
ALERT = {"title": "Uploads failing", "severity": "P1", "impact": "All uploads"}


def row_counts() -> dict[str, int]:
    models = [
        model
        for label in ("governance", "incidents", "rotations", "auth")
        for model in apps.get_app_config(label).get_models()
    ]
    return {model._meta.label: model._default_manager.count() for model in models}


@pytest.fixture
def world(rotation, owner, sre_lead, pm, make_user):
    now = timezone.now()
    reminders.keep_generated(now=now)
    handoff = Handoff.objects.filter(rotation=rotation, at__gt=now).order_by("at").first()
    _, key = ApiToken.issue(user=make_user("alerter"), name="alerts")
    return {"owner": owner, "handoff": handoff, "key": key}


def _handoff(world):
    return f"/rotations/handoffs/{world['handoff'].pk}/"


# (id, method, url or url(world), data, content type, field or phrase the answer names)
CASES = [
    (
        "api-nul-in-json",
        "post",
        "/api/incidents/",
        json.dumps({**ALERT, "title": "a\x00b"}),
        "json",
        "title",
    ),
    (
        "api-lone-surrogate",
        "post",
        "/api/incidents/",
        '{"title": "\\ud800", "severity": "P1"}',
        "json",
        "title",
    ),
    (
        "api-nul-in-key",
        "post",
        "/api/incidents/",
        '{"ti\\u0000tle": "x", "severity": "P1"}',
        "json",
        "contains a NUL",
    ),
    ("api-json-10000-deep", "post", "/api/incidents/", DEEP, "json", "deeper than"),
    (
        "api-json-too-big",
        "post",
        "/api/incidents/",
        json.dumps({**ALERT, "impact": "x" * 300_000}),
        "json",
        "over",
    ),
    ("api-not-json", "post", "/api/incidents/", "{nope", "json", "not valid JSON"),
    ("api-oncall-year-1", "get", "/api/oncall/?at=0001-01-01T00:00:00%2B00:00", None, None, "at"),
    (
        "api-oncall-year-9999",
        "get",
        "/api/oncall/?at=9999-12-31T23:59:59%2B00:00",
        None,
        None,
        "at",
    ),
    ("api-oncall-not-a-date", "get", "/api/oncall/?at=abc", None, None, "at"),
    ("api-oncall-nul", "get", "/api/oncall/?rotation=a%00b", None, None, "rotation"),
    ("api-killswitch-nul", "get", "/api/kill-switch/?workspace=%00", None, None, "workspace"),
    ("api-unknown-address", "get", "/api/nope/", None, None, "Not Found"),
    ("api-wrong-method", "delete", "/api/oncall/", None, None, "Method Not Allowed"),
    (
        "form-nul-login",
        "post",
        "/login/",
        {"username": "a\x00", "password": "x"},
        "form",
        "username",
    ),
    (
        "form-nul-declare",
        "post",
        "/incidents/declare/",
        {"title": "t\x00", "severity": "P1", "impact": "x"},
        "form",
        "title",
    ),
    ("form-nul-activate", "post", "/kill-switch/activate/", {"reason": NUL}, "form", "reason"),
    ("query-nul-incidents", "get", "/incidents/?q=%00", None, None, "q"),
    ("path-nul", "get", "/rotations/a%00b/", None, None, "address"),
    ("month-9999-12", "get", "/compliance/?month=9999-12", None, None, "month"),
    ("month-0001-01", "get", "/compliance/?month=0001-01", None, None, "month"),
    ("month-abc", "get", "/compliance/?month=abc", None, None, "month"),
    ("killswitch-log-from-abc", "get", "/kill-switch/?from=abc", None, None, "from"),
    ("killswitch-log-to-feb-30", "get", "/kill-switch/?to=2026-02-30", None, None, "to"),
    ("killswitch-log-from-year-1", "get", "/kill-switch/?from=0001-01-01", None, None, "from"),
    ("evidence-month-13", "get", "/compliance/evidence/month/2026-13.zip", None, None, "month"),
    ("evidence-month-0", "get", "/compliance/evidence/month/2026-0.zip", None, None, "month"),
    ("evidence-year-0", "get", "/compliance/evidence/month/0-01.zip", None, None, "month"),
    ("evidence-year-99999", "get", "/compliance/evidence/month/99999-12.zip", None, None, "month"),
    ("handoff-item-abc", "post", _handoff, {"item": "abc", "checked": "1"}, "form", "item"),
    ("handoff-item-huge", "post", _handoff, {"item": "9" * 30, "checked": "1"}, "form", "item"),
    (
        "who-may-scenario-abc",
        "get",
        "/authority/?action=killswitch.activate&scenario=abc",
        None,
        None,
        "scenario",
    ),
    (
        "who-may-object-abc",
        "get",
        "/authority/?action=approval.decide&object=abc",
        None,
        None,
        "object",
    ),
]


@pytest.mark.parametrize(
    "method,url,data,kind,named", [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_hostile_input_is_a_4xx_with_a_clear_message_and_changes_nothing(
    client, world, method, url, data, kind, named
):
    client.raise_request_exception = False
    client.force_login(world["owner"])
    url = url(world) if callable(url) else url
    headers = {"HTTP_AUTHORIZATION": f"Bearer {world['key']}"} if url.startswith("/api/") else {}
    if url.startswith("/api/"):
        client.logout()
    before = row_counts()

    if kind == "json":
        response = client.post(url, data=data, content_type="application/json", **headers)
    elif kind == "form":
        response = client.post(url, data, **headers)
    else:
        response = getattr(client, method)(url, **headers)

    assert 400 <= response.status_code < 500, response.content[:300]
    if url.startswith("/api/"):
        body = response.json()
        assert named in body["error"] or body.get("field") == named
    else:
        assert named in response.content.decode()
    assert row_counts() == before


def test_a_well_formed_alert_still_opens_an_incident(client, world):
    response = client.post(
        "/api/incidents/",
        data=json.dumps(ALERT),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {world['key']}",
    )

    assert response.status_code == 201


def test_the_valid_filters_still_work(client, world):
    client.force_login(world["owner"])
    assert client.get("/kill-switch/?from=2026-01-01&to=2026-12-31").status_code == 200
    assert client.get("/compliance/?month=2026-02").status_code == 200
    at = "/api/oncall/?at=2030-01-16T10:00:00%2B00:00"
    assert client.get(at).status_code == 200
    assert client.get("/compliance/evidence/month/2026-02.zip").status_code == 200


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("api/boom/", boom)]


def test_a_server_error_under_the_api_is_json(client, settings, world):
    settings.ROOT_URLCONF = __name__
    client.raise_request_exception = False

    response = client.get("/api/boom/", HTTP_AUTHORIZATION=f"Bearer {world['key']}")

    assert response.status_code == 500
    assert response.json() == {"error": "Internal Server Error"}


def test_a_token_client_gets_json_errors_outside_the_api_too(client, world):
    response = client.get("/no-such-page/", HTTP_AUTHORIZATION=f"Bearer {world['key']}")

    assert response.status_code == 404
    assert response.json()["error"] == "Not Found"
