"""GET /api/openapi.json: the API described by django-ninja from the routers' typed signatures
(issue 13 point 4), and the lifecycle behaviours that now rest on ninja's validation."""

import json

import pytest
from django.urls import resolve
from openapi_spec_validator import validate

from governance.models import ApiToken
from incidents.models import Incident

LIFECYCLE = {
    "/api/incidents/": {"get", "post"},
    "/api/incidents/{pk}/": {"get"},
    "/api/incidents/{pk}/acknowledge/": {"post"},
    "/api/incidents/{pk}/updates/": {"post"},
    "/api/incidents/{pk}/resolve/": {"post"},
}


@pytest.fixture
def document(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def test_the_document_is_valid_openapi_3_and_needs_no_token(document):
    validate(document)

    assert document["openapi"].startswith("3.")
    assert document["components"]["securitySchemes"]["BearerToken"] == {
        "type": "http",
        "scheme": "bearer",
    }


def test_every_lifecycle_operation_is_described_with_its_bearer_scheme(document):
    for path, methods in LIFECYCLE.items():
        assert set(document["paths"][path]) == methods, path
        for method in methods:
            operation = document["paths"][path][method]
            assert operation["security"] == [{"BearerToken": []}], (path, method)
            assert {"400", "401", "403", "404"} <= set(operation["responses"]), (path, method)


def test_the_bodies_and_answers_are_described_from_the_schemas(document):
    schemas = document["components"]["schemas"]
    resolve_body = document["paths"]["/api/incidents/{pk}/resolve/"]["post"]["requestBody"]
    alert_body = document["paths"]["/api/incidents/"]["post"]["requestBody"]

    assert "ResolveIn" in json.dumps(resolve_body)
    assert set(schemas["ResolveIn"]["properties"]) == {
        "root_cause",
        "resolution",
        "follow_up_needed",
    }
    assert alert_body["content"]["application/json"]["schema"]["required"] == [
        "title",
        "severity",
    ]
    assert "acknowledged_at" in schemas["IncidentOut"]["properties"]
    assert schemas["IncidentOut"]["properties"]["opened_at"]["format"] == "date-time"


def test_every_described_path_is_a_real_address(document):
    for path in document["paths"]:
        assert resolve(path.replace("{pk}", "1")).url_name, path


@pytest.fixture
def api(client):
    def call(method, path, user, body=None, **extra):
        headers = {}
        if user is not None:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {ApiToken.issue(user=user)[1]}"
        if body is not None:
            extra["data"] = json.dumps(body)
        return getattr(client, method)(path, content_type="application/json", **extra, **headers)

    return call


@pytest.fixture
def incident(deliver, group):
    return Incident.objects.get(pk=deliver(group()).json()["incident"])


def test_the_document_describes_and_the_api_answers_without_a_token_with_401(api, incident):
    response = api("get", "/api/incidents/", None)

    assert response.status_code == 401
    assert "token" in response.json()["error"] and response["WWW-Authenticate"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (
            "resolve",
            {"root_cause": "x", "resolution": "y", "follow_up_needed": "yes"},
            "follow_up_needed",
        ),
        ("resolve", {"root_cause": 42, "resolution": "y"}, "root_cause"),
        ("resolve", ["root_cause"], "body"),
        ("updates", {"status": "x", "findings": ["a"]}, "findings"),
        ("updates", {"status": "x", "next_update_at": "tomorrow"}, "next_update_at"),
    ],
)
def test_a_body_of_the_wrong_type_is_a_400_naming_the_field(
    api, incident, primary, path, body, field
):
    response = api("post", f"/api/incidents/{incident.pk}/{path}/", primary, body)

    assert response.status_code == 400
    assert response.json()["field"] == field and field in response.json()["error"]
    incident.refresh_from_db()
    assert incident.is_open and not incident.root_cause


def test_resolving_with_no_body_is_a_400_naming_the_root_cause(api, incident, primary):
    response = api("post", f"/api/incidents/{incident.pk}/resolve/", primary)

    assert response.status_code == 400 and response.json()["field"] == "root_cause"


def test_a_page_that_is_not_a_number_is_a_400_naming_it(api, incident, primary):
    response = api("get", "/api/incidents/?page=two", primary)

    assert response.status_code == 400 and response.json()["field"] == "page"


def test_the_list_without_a_filter_holds_every_incident(api, incident, primary):
    body = api("get", "/api/incidents/", primary).json()

    assert body["count"] == 1 and body["page"] == 1 and body["results"][0]["id"] == incident.pk


@pytest.mark.parametrize("size", [1, 6])
def test_the_list_costs_the_same_queries_at_any_size(
    api, deliver, group, primary, size, django_assert_max_num_queries
):
    for number in range(size):
        deliver(group(groupKey=f'{{}}:{{alertname="Disk{number}"}}'))
    headers = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user=primary)[1]}"}

    with django_assert_max_num_queries(6):
        response = api("get", "/api/incidents/?status=open", None, **headers)

    assert response.status_code == 200 and response.json()["count"] == size
