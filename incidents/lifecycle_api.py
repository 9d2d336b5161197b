"""The incidents API for tools and scripts, a django-ninja router (Bearer API token; JSON only,
errors included). Mounted on the portal's `NinjaAPI` (governance/portal/api.py), which turns
these typed signatures into the OpenAPI document at `/api/openapi.json`.

- `POST /api/incidents/`: open an incident from an alert, deduplicated by `dedupe_key`.
- `GET /api/incidents/?status=open&page=N`: a page of incidents, newest first.
- `GET /api/incidents/<id>/`: one incident.
- `POST /api/incidents/<id>/acknowledge/`, `.../updates/` (D9 §7.3 fields), `.../resolve/`,
  `.../client-facing/` (D9 §4.3), `.../escalate/` (D9 §1.1).

The services decide (the authority engine applies to the token's user as to a person); these
operations only translate, and the API's handlers answer 400 naming the field, 401, 403 with the
reason, 404; 405 with `Allow` for a wrong method.
"""

from typing import Annotated

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, Paginator
from django.utils.dateparse import parse_datetime
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import StrictBool, StrictStr

from incidents import selectors, services
from incidents.api import STRING_FIELDS, BadInput, parse_alert
from incidents.models import Incident

PAGE_SIZE = 50

router = Router(tags=["incidents"])

# Timestamps stay Python's isoformat() text, as the API always answered, not pydantic's.
Timestamp = Annotated[str, Field(json_schema_extra={"format": "date-time"})]


class IncidentOut(Schema):
    id: int
    url: str = Field(description="The incident's page.")
    title: str
    severity: str = Field(description="The D9 severity key, e.g. P1.")
    status: str
    workspace: str | None = Field(description="The workspace slug; null for global.")
    impact: str
    client_facing: bool = Field(description="D9 §4.3: a P3 escalates only if client-facing.")
    opened_at: Timestamp
    acknowledged_at: Timestamp | None
    resolved_at: Timestamp | None
    next_update_at: Timestamp | None
    root_cause: str
    resolution: str


class IncidentPage(Schema):
    count: int
    page: int
    pages: int
    results: list[IncidentOut]


class Error(Schema):
    error: str
    field: str | None = Field(None, description="The input at fault, for a 400.")


class AlertIn(Schema):
    """The alert body; validated by `incidents.api.parse_alert` (severity and workspace are
    looked up in the policy data), described here for the document."""

    title: str = Field(max_length=STRING_FIELDS["title"])
    severity: str = Field(description="A D9 severity key: P1, P2 or P3.")
    impact: str = Field("", max_length=STRING_FIELDS["impact"])
    workspace: str | None = Field(
        None, max_length=STRING_FIELDS["workspace"], description="A workspace slug; omit: global."
    )
    dedupe_key: str | None = Field(
        None,
        max_length=STRING_FIELDS["dedupe_key"],
        description="The same key while its incident is open returns that incident (200).",
    )
    client_facing: bool = False


class OpenedOut(Schema):
    id: int
    url: str
    severity: str
    status: str
    created: bool = Field(description="False: the open incident of the same dedupe_key.")


class UpdateIn(Schema):
    status: StrictStr = ""
    findings: StrictStr = ""
    next_steps: StrictStr = ""
    next_update_at: StrictStr | None = Field(
        None, json_schema_extra={"format": "date-time"}, description="ISO 8601 with a zone."
    )


class UpdateOut(Schema):
    incident: IncidentOut
    message: str = Field(description="The update as posted, from the D9 §7.3 template.")


class ResolveIn(Schema):
    root_cause: StrictStr = ""
    resolution: StrictStr = ""
    follow_up_needed: StrictBool = False


ERRORS = {400: Error, 401: Error, 403: Error, 404: Error}


def incident_json(incident: Incident, request) -> dict:
    return {
        "id": incident.pk,
        "url": request.build_absolute_uri(incident.get_absolute_url()),
        "title": incident.title,
        "severity": incident.severity.key,
        "status": incident.status,
        "workspace": incident.workspace.slug if incident.workspace_id else None,
        "impact": incident.impact,
        "client_facing": incident.client_facing,
        "opened_at": incident.opened_at.isoformat(),
        "acknowledged_at": incident.acknowledged_at and incident.acknowledged_at.isoformat(),
        "resolved_at": incident.resolved_at and incident.resolved_at.isoformat(),
        "next_update_at": incident.next_update_at and incident.next_update_at.isoformat(),
        "root_cause": incident.root_cause,
        "resolution": incident.resolution,
    }


