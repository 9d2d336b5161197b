"""The alert endpoints (D9 §4.3 "Alert fires"), thin: authenticate the integration, validate
the format, hand the group to `incidents.intake`.

- `POST /api/alerts/alertmanager/`: Alertmanager's webhook (version 4) with
  `Authorization: Bearer <integration key>` (its `http_config.authorization`).
- `POST /api/alerts/events/v2/enqueue`: the PagerDuty Events API v2 format; the integration
  key is the `routing_key`; 202 with the `dedup_key`, errors as PagerDuty words them.

Every error is JSON naming the field. An unexpected failure is a 5xx, which makes
Alertmanager retry; the intake is idempotent, so a retry is safe.
"""

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from incidents import intake
from incidents.alert_formats import BadField, load_json_object, parse_alertmanager, parse_event
from incidents.integrations import integration_for_key
from incidents.models import Integration


def _refuse(status: int, message: str, field: str, **extra) -> JsonResponse:
    return JsonResponse({"error": message, "field": field, **extra}, status=status)


def _bearer(request) -> str:
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    return key.strip() if scheme.lower() == "bearer" else ""


def _post_only(request) -> JsonResponse | None:
    if request.method == "POST":
        return None
    response = _refuse(405, "Use POST.", "method")
    response["Allow"] = "POST"
    return response


@csrf_exempt
def alertmanager_webhook(request):
    """Alertmanager's webhook receiver: one incident per alert group."""
    refused = _post_only(request)
    if refused:
        return refused
    integration = integration_for_key(_bearer(request), kind=Integration.Kind.ALERTMANAGER)
    if integration is None:
        response = _refuse(
            401, "A valid Bearer key of an enabled Alertmanager integration is required.", "key"
        )
        response["WWW-Authenticate"] = 'Bearer realm="alerts"'
        return response
    try:
        group = parse_alertmanager(
            load_json_object(request.body),
            severity_label=integration.severity_label,
            workspace_label=integration.workspace_label,
        )
    except BadField as error:
        intake.count_refused(integration)
        return _refuse(400, error.message, error.field)
    outcome = intake.receive(integration=integration, group=group)
    incident = outcome.incident
    return JsonResponse(
        {
            "incident": incident.pk if incident else None,
            "url": request.build_absolute_uri(incident.get_absolute_url()) if incident else None,
            "created": outcome.created,
            "deduplicated": outcome.deduplicated,
        },
        status=201 if outcome.created else 200,
    )


def _invalid_event(error: BadField) -> JsonResponse:
    return JsonResponse(
        {
            "status": "invalid event",
            "message": "Event object is invalid",
            "errors": [error.message],
            "field": error.field,
        },
        status=400,
    )


@csrf_exempt
def events_v2_enqueue(request):
    """The PagerDuty Events API v2 `enqueue` endpoint: trigger, acknowledge, resolve."""
    refused = _post_only(request)
    if refused:
        return refused
    try:
        data = load_json_object(request.body)
    except BadField as error:
        return _invalid_event(error)
    key = data.get("routing_key")
    integration = integration_for_key(
        key if isinstance(key, str) else "", kind=Integration.Kind.EVENTS_V2
    )
    if not key:
        return _invalid_event(BadField("routing_key", "routing_key is required."))
    if integration is None:
        return JsonResponse(
            {
                "status": "unauthorized",
                "message": "routing_key is not the key of an enabled Events v2 integration.",
                "field": "routing_key",
            },
            status=401,
        )
    try:
        action, group = parse_event(data, workspace_label=integration.workspace_label)
    except BadField as error:
        intake.count_refused(integration)
        return _invalid_event(error)
    if action == "acknowledge":
        intake.acknowledge_group(integration=integration, key=group.key)
    else:
        intake.receive(integration=integration, group=group)
    return JsonResponse(
        {"status": "success", "message": "Event processed", "dedup_key": group.key}, status=202
    )
