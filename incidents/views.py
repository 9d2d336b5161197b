"""Incident pages: list, declare, the incident page and its actions. Views validate input and
call services; the services ask the authority engine and refuse with 403 (PermissionDenied)."""

import datetime
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from governance import authority
from governance.core.refusals import add_refusal_to_form
from governance.models import Severity
from incidents import ack_links, escalation, reviews, selectors, services
from incidents.forms import (
    ClientCommForm,
    DeclareForm,
    EscalateForm,
    ResolveForm,
    ReviewForm,
    SeverityForm,
    UpdateForm,
)
from incidents.models import ClientCommunication, Incident, PostIncidentReview

PAGE_SIZE = 50


@login_required
def incident_list(request):
    status = request.GET.get("status", "")
    severity = request.GET.get("severity", "")
    q = request.GET.get("q", "")
    incidents = selectors.incident_list(status=status, severity=severity, q=q)
    paginator = Paginator(incidents, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "incidents/list.html",
        {
            "page": page,
            "status": status,
            "severity": severity,
            "q": q,
            "statuses": [("open", "Open"), *Incident.Status.choices],
            "severities": Severity.objects.order_by("position").values_list("key", flat=True),
        },
    )


@login_required
def declare(request):
    form = DeclareForm(request.POST or None, initial={"declare_token": uuid.uuid4().hex})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        incident, created = services.open_incident(
            actor=request.user,
            title=data["title"],
            severity=data["severity"],
            impact=data["impact"],
            workspace=data["workspace"],
            client_facing=data["client_facing"],
            review_required=data["review_required"],
            declare_token=data["declare_token"],
        )
        if created:
            messages.success(request, f"Incident #{incident.pk} declared; the On-Call is paged.")
        else:
            messages.info(
                request, f"This form already declared incident #{incident.pk}; here it is."
            )
        return redirect(incident)
    return render(request, "incidents/declare.html", {"form": form})


def _update_initial(incident: Incident) -> dict:
    last = incident.updates.order_by("-posted_at", "-id").first()
    return {
        "status": incident.status
        if incident.status != Incident.Status.RESOLVED
        else Incident.Status.INVESTIGATING,
        "findings": "",
        "next_steps": (last.values.get("action", "") if last else ""),
    }


