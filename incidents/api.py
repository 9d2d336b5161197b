"""The alert body of `POST /api/incidents/` (the operation is in `incidents.lifecycle_api`):
validated field by field against the policy data, each refusal naming its field.
"""

import json

from django.utils.text import slugify

from governance.models import Severity, Workspace

MAX_BODY_BYTES = 64 * 1024
STRING_FIELDS = {"title": 200, "impact": 5000, "workspace": 60, "dedupe_key": 200}


class BadInput(Exception):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


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
