"""The two alert formats the portal speaks natively, validated into `intake.GroupIn`.

- Prometheus Alertmanager's webhook payload, version 4 (its `webhook_config` receiver).
- The PagerDuty Events API v2 event (`/v2/enqueue`), which many tools can send to a custom URL.

A malformed delivery raises `BadField` naming the field at fault (`alerts[2].labels`); a valid
one is never refused for what it says (unknown severities and workspaces fall back later).
"""

import datetime
import hashlib
import json
import uuid

from django.utils.dateparse import parse_datetime

from incidents.intake import FIRING, RESOLVED, AlertIn, GroupIn

MAX_BODY_BYTES = 1024 * 1024
# Alertmanager marks "no end yet" with Go's zero time.
GO_ZERO_YEAR = 1
EVENT_ACTIONS = ("trigger", "acknowledge", "resolve")
MAX_DEDUP_KEY = 255
MAX_SUMMARY = 1024


class BadField(Exception):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def load_json_object(raw: bytes) -> dict:
    if len(raw) > MAX_BODY_BYTES:
        raise BadField("body", f"The body is over {MAX_BODY_BYTES // 1024} KB.")
    try:
        data = json.loads(raw.decode("utf-8") or "null")
    except (UnicodeDecodeError, ValueError):
        raise BadField("body", "The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise BadField("body", "The body must be a JSON object.")
    return data


def _string(data: dict, field: str, *, path: str = "", required=False, limit=None) -> str:
    name = f"{path}{field}"
    value = data.get(field)
    if value is None or value == "":
        if required:
            raise BadField(name, f"{name} is required.")
        return ""
    if not isinstance(value, str):
        raise BadField(name, f"{name} must be a string.")
    if limit and len(value) > limit:
        raise BadField(name, f"{name} is longer than {limit} characters.")
    return value


def _string_map(data: dict, field: str, *, path: str = "") -> dict:
    name = f"{path}{field}"
    value = data.get(field)
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise BadField(name, f"{name} must be an object of strings.")
    return value


def _instant(data: dict, field: str, *, path: str) -> datetime.datetime | None:
    text = _string(data, field, path=path)
    if not text:
        return None
    try:
        value = parse_datetime(_trim_fraction(text))
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise BadField(f"{path}{field}", f"{path}{field} must be an RFC 3339 timestamp.")
    return None if value.year == GO_ZERO_YEAR else value


def _trim_fraction(text: str) -> str:
    """Go prints nanoseconds; Python parses at most microseconds."""
    head, dot, rest = text.partition(".")
    if not dot:
        return text
    digits = len(rest) - len(rest.lstrip("0123456789"))
    return f"{head}.{rest[: min(digits, 6)]}{rest[digits:]}"


def parse_alertmanager(data: dict, *, severity_label: str, workspace_label: str) -> GroupIn:
    """Alertmanager's webhook payload, version 4: one delivery per alert group."""
    version = data.get("version")
    if version != "4":
        raise BadField("version", 'version must be "4" (Alertmanager\'s webhook payload).')
    status = _string(data, "status", required=True)
    if status not in (FIRING, RESOLVED):
        raise BadField("status", "status must be firing or resolved.")
    group_key = _string(data, "groupKey", required=True)
    common_labels = _string_map(data, "commonLabels")
    common_annotations = _string_map(data, "commonAnnotations")
    _string_map(data, "groupLabels")
    raw_alerts = data.get("alerts")
    if not isinstance(raw_alerts, list) or not raw_alerts:
        raise BadField("alerts", "alerts must be a non-empty list.")
    alerts = [_alertmanager_alert(raw, index) for index, raw in enumerate(raw_alerts)]
    first = alerts[0]
    labels = common_labels or first.labels
    annotations = common_annotations or first.annotations
    name = labels.get("alertname", "Alert")
    summary = annotations.get("summary", "")
    return GroupIn(
        key=group_key,
        firing=status == FIRING,
        title=f"{name}: {summary}" if summary else name,
        impact=annotations.get("description", summary),
        severity=labels.get(severity_label, ""),
        workspace=labels.get(workspace_label, ""),
        alerts=alerts,
        payload=data,
    )


def _alertmanager_alert(raw, index: int) -> AlertIn:
    path = f"alerts[{index}]."
    if not isinstance(raw, dict):
        raise BadField(f"alerts[{index}]", f"alerts[{index}] must be an object.")
    status = _string(raw, "status", path=path, required=True)
    if status not in (FIRING, RESOLVED):
        raise BadField(f"{path}status", f"{path}status must be firing or resolved.")
    labels = _string_map(raw, "labels", path=path)
    if not labels:
        raise BadField(f"{path}labels", f"{path}labels is required.")
    fingerprint = _string(raw, "fingerprint", path=path, limit=64) or _label_hash(labels)
    return AlertIn(
        fingerprint=fingerprint,
        status=status,
        labels=labels,
        annotations=_string_map(raw, "annotations", path=path),
        generator_url=_string(raw, "generatorURL", path=path, limit=4000),
        starts_at=_instant(raw, "startsAt", path=path),
        ends_at=_instant(raw, "endsAt", path=path),
    )


def _label_hash(labels: dict) -> str:
    return hashlib.sha256(json.dumps(labels, sort_keys=True).encode()).hexdigest()[:16]


def parse_event(data: dict, *, workspace_label: str) -> tuple[str, GroupIn | None]:
    """A PagerDuty Events API v2 alert event: (event_action, group). `trigger` without a
    `dedup_key` gets a new one (so it opens a new incident), as PagerDuty does."""
    _string(data, "routing_key", required=True)
    action = _string(data, "event_action", required=True)
    if action not in EVENT_ACTIONS:
        raise BadField("event_action", "event_action must be trigger, acknowledge or resolve.")
    dedup_key = _string(data, "dedup_key", required=action != "trigger", limit=MAX_DEDUP_KEY)
    if action != "trigger":
        return action, GroupIn(
            key=dedup_key,
            firing=False,
            title="",
            impact="",
            severity="",
            workspace="",
            alerts=[],
            payload=data,
        )
    payload = data.get("payload")
    if not isinstance(payload, dict):
        raise BadField("payload", "payload is required: an object with summary, source, severity.")
    summary = _string(payload, "summary", path="payload.", required=True, limit=MAX_SUMMARY)
    source = _string(payload, "source", path="payload.", required=True, limit=MAX_SUMMARY)
    severity = _string(payload, "severity", path="payload.", required=True, limit=100)
    details = payload.get("custom_details")
    if details is not None and not isinstance(details, dict):
        raise BadField("payload.custom_details", "payload.custom_details must be an object.")
    details = details or {}
    labels = {
        name: value
        for name in ("source", "component", "group", "class")
        if (value := _string(payload, name, path="payload.", limit=MAX_SUMMARY))
    }
    labels["severity"] = severity
    workspace = details.get(workspace_label)
    dedup_key = dedup_key or uuid.uuid4().hex
    alert = AlertIn(
        fingerprint=hashlib.sha256(dedup_key.encode()).hexdigest()[:64],
        status=FIRING,
        labels=labels,
        annotations={"summary": summary, **{k: _text(v) for k, v in details.items()}},
        generator_url=_string(data, "client_url", limit=4000),
        starts_at=_instant(payload, "timestamp", path="payload."),
    )
    return action, GroupIn(
        key=dedup_key,
        firing=True,
        title=summary,
        impact=f"{summary} (source: {source})",
        severity=severity,
        workspace=workspace if isinstance(workspace, str) else "",
        alerts=[alert],
        payload=data,
    )


def _text(value) -> str:
    return value if isinstance(value, str) else json.dumps(value)