def _update_form(data=None, **kwargs) -> UpdateForm:
    cadence = int(escalation.update_cadence().total_seconds() // 60)
    return UpdateForm(data, cadence_minutes=cadence, **kwargs)


def _detail(request, incident: Incident, *, forms=None, status=200):
    incident = selectors.get_incident_for_user(request.user, incident.pk)
    forms = forms or {}
    communications_page, communications = selectors.client_communications(
        incident, request.user, request.GET.get("comms")
    )
    events_page, events = selectors.timeline_page(incident, request.GET.get("timeline"))
    updates_page, updates = selectors.messages_page(incident, request.GET.get("messages"))
    context = {
        "incident": incident,
        "events": events,
        "events_page": events_page,
        "updates": updates,
        "updates_page": updates_page,
        "steps": list(
            incident.steps.select_related("role").filter(kind__in=["ladder", "response"])
        ),
        "actions": selectors.allowed_actions(request.user, incident),
        "update_form": forms.get("update") or _update_form(initial=_update_initial(incident)),
        "resolve_form": forms.get("resolve") or ResolveForm(),
        "severity_form": forms.get("severity")
        or SeverityForm(initial={"severity": incident.severity.key}),
        "review_form": forms.get("review") or ReviewForm(),
        "escalate_form": forms.get("escalate") or EscalateForm(),
        "comm_form": forms.get("comm") or ClientCommForm(),
        "review": PostIncidentReview.objects.filter(incident=incident)
        .select_related("accountable", "responsible", "filed_by")
        .first(),
        "communications": communications,
        "communications_page": communications_page,
        "tickets": selectors.follow_up_tickets(incident, request.user),
        "today": timezone.localdate(),
        "responders": list(incident.responders.select_related("user", "role")),
        "alert_source": selectors.alert_source(incident),
    }
    review = context["review"]
    context["may_file_review"] = bool(
        review
        and review.status == review.Status.OPEN
        and services.authority.decide(request.user, "incident.review.file", obj=review)
    )
    return render(request, "incidents/detail.html", context, status=status)


@login_required
def detail(request, pk: int):
    return _detail(request, selectors.get_incident_for_user(request.user, pk))


@login_required
@require_POST
def acknowledge(request, pk: int):
    incident = selectors.get_incident_for_user(request.user, pk)
    services.acknowledge(incident=incident, actor=request.user)
    messages.success(request, "Acknowledged. The response track has stopped.")
    return redirect(incident)


@login_required
def acknowledge_link(request, token: str):
    """The one-click link of a page. GET only shows what it will do (mail scanners follow
    links); the POST acknowledges, once. A tampered, expired or used link changes nothing."""
    try:
        link = ack_links.read(token, user=request.user)
    except ValidationError as error:
        return render(
            request, "incidents/acknowledge_link.html", {"error": error.messages[0]}, status=400
        )
    incident = link.incident
    if incident.acknowledged_at or not incident.is_open:
        messages.info(request, "This incident was already acknowledged; here it is.")
        return redirect(incident)
    if request.method == "POST":
        try:
            services.acknowledge_from_link(token=token, actor=request.user, at=timezone.now())
        except ValidationError as error:
            context = {"error": error.messages[0]}
            return render(request, "incidents/acknowledge_link.html", context, status=400)
        messages.success(request, "Acknowledged from the page. The response track has stopped.")
        return redirect(incident)
    return render(request, "incidents/acknowledge_link.html", {"incident": incident})


@login_required
@require_POST
def post_update(request, pk: int):
    incident = selectors.get_incident_for_user(request.user, pk)
    authority.require(request.user, "incident.update", obj=incident)
    form = _update_form(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.post_update(
                incident=incident,
                actor=request.user,
                status=data["status"],
                findings=data["findings"],
                next_steps=data["next_steps"],
                next_update_at=timezone.now() + datetime.timedelta(minutes=data["next_update_in"]),
            )
        except ValidationError as error:
            if hasattr(error, "error_dict") and "next_update_at" in error.error_dict:
                error.error_dict["next_update_in"] = error.error_dict.pop("next_update_at")
            add_refusal_to_form(form, error)
        else:
            messages.success(request, "Update posted and mailed.")
            return redirect(incident)
    return _detail(request, incident, forms={"update": form}, status=400)


@login_required
@require_POST
def resolve(request, pk: int):
    incident = selectors.get_incident_for_user(request.user, pk)
    authority.require(request.user, "incident.resolve", obj=incident)
    form = ResolveForm(request.POST)
    if form.is_valid():
        try:
            services.resolve(incident=incident, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_refusal_to_form(form, error)
        else:
            messages.success(request, "Resolved; both escalation tracks have stopped.")
            return redirect(incident)
    return _detail(request, incident, forms={"resolve": form}, status=400)


@login_required
@require_POST
def change_severity(request, pk: int):
    incident = selectors.get_incident_for_user(request.user, pk)
    authority.require(request.user, "incident.update", obj=incident)
    form = SeverityForm(request.POST)
    if form.is_valid():
        try:
            services.change_severity(
                incident=incident, actor=request.user, severity=form.cleaned_data["severity"]
            )
        except ValidationError as error:
            add_refusal_to_form(form, error)
        else:
            messages.success(request, "Severity changed; the new ladder applies from now.")
            return redirect(incident)
    return _detail(request, incident, forms={"severity": form}, status=400)


@login_required
@require_POST
def escalate(request, pk: int):
    incident = selectors.get_incident_for_user(request.user, pk)
    authority.require(request.user, "incident.escalate", obj=incident)
    form = EscalateForm(request.POST)
    if form.is_valid():
        try:
            paged = services.escalate_incident(
                incident=incident,
                actor=request.user,
                target=form.cleaned_data["target"],
                responder=form.cleaned_data["responder"],
            )
        except ValidationError as error:
            add_refusal_to_form(form, error)
        else:
            names = ", ".join(p.get_full_name() or p.username for p in paged)
            messages.success(request, f"Escalated: paged {names or 'nobody new'}.")
            return redirect(incident)
    return _detail(request, incident, forms={"escalate": form}, status=400)


@login_required
@require_POST
def mark_client_facing(request, pk: int):
    incident = selectors.get_incident_for_user(request.user, pk)
    try:
        services.mark_client_facing(incident=incident, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, "Marked client-facing; the escalation path reaches beyond the On-Call."
        )
    return redirect(incident)


@login_required
@require_POST
def file_review(request, pk: int):
    incident = selectors.get_incident_for_user(request.user, pk)
    review = get_object_or_404(PostIncidentReview, incident=incident)
    authority.require(request.user, "incident.review.file", obj=review)
    form = ReviewForm(request.POST)
    if form.is_valid():
        reviews.file_review(review=review, actor=request.user, **form.cleaned_data)
        messages.success(request, "Post-incident review filed; the Owner is asked to sign it off.")
        return redirect(incident)
    return _detail(request, incident, forms={"review": form}, status=400)


@login_required
@require_POST
def draft_client_comm(request, pk: int):
    incident = selectors.get_incident_for_user(request.user, pk)
    authority.require(request.user, "incident.client_comm.draft", obj=incident)
    form = ClientCommForm(request.POST)
    if form.is_valid():
        try:
            communication = services.draft_client_communication(
                incident=incident, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_refusal_to_form(form, error)
        else:
            if communication.published_at:
                messages.success(request, "Published on the status page; mail is under way.")
            else:
                messages.success(request, "Saved; the approvers are asked to approve it.")
            return redirect(incident)
    return _detail(request, incident, forms={"comm": form}, status=400)


@login_required
@require_POST
def approve_client_comm(request, pk: int, comm_pk: int):
    communication = get_object_or_404(ClientCommunication, pk=comm_pk, incident_id=pk)
    services.approve_client_communication(communication=communication, actor=request.user)
    communication.refresh_from_db()
    if communication.published_at:
        messages.success(request, "Approved and published; mail to the subscribers is under way.")
    else:
        messages.success(request, "Approval recorded; the other approvers are still asked.")
    return redirect(communication.incident)
