"""The incident lifecycle for tools and scripts (Bearer API token; JSON only, errors included).

- `GET /api/incidents/?status=open&page=N`: a page of incidents, newest first.
- `GET /api/incidents/<id>/`: one incident.
- `POST /api/incidents/<id>/acknowledge/`, `.../updates/` (D9 §7.3 fields), `.../resolve/`.

The services decide (the authority engine applies to the token's user as to a person); these
views only translate: 400 naming the field, 401, 403 with the reason, 404, 405 with `Allow`.
"""

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import EmptyPage, Paginator
from django.http import JsonResponse
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt

from governance.ops.tokens import user_from_bearer
from incidents import selectors, services
from incidents.models import Incident

PAGE_SIZE = 50
MAX_BODY_BYTES = 64 * 1024


def _error(status: int, message: str, field: str | None = None) -> JsonResponse:
    body = {"error": message}
    if field:
        body["field"] = field
    return JsonResponse(body, status=status)


def incident_json(incident: Incident, request) -> dict:
    return {
        "id": incident.pk,
        "url": request.build_absolute_uri(incident.get_absolute_url()),
        "title": incident.title,
        "severity": incident.severity.key,
        "status": incident.status,
        "workspace": incident.workspace.slug if incident.workspace_id else None,
        "impact": incident.impact,
        "opened_at": incident.opened_at.isoformat(),
        "acknowledged_at": incident.acknowledged_at and incident.acknowledged_at.isoformat(),
        "resolved_at": incident.resolved_at and incident.resolved_at.isoformat(),
        "next_update_at": incident.next_update_at and incident.next_update_at.isoformat(),
        "root_cause": incident.root_cause,
        "resolution": incident.resolution,
    }


def token_api(*methods):
    """A JSON endpoint for token clients: method check (405 with Allow), Bearer token (401),
    refusals of the authority engine (403 with the reason) and bad input (400 naming the
    field) as JSON."""

    def wrap(view):
        @csrf_exempt
        def endpoint(request, *args, **kwargs):
            if request.method not in methods:
                response = _error(405, f"Use {' or '.join(methods)}.")
                response["Allow"] = ", ".join(methods)
                return response
            request.api_user = user_from_bearer(request)
            if request.api_user is None:
                response = _error(401, "A valid, unrevoked Bearer API token is required.")
                response["WWW-Authenticate"] = 'Bearer realm="incidents"'
                return response
            try:
                return view(request, *args, **kwargs)
            except Incident.DoesNotExist:
                return _error(404, "No such incident.")
            except PermissionDenied as error:
                return _error(403, str(error))
            except ValidationError as error:
                field, messages = _first_error(error)
                return _error(400, " ".join(messages), field)

        return endpoint

    return wrap


def _first_error(error: ValidationError) -> tuple[str | None, list[str]]:
    if hasattr(error, "error_dict"):
        field, errors = next(iter(error.message_dict.items()))
        return field, errors
    return None, error.messages


def _body(request) -> dict:
    if len(request.body) > MAX_BODY_BYTES:
        raise ValidationError({"body": f"The body is over {MAX_BODY_BYTES // 1024} KB."})
    try:
        data = json.loads(request.body.decode("utf-8") or "{}")
    except (UnicodeDecodeError, ValueError):
        raise ValidationError({"body": "The body is not valid JSON."}) from None
    if not isinstance(data, dict):
        raise ValidationError({"body": "The body must be a JSON object."})
    return data


def _text(data: dict, field: str) -> str:
    value = data.get(field, "")
    if not isinstance(value, str):
        raise ValidationError({field: f"{field} must be a string."})
    return value


def _incident(pk: int) -> Incident:
    return Incident.objects.select_related("severity", "workspace").get(pk=pk)


@token_api("GET")
def incident_list(request):
    status = request.GET.get("status", "")
    if status and status != "open" and status not in Incident.Status.values:
        raise ValidationError({"status": "status must be open, " + ", ".join(Incident.Status)})
    incidents = selectors.incident_list(status=status).select_related("workspace")
    paginator = Paginator(incidents, PAGE_SIZE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except (EmptyPage, ValueError):
        raise ValidationError({"page": "No such page."}) from None
    return JsonResponse(
        {
            "count": paginator.count,
            "page": page.number,
            "pages": paginator.num_pages,
            "results": [incident_json(incident, request) for incident in page],
        }
    )


@token_api("GET")
def incident_detail(request, pk: int):
    return JsonResponse(incident_json(_incident(pk), request))


@token_api("POST")
def acknowledge(request, pk: int):
    incident = services.acknowledge(incident=_incident(pk), actor=request.api_user)
    return JsonResponse(incident_json(_incident(incident.pk), request))


@token_api("POST")
def post_update(request, pk: int):
    data = _body(request)
    next_update_at = None
    if data.get("next_update_at"):
        next_update_at = parse_datetime(_text(data, "next_update_at"))
        if next_update_at is None or next_update_at.tzinfo is None:
            raise ValidationError({"next_update_at": "next_update_at must be ISO 8601 with zone."})
    update = services.post_update(
        incident=_incident(pk),
        actor=request.api_user,
        status=_text(data, "status"),
        findings=_text(data, "findings"),
        next_steps=_text(data, "next_steps"),
        next_update_at=next_update_at,
    )
    return JsonResponse(
        {"incident": incident_json(_incident(pk), request), "message": update.body}, status=201
    )


@token_api("POST")
def resolve(request, pk: int):
    data = _body(request)
    follow_up = data.get("follow_up_needed", False)
    if not isinstance(follow_up, bool):
        raise ValidationError({"follow_up_needed": "follow_up_needed must be true or false."})
    services.resolve(
        incident=_incident(pk),
        actor=request.api_user,
        root_cause=_text(data, "root_cause"),
        resolution=_text(data, "resolution"),
        follow_up_needed=follow_up,
    )
    return JsonResponse(incident_json(_incident(pk), request))
