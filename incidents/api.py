"""`POST /api/incidents/`: alerts open incidents (Bearer token, JSON in and out).

The same open `dedupe_key` returns the open incident (200) instead of a new one (201). Bad input
gets a 400 whose JSON names the field; no token or a revoked one gets a 401. CSRF does not apply
(no cookies: the Bearer token is the credential).
"""

import json

from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.utils.text import slugify
from django.views.decorators.csrf import csrf_exempt

from governance.models import Severity, Workspace
from governance.ops.tokens import user_from_bearer
from incidents import lifecycle_api, services

MAX_BODY_BYTES = 64 * 1024
STRING_FIELDS = {"title": 200, "impact": 5000, "workspace": 60, "dedupe_key": 200}


class BadInput(Exception):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def _error(status: int, message: str, field: str | None = None) -> JsonResponse:
    body = {"error": message}
    if field:
        body["field"] = field
    return JsonResponse(body, status=status)


def parse_alert(raw: bytes) -> dict:
    """Validate an alert body into the fields of `open_incident`; raise BadInput naming the
    field at fault."""
    if len(raw) > MAX_BODY_BYTES:
        raise BadInput("body", f"The body is over {MAX_BODY_BYTES // 1024} KB.")
    try:
        data = json.loads(raw.decode("utf-8") or "null")
    except (UnicodeDecodeError, ValueError):
        raise BadInput("body", "The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise BadInput("body", "The body must be a JSON object.")
    for field, limit in STRING_FIELDS.items():
        value = data.get(field)
        if value is not None and not isinstance(value, str):
            raise BadInput(field, f"{field} must be a string.")
        if value is not None and len(value) > limit:
            raise BadInput(field, f"{field} is longer than {limit} characters.")
    title = (data.get("title") or "").strip()
    if not title:
        raise BadInput("title", "title is required.")
    severity_key = data.get("severity")
    if not isinstance(severity_key, str):
        raise BadInput("severity", "severity is required: one of " + _keys() + ".")
    severity = Severity.objects.filter(key=severity_key.strip().upper()).first()
    if severity is None:
        raise BadInput("severity", f"Unknown severity {severity_key!r}; use one of {_keys()}.")
    workspace = _workspace((data.get("workspace") or "").strip())
    client_facing = data.get("client_facing", False)
    if not isinstance(client_facing, bool):
        raise BadInput("client_facing", "client_facing must be true or false.")
    return {
        "title": title,
        "severity": severity,
        "impact": (data.get("impact") or "").strip(),
        "workspace": workspace,
        "dedupe_key": (data.get("dedupe_key") or "").strip(),
        "client_facing": client_facing,
    }


def _workspace(slug: str) -> Workspace | None:
    """The workspace an alert names by slug; empty: global."""
    if not slug:
        return None
    if slugify(slug) != slug:
        raise BadInput("workspace", "workspace must be a workspace slug (e.g. acme-corp).")
    workspace = Workspace.objects.filter(slug=slug).first()
    if workspace is None:
        raise BadInput("workspace", f"Unknown workspace {slug!r}; leave it out for global.")
    return workspace


def _keys() -> str:
    return ", ".join(Severity.objects.order_by("position").values_list("key", flat=True))


@csrf_exempt
def incidents_api(request):
    """Open an incident from an alert (DESIGN "Public interfaces": POST /api/incidents/); GET
    lists incidents (`incidents.lifecycle_api`)."""
    if request.method == "GET":
        return lifecycle_api.incident_list(request)
    if request.method != "POST":
        response = _error(405, "Use GET or POST.")
        response["Allow"] = "GET, POST"
        return response
    user = user_from_bearer(request)
    if user is None:
        response = _error(401, "A valid, unrevoked Bearer API token is required.")
        response["WWW-Authenticate"] = 'Bearer realm="incidents"'
        return response
    length = int(request.headers.get("Content-Length") or 0)
    if length > MAX_BODY_BYTES:
        return _error(400, f"The body is over {MAX_BODY_BYTES // 1024} KB.", "body")
    try:
        fields = parse_alert(request.body)
    except BadInput as error:
        return _error(400, error.message, error.field)
    try:
        incident, created = services.open_incident(actor=user, **fields)
    except PermissionDenied as error:
        return _error(403, str(error))
    return JsonResponse(
        {
            "id": incident.pk,
            "url": request.build_absolute_uri(incident.get_absolute_url()),
            "severity": incident.severity.key,
            "status": incident.status,
            "created": created,
        },
        status=201 if created else 200,
    )
