"""Kill-switch pages: state and log (with filters and CSV), activate, approve/reject, resume.

Thin callers: the authority engine decides, the services in governance.killswitch and
governance.approvals execute.
"""

from datetime import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from governance import authority
from governance.core import inputs
from governance.core.refusals import refusal_messages, report_refusal
from governance.core.spreadsheet import SpreadsheetSafeWriter
from governance.killswitch import services as killswitch
from governance.killswitch.authority import resume_row
from governance.models import (
    ApprovalDecision,
    ApprovalRequest,
    KillSwitchActivation,
    KillSwitchLogEntry,
    KillSwitchScenario,
    Severity,
    Workspace,
)

app_name = "killswitch"


class ActivateForm(forms.Form):
    scenario = forms.ModelChoiceField(
        queryset=KillSwitchScenario.objects.all(), empty_label=None, label="Scenario (D9 §5.1)"
    )
    severity = forms.ModelChoiceField(
        queryset=Severity.objects.all(), empty_label=None, label="Severity (D9 §4.1)"
    )
    workspace = forms.ModelChoiceField(
        queryset=Workspace.objects.all(),
        required=False,
        empty_label="Global (every workspace)",
        label="Scope",
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    starts_at = forms.DateTimeField(
        required=False,
        label="Starts at (planned maintenance only)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


class RescheduleForm(forms.Form):
    starts_at = forms.DateTimeField(
        label="New start", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


def _scenario_table(user, *, at: datetime) -> list[dict]:
    """What follows each scenario for this user, globally and for a workspace (form preview)."""
    severity = Severity.objects.first()
    workspace = Workspace.objects.first()
    rows = []
    for scenario in KillSwitchScenario.objects.select_related("activator", "approver", "notify"):
        for ws in [None, workspace] if workspace else [None]:
            starts = at + timezone.timedelta(minutes=scenario.approval_minutes or 0)
            plan = killswitch.build_activation(
                actor=user,
                scenario=scenario,
                severity=severity,
                reason="",
                workspace=ws,
                starts_at=starts if scenario.approval_timing == "advance" else at,
                at=at,
            )
            decision = authority.decide(user, "killswitch.activate", obj=plan, at=at)
            rows.append(
                {
                    "scenario": scenario,
                    "scope": "Workspace" if ws else "Global",
                    "decision": decision,
                }
            )
    return rows


@login_required
def activate(request):
    """Activate the kill switch; "Preview" shows the approvals and notifications first."""
    now = timezone.now()
    form = ActivateForm(request.POST or None)
    preview = None
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if "preview" in request.POST:
            plan = killswitch.build_activation(
                actor=request.user,
                scenario=data["scenario"],
                severity=data["severity"],
                reason=data["reason"],
                workspace=data["workspace"],
                starts_at=data["starts_at"],
                at=now,
            )
            preview = authority.decide(request.user, "killswitch.activate", obj=plan, at=now)
        else:
            try:
                activation = killswitch.activate_kill_switch(
                    actor=request.user,
                    scenario=data["scenario"],
                    severity=data["severity"],
                    reason=data["reason"],
                    workspace=data["workspace"],
                    starts_at=data["starts_at"],
                    at=now,
                )
            except (ValidationError, PermissionDenied) as error:
                for message in refusal_messages(error):
                    form.add_error(None, message)
                status = 403 if isinstance(error, PermissionDenied) else 400
            else:
                messages.success(request, f"Kill switch {activation.get_status_display().lower()}.")
                return redirect("killswitch:detail", activation.pk)
    return render(
        request,
        "governance/killswitch/activate.html",
        {"form": form, "preview": preview, "table": _scenario_table(request.user, at=now)},
        status=status,
    )


def _filtered_log(request):
    entries = KillSwitchLogEntry.objects.select_related("activation", "actor")
    if event := request.GET.get("event"):
        entries = entries.filter(event=event)
    if scope := request.GET.get("scope"):
        entries = entries.filter(activation__scope_key=scope)
    if start := inputs.date(request.GET, "from"):
        entries = entries.filter(timestamp__date__gte=start)
    if end := inputs.date(request.GET, "to"):
        entries = entries.filter(timestamp__date__lte=end)
    return entries


LOG_COLUMNS = [
    ("Timestamp", lambda e: timezone.localtime(e.timestamp).isoformat()),
    ("Event", lambda e: e.get_event_display()),
    ("Activated by", lambda e: e.actor.get_full_name() or e.actor.username),
    ("Reason", lambda e: e.reason),
    ("Severity", lambda e: e.severity),
    ("Scope", lambda e: e.scope),
    ("Approval", lambda e: e.approval),
    ("Notification sent to", lambda e: e.notification_sent_to),
    ("Activation", lambda e: e.activation_id),
]


@login_required
def overview(request):
    """Current state and the §5.2 activation log, filtered; `?format=csv` downloads it."""
    entries = _filtered_log(request)
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="kill-switch-log.csv"'
        writer = SpreadsheetSafeWriter(response)
        writer.writerow([name for name, _ in LOG_COLUMNS])
        for entry in entries.iterator():
            writer.writerow([value(entry) for _, value in LOG_COLUMNS])
        return response
    live = KillSwitchActivation.objects.filter(status__in=KillSwitchActivation.LIVE).select_related(
        "scenario", "workspace", "activated_by", "severity"
    )
    scopes = ["global"] + list(Workspace.objects.values_list("slug", flat=True))
    return render(
        request,
        "governance/killswitch/overview.html",
        {
            "live": live,
            "entries": entries[:200],
            "events": KillSwitchLogEntry.Event.choices,
            "scopes": scopes,
            "filters": request.GET,
            "query": request.GET.urlencode(),
        },
    )


def get_activation_for_user(user, pk: int) -> KillSwitchActivation:
    """Any signed-in person may see an activation: D9 §5.2 logs to #ingestion-rollout."""
    if not user.is_authenticated:
        raise PermissionDenied
    return get_object_or_404(
        KillSwitchActivation.objects.select_related(
            "scenario", "workspace", "activated_by", "severity", "approval", "resume_approval"
        ),
        pk=pk,
    )


@login_required
def detail(request, pk: int):
    """One activation: its approvals, the resume checklist of §5.3, its log."""
    now = timezone.now()
    activation = get_activation_for_user(request.user, pk)
    requests = ApprovalRequest.objects.filter(
        pk__in=[
            r
            for r in (
                activation.approval_id,
                activation.long_pause_approval_id,
                activation.resume_approval_id,
            )
            if r
        ]
    ).prefetch_related("requirements__role", "decisions__person", "decisions__role")
    resume = None
    if activation.status in KillSwitchActivation.LIVE:
        resume = {
            "decision": authority.decide(request.user, "killswitch.resume", obj=activation, at=now),
            "row": resume_row(activation, at=now),
            "done": set(activation.resume_checks.values_list("verification_id", flat=True)),
        }
    return render(
        request,
        "governance/killswitch/detail.html",
        {
            "activation": activation,
            "requests": [
                (r, authority.decide(request.user, "approval.decide", obj=r, at=now))
                for r in requests
            ],
            "resume": resume,
            "late": killswitch.late_advance_approval(activation),
            "may_reschedule": activation.status == KillSwitchActivation.Status.SCHEDULED
            and activation.activated_by_id == request.user.pk,
            "entries": activation.log_entries.select_related("actor"),
            "verdicts": ApprovalDecision.Verdict.choices,
        },
    )


@login_required
@require_POST
def resume(request, pk: int):
    """Resume with the §5.3 verification checklist ticked."""
    activation = get_activation_for_user(request.user, pk)
    try:
        activation = killswitch.resume_kill_switch(
            activation=activation,
            actor=request.user,
            verified=[int(v) for v in request.POST.getlist("verified") if v.isdigit()],
        )
    except ValidationError as error:
        report_refusal(request, error)
    else:
        if activation.status == KillSwitchActivation.Status.RESUMED:
            messages.success(request, "Ingestion resumed.")
        else:
            messages.success(request, "Resume requested; it happens once approved.")
    return redirect("killswitch:detail", pk)


@login_required
@require_POST
def reschedule(request, pk: int):
    """D9 §5.1 Planned maintenance: move a scheduled pause (the approval is asked again)."""
    activation = get_activation_for_user(request.user, pk)
    form = RescheduleForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"New start: {error}")
        return redirect("killswitch:detail", pk)
    try:
        killswitch.reschedule_pause(
            activation=activation, actor=request.user, starts_at=form.cleaned_data["starts_at"]
        )
    except (PermissionDenied, ValidationError) as error:
        report_refusal(request, error)
    else:
        messages.success(request, "Pause moved; the approval is asked again for the new start.")
    return redirect("killswitch:detail", pk)


urlpatterns = [
    path("", overview, name="overview"),
    path("activate/", activate, name="activate"),
    path("<int:pk>/", detail, name="detail"),
    path("<int:pk>/resume/", resume, name="resume"),
    path("<int:pk>/reschedule/", reschedule, name="reschedule"),
]