def _incident(pk: int) -> Incident:
    incident = Incident.objects.select_related("severity", "workspace").filter(pk=pk).first()
    if incident is None:
        raise HttpError(404, "No such incident.")
    return incident


@router.post(
    "",
    response={201: OpenedOut, 200: OpenedOut, **ERRORS},
    summary="Open an incident from an alert",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": AlertIn.model_json_schema()}},
        }
    },
)
def open_incident(request):
    """DESIGN "Public interfaces": POST /api/incidents/. The body is read by `parse_alert`, not
    by ninja, so its messages and its checks against the policy data stay the contract."""
    try:
        fields = parse_alert(request.body)
    except BadInput as error:
        raise ValidationError({error.field: error.message}) from None
    incident, created = services.open_incident(actor=request.auth, **fields)
    return Status(
        201 if created else 200,
        {
            "id": incident.pk,
            "url": request.build_absolute_uri(incident.get_absolute_url()),
            "severity": incident.severity.key,
            "status": incident.status,
            "created": created,
        },
    )


@router.get("", response={200: IncidentPage, **ERRORS}, summary="List incidents")
def incident_list(
    request,
    status: str = Query("", description="open, or one status; empty: all."),
    page: int = 1,
):
    if status and status != "open" and status not in Incident.Status.values:
        raise ValidationError({"status": "status must be open, " + ", ".join(Incident.Status)})
    incidents = selectors.incident_list(status=status).select_related("workspace")
    paginator = Paginator(incidents, PAGE_SIZE)
    try:
        current = paginator.page(page)
    except EmptyPage:
        raise ValidationError({"page": "No such page."}) from None
    return {
        "count": paginator.count,
        "page": current.number,
        "pages": paginator.num_pages,
        "results": [incident_json(incident, request) for incident in current],
    }


@router.get("{int:pk}/", response={200: IncidentOut, **ERRORS}, summary="One incident")
def incident_detail(request, pk: int):
    return incident_json(_incident(pk), request)


@router.post("{int:pk}/acknowledge/", response={200: IncidentOut, **ERRORS}, summary="Acknowledge")
def acknowledge(request, pk: int):
    incident = services.acknowledge(incident=_incident(pk), actor=request.auth)
    return incident_json(_incident(incident.pk), request)


@router.post(
    "{int:pk}/updates/", response={201: UpdateOut, **ERRORS}, summary="Post a D9 §7.3 update"
)
def post_update(request, pk: int, data: UpdateIn = None):
    data = data or UpdateIn()
    next_update_at = None
    if data.next_update_at:
        next_update_at = parse_datetime(data.next_update_at)
        if next_update_at is None or next_update_at.tzinfo is None:
            raise ValidationError({"next_update_at": "next_update_at must be ISO 8601 with zone."})
    update = services.post_update(
        incident=_incident(pk),
        actor=request.auth,
        status=data.status,
        findings=data.findings,
        next_steps=data.next_steps,
        next_update_at=next_update_at,
    )
    return Status(201, {"incident": incident_json(_incident(pk), request), "message": update.body})


class EscalateIn(Schema):
    target: str = Field(description="secondary, next_tier or responder (D9 §1.1, §4.3).")
    responder: str = Field("", description="The username to add, for target responder.")


@router.post(
    "{int:pk}/escalate/",
    response={200: IncidentOut, **ERRORS},
    summary="Escalate now: page the secondary, the next tier or a named responder",
)
def escalate(request, pk: int, data: EscalateIn):
    responder = None
    if data.target == "responder":
        responder = get_user_model().objects.filter(username=data.responder).first()
        if responder is None:
            raise ValidationError({"responder": "No such user."})
    services.escalate_incident(
        incident=_incident(pk), actor=request.auth, target=data.target, responder=responder
    )
    return incident_json(_incident(pk), request)


@router.post(
    "{int:pk}/client-facing/",
    response={200: IncidentOut, **ERRORS},
    summary="Mark client-facing (D9 §4.3: escalates beyond the On-Call)",
)
def mark_client_facing(request, pk: int):
    services.mark_client_facing(incident=_incident(pk), actor=request.auth)
    return incident_json(_incident(pk), request)


@router.post(
    "{int:pk}/resolve/",
    response={200: IncidentOut, **ERRORS},
    summary="Resolve with root cause and resolution",
)
def resolve(request, pk: int, data: ResolveIn = None):
    data = data or ResolveIn()
    services.resolve(
        incident=_incident(pk),
        actor=request.auth,
        root_cause=data.root_cause,
        resolution=data.resolution,
        follow_up_needed=data.follow_up_needed,
    )
    return incident_json(_incident(pk), request)
