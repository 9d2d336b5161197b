"""Services of the kill switch (D9 §2.2, §5.1, §5.2, §5.3): activate, approve (through the
approval mechanism), the one-hour rule, resume with its verifications.

Every change bumps `KillSwitchState.version`, which invalidates the cached answer of
GET /api/kill-switch/ in every web process within one request.
"""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from governance import authority
from governance.approvals import kinds
from governance.approvals import services as approvals
from governance.core.history import save_with_history
from governance.core.status import register_status_section
from governance.killswitch.authority import LONG_PAUSE, action_row, duty_roles, resume_row
from governance.models import (
    ApprovalRequest,
    KillSwitchActivation,
    KillSwitchLogEntry,
    KillSwitchScenario,
    KillSwitchState,
    ResumeCheck,
    ResumeVerification,
    Severity,
    Timing,
    Workspace,
)
from governance.notifications.outbox import notify
from governance.notifications.selectors import rollout_channel_team
from governance.rollout.selectors import revalidation_missing, rollbacks_during


def activation_url(request) -> str:
    """Kill-switch requests are decided on their activation's page."""
    return reverse("killswitch:detail", args=[request.object_id])


KIND_ACTIVATION = kinds.register("killswitch.activation", url=activation_url)
KIND_LONG_PAUSE = kinds.register("killswitch.long_pause", url=activation_url)
KIND_RESUME = kinds.register("killswitch.resume", url=activation_url)


def bump_state(*, at: datetime) -> None:
    """Mark the kill-switch state changed (bookkeeping row, not history-tracked)."""
    KillSwitchState.objects.get_or_create(pk=1)
    KillSwitchState.objects.filter(pk=1).update(version=F("version") + 1, changed_at=at)


def _save(obj, *, actor, reason: str) -> None:
    save_with_history(obj, actor=actor, reason=reason, validate=False)


def _people(requirement: authority.Requirement, people) -> str:
    names = ", ".join(f"{p.get_full_name() or p.username} <{p.email}>" for p in people)
    return f"{requirement.role_name}: {names or 'nobody holds this role'}"


def _send(activation, requirements, *, template: str, event: str, at) -> str:
    """Mail every holder of the notified roles now (D9 §5.1 timings are all met by sending at
    once: "immediate", "within 5/15 min", and "24h advance" for a start at least 24 h away)."""
    lines = []
    for requirement in requirements:
        people = authority.holders(requirement.role, at=at)
        lines.append(_people(requirement, people))
        for person in people:
            notify(
                person,
                template,
                {"activation": activation, "requirement": requirement, "event": event},
                dedupe_key=f"killswitch:{activation.pk}:{event}:{requirement.role}:{person.pk}",
            )
    return "; ".join(lines) or "Nobody (no notification required)"


def _log(activation, *, event, actor, at, approval: str, notified: str, rows=(), reason=None):
    entry = KillSwitchLogEntry(
        activation=activation,
        event=event,
        timestamp=at,
        actor=actor,
        reason=reason or activation.reason,
        severity=activation.severity.key,
        scope=activation.scope_label,
        approval=approval,
        notification_sent_to=notified,
        rows="; ".join(rows),
    )
    entry._history_user = actor
    entry.full_clean()
    entry.save()
    # D9 §5.2 keeps the log in #ingestion-rollout: each entry is posted to that team's channels.
    team = rollout_channel_team()
    if team is not None:
        notify(team, "killswitch-log-entry", {"entry": entry}, f"killswitch:log:{entry.pk}:team")
    return entry


def _approval_text(request: ApprovalRequest | None, decision: authority.Decision, *, at) -> str:
    """D9 §5.2 "Approval (if required)": who was asked, by when (issue 12 point 2)."""
    if request is None:
        return "Not required" + (" (activate first)" if decision.activate_first else "")
    later = " (activate first, approve later)" if decision.activate_first else ""
    asked = approvals.addressees_text(request, at=at)
    return f"Requested from {asked}{later} — request #{request.pk}"


def build_activation(
    *,
    actor,
    scenario: KillSwitchScenario,
    severity: Severity,
    reason: str,
    workspace: Workspace | None = None,
    starts_at: datetime | None = None,
    at: datetime,
) -> KillSwitchActivation:
    """An unsaved activation, as the authority engine and the form preview see it."""
    return KillSwitchActivation(
        scenario=scenario,
        severity=severity,
        reason=reason,
        workspace=workspace,
        scope=KillSwitchActivation.Scope.WORKSPACE
        if workspace
        else KillSwitchActivation.Scope.GLOBAL,
        scope_key=workspace.slug if workspace else "global",
        activated_by=actor,
        activated_at=at,
        starts_at=starts_at or at,
    )


def activate_kill_switch(
    *,
    actor,
    scenario: KillSwitchScenario,
    severity: Severity,
    reason: str,
    workspace: Workspace | None = None,
    starts_at: datetime | None = None,
    at: datetime | None = None,
) -> KillSwitchActivation:
    """D9 §5.1: activate the kill switch for a scenario, globally or for one workspace.

    "Activate first" scenarios pause at once (approvals, if §2.2 adds any, come later); the
    others wait for their approver (e.g. error rate > 10%: the Owner within 15 min); planned
    maintenance is scheduled at least 24 h ahead. Every §5.2 field is logged; at most one live
    activation per scope (a database constraint), so concurrent activations leave one pause.
    """
    at = at or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the kill switch is activated (D9 §5.2)."})
    activation = build_activation(
        actor=actor,
        scenario=scenario,
        severity=severity,
        reason=reason,
        workspace=workspace,
        starts_at=starts_at,
        at=at,
    )
    decision = authority.require(actor, "killswitch.activate", obj=activation, at=at)
    if activation.starts_at > at:
        activation.status = KillSwitchActivation.Status.SCHEDULED
    elif decision.approvals and not decision.activate_first:
        activation.status = KillSwitchActivation.Status.AWAITING_APPROVAL
    else:
        activation.status = KillSwitchActivation.Status.ACTIVE
        activation.paused_at = at
    activation.action = action_row("pause_short" if workspace else "global_disable")
    activation.policy_version = approvals.current_policy_version()
    with transaction.atomic():
        try:
            with transaction.atomic():
                _save(activation, actor=actor, reason=f"Activated: {scenario.name}")
        except IntegrityError:
            raise ValidationError(
                f"{activation.scope_label} already has a pause in force or awaiting approval."
            ) from None
        request = None
        if decision.approvals:
            request = approvals.request_approval(
                kind=KIND_ACTIVATION,
                target=activation,
                title=f"Kill switch: {scenario.name} — {activation.scope_label}",
                requester=actor,
                executor=actor,
                requirements=decision.approvals,
                at=at,
            )
            activation.approval = request
            _save(activation, actor=actor, reason="Approval requested")
        notified = _send(
            activation, decision.notify, template="killswitch-activated", event="activated", at=at
        )
        _log(
            activation,
            event=KillSwitchLogEntry.Event.ACTIVATED,
            actor=actor,
            at=at,
            approval=_approval_text(request, decision, at=at),
            notified=notified,
            rows=decision.rows,
        )
        bump_state(at=at)
    return activation


@kinds.on_quorum(KIND_ACTIVATION)
def _activation_approved(request: ApprovalRequest, *, actor, at) -> None:
    """The approver(s) agreed: an awaiting pause takes effect; others are logged as approved."""
    activation = KillSwitchActivation.objects.select_for_update().get(pk=request.object_id)
    if activation.status == KillSwitchActivation.Status.AWAITING_APPROVAL:
        activation.status = KillSwitchActivation.Status.ACTIVE
        activation.paused_at = at
        _save(activation, actor=actor, reason="Approved: pause in force")
    late = late_advance_approval(activation, request=request)
    _log(
        activation,
        event=KillSwitchLogEntry.Event.APPROVED,
        actor=actor,
        at=at,
        approval=_decisions_text(request) + (f" — {late}" if late else ""),
        notified="Nobody (approval recorded)",
    )
    bump_state(at=at)


@kinds.on_veto(KIND_ACTIVATION)
def _activation_vetoed(request: ApprovalRequest, *, actor, at) -> None:
    """A veto of a pause still awaiting approval rejects it: ingestion keeps running. A veto of
    an "activate first" pause is logged; lifting it goes through resume (§5.3)."""
    activation = KillSwitchActivation.objects.select_for_update().get(pk=request.object_id)
    if activation.status in (
        KillSwitchActivation.Status.AWAITING_APPROVAL,
        KillSwitchActivation.Status.SCHEDULED,
    ):
        activation.status = KillSwitchActivation.Status.REJECTED
        _save(activation, actor=actor, reason="Rejected by approver")
    _log(
        activation,
        event=KillSwitchLogEntry.Event.REJECTED,
        actor=actor,
        at=at,
        approval=_decisions_text(request),
        notified="Nobody (rejection recorded)",
    )
    bump_state(at=at)


def _decisions_text(request: ApprovalRequest) -> str:
    rows = approvals.stances(request).values()
    return "; ".join(
        f"{d.get_verdict_display()} by {d.person.get_full_name() or d.person} ({d.role_text}) "
        f"at {timezone.localtime(d.decided_at):%Y-%m-%d %H:%M}: {d.statement}"
        for d in rows
    )


@kinds.on_reopen(KIND_ACTIVATION)
def _activation_reopened(request: ApprovalRequest, *, actor, at) -> None:
    """The veto is withdrawn: a pause it rejected awaits its approval again (scheduled again if
    it was planned ahead), unless its scope has another pause since — then the withdrawal is
    refused and the rejection stands (issue 12 point 3: request, pause and log agree)."""
    activation = KillSwitchActivation.objects.select_for_update().get(pk=request.object_id)
    if activation.status == KillSwitchActivation.Status.REJECTED:
        planned = activation.starts_at > activation.activated_at
        activation.status = (
            KillSwitchActivation.Status.SCHEDULED
            if planned
            else KillSwitchActivation.Status.AWAITING_APPROVAL
        )
        try:
            with transaction.atomic():
                _save(activation, actor=actor, reason="Veto withdrawn: awaiting approval")
        except IntegrityError:
            raise ValidationError(
                f"{activation.scope_label} has another pause in force or pending since this one "
                "was rejected; the rejection stands (start a new activation if needed)."
            ) from None
    _log_reopened(activation, request, actor=actor, at=at)


def _log_reopened(activation, request: ApprovalRequest, *, actor, at, reason=None) -> None:
    _log(
        activation,
        event=KillSwitchLogEntry.Event.VETO_WITHDRAWN,
        actor=actor,
        at=at,
        approval=f"Pending again — {_decisions_text(request)}",
        notified="Nobody (withdrawal recorded)",
        reason=reason,
    )
    bump_state(at=at)


@kinds.on_quorum(KIND_LONG_PAUSE)
def _long_pause_approved(request: ApprovalRequest, *, actor, at) -> None:
    activation = KillSwitchActivation.objects.get(pk=request.object_id)
    _log(
        activation,
        event=KillSwitchLogEntry.Event.APPROVED,
        actor=actor,
        at=at,
        approval=_decisions_text(request),
        notified="Nobody (approval recorded)",
        reason="Pause longer than one hour approved",
    )


@kinds.on_veto(KIND_LONG_PAUSE)
def _long_pause_vetoed(request: ApprovalRequest, *, actor, at) -> None:
    """The Owner refuses the > 1 hour pause (D9 §2.2): logged; the pause stays in force until
    someone resumes it under §5.3 (a veto never lifts a pause by itself)."""
    activation = KillSwitchActivation.objects.get(pk=request.object_id)
    _log(
        activation,
        event=KillSwitchLogEntry.Event.REJECTED,
        actor=actor,
        at=at,
        approval=_decisions_text(request),
        notified="Nobody (rejection recorded)",
        reason="Pause longer than one hour vetoed",
    )


@kinds.on_reopen(KIND_LONG_PAUSE)
def _long_pause_reopened(request: ApprovalRequest, *, actor, at) -> None:
    activation = KillSwitchActivation.objects.get(pk=request.object_id)
    _log_reopened(
        activation, request, actor=actor, at=at, reason="Pause longer than one hour: veto withdrawn"
    )


def late_advance_approval(
    activation: KillSwitchActivation, *, request: ApprovalRequest | None = None
) -> str:
    """D9 §5.1 "Planned maintenance: PM (24h advance)": why an approved planned pause will not
    start — its approval came later than the advance the scenario asks — or "" when it may.
    A late approval moves nothing; the activator may reschedule (`reschedule_pause`)."""
    scenario = activation.scenario
    request = request or activation.approval
    if (
        scenario.approval_timing != Timing.ADVANCE
        or request is None
        or request.status != ApprovalRequest.Status.APPROVED
        or request.resolved_at is None
    ):
        return ""
    advance = timedelta(minutes=scenario.approval_minutes or 0)
    if request.resolved_at <= activation.starts_at - advance:
        return ""
    hours = advance.total_seconds() / 3600
    approver = scenario.approver.name if scenario.approver_id else "approver"
    return (
        f"The {approver} approved at {timezone.localtime(request.resolved_at):%Y-%m-%d %H:%M}, "
        f"less than {hours:g} h before the start at "
        f"{timezone.localtime(activation.starts_at):%Y-%m-%d %H:%M} (D9 §5.1 "
        f"“{scenario.name}: {scenario.approver.short_name if scenario.approver_id else ''} "
        f"({hours:g}h advance)”), so the pause will not start; the {scenario.activator.name} may "
        "reschedule it."
    )


def reschedule_pause(
    *, activation: KillSwitchActivation, actor, starts_at: datetime, at: datetime | None = None
) -> KillSwitchActivation:
    """D9 §5.1 Planned maintenance: the activator (Owner) moves a scheduled pause to a new
    start, at least the scenario's advance ahead; the approval is asked again for it (the old
    request is cancelled: an approval of the old time does not carry over)."""
    at = at or timezone.now()
    with transaction.atomic():
        activation = KillSwitchActivation.objects.select_for_update().get(pk=activation.pk)
        if activation.status != KillSwitchActivation.Status.SCHEDULED:
            raise ValidationError("Only a scheduled pause that has not started can be moved.")
        if starts_at is None:
            raise ValidationError({"starts_at": "Give the new start."})
        plan = build_activation(
            actor=actor,
            scenario=activation.scenario,
            severity=activation.severity,
            reason=activation.reason,
            workspace=activation.workspace,
            starts_at=starts_at,
            at=at,
        )
        decision = authority.require(actor, "killswitch.activate", obj=plan, at=at)
        old = activation.approval
        if old is not None:
            approvals.cancel_request(request=old, actor=actor, reason="Pause rescheduled", at=at)
        activation.starts_at = starts_at
        activation.approval = None
        if decision.approvals:
            activation.approval = approvals.request_approval(
                kind=KIND_ACTIVATION,
                target=activation,
                title=f"Kill switch: {activation.scenario.name} — {activation.scope_label}",
                requester=actor,
                executor=actor,
                requirements=decision.approvals,
                at=at,
            )
        _save(activation, actor=actor, reason=f"Rescheduled to {starts_at:%Y-%m-%d %H:%M}")
        notified = _send(
            activation,
            decision.notify,
            template="killswitch-activated",
            event=f"moved{int(at.timestamp())}",
            at=at,
        )
        _log(
            activation,
            event=KillSwitchLogEntry.Event.ACTIVATED,
            actor=actor,
            at=at,
            approval=_approval_text(activation.approval, decision, at=at),
            notified=notified,
            rows=decision.rows,
            reason=f"Rescheduled to {timezone.localtime(starts_at):%Y-%m-%d %H:%M}. "
            f"{activation.reason}",
        )
        bump_state(at=at)
    return activation


def start_due_pauses(*, now: datetime) -> int:
    """Scheduled (planned maintenance) pauses start at their time once approved in time (D9
    §5.1 "PM (24h advance)": an approval later than that moves nothing)."""
    started = 0
    due = KillSwitchActivation.objects.filter(
        status=KillSwitchActivation.Status.SCHEDULED, starts_at__lte=now
    ).values_list("pk", flat=True)
    for pk in list(due[:100]):
        with transaction.atomic():
            activation = (
                KillSwitchActivation.objects.select_for_update(of=("self",), **_skip_locked())
                .filter(pk=pk, status=KillSwitchActivation.Status.SCHEDULED)
                .select_related("approval", "severity", "workspace")
                .first()
            )
            if activation is None:
                continue
            if (
                activation.approval
                and activation.approval.status != ApprovalRequest.Status.APPROVED
            ) or late_advance_approval(activation):
                continue
            activation.status = KillSwitchActivation.Status.ACTIVE
            activation.paused_at = now
            _save(activation, actor=activation.activated_by, reason="Scheduled pause started")
            _log(
                activation,
                event=KillSwitchLogEntry.Event.STARTED,
                actor=activation.activated_by,
                at=now,
                approval=_decisions_text(activation.approval)
                if activation.approval
                else "Not required",
                notified="Nobody (notified when scheduled)",
            )
            bump_state(at=now)
            started += 1
    return started


def _skip_locked() -> dict:
    return {"skip_locked": True} if connection.features.has_select_for_update_skip_locked else {}


def mark_long_pauses(*, now: datetime) -> int:
    """D9 §2.2: a pause that reaches one hour becomes a "Pause (> 1 hour)": the Ingestion Owner
    must approve it and the PM is notified — exactly once (long_pause_at, set under lock)."""
    marked = 0
    candidates = KillSwitchActivation.objects.filter(
        status=KillSwitchActivation.Status.ACTIVE,
        long_pause_at__isnull=True,
        paused_at__lte=now - LONG_PAUSE,
    ).values_list("pk", flat=True)
    action = action_row("pause_long")
    row = f"D9 §2.2 {action.name}"
    for pk in list(candidates[:100]):
        with transaction.atomic():
            activation = (
                KillSwitchActivation.objects.select_for_update(of=("self",), **_skip_locked())
                .filter(pk=pk, long_pause_at__isnull=True)
                .select_related("severity", "workspace", "activated_by")
                .first()
            )
            if activation is None:
                continue
            activation.long_pause_at = now
            requirements = [
                authority.Requirement(key, None, row) for key in duty_roles(action, "approve")
            ]
            request = approvals.request_approval(
                kind=KIND_LONG_PAUSE,
                target=activation,
                title=f"Pause longer than one hour: {activation.scope_label}",
                requester=activation.activated_by,
                executor=activation.activated_by,
                requirements=requirements,
                at=now,
            )
            activation.long_pause_approval = request
            _save(activation, actor=activation.activated_by, reason="Pause reached one hour")
            notify_reqs = [
                authority.Requirement(key, now, row) for key in duty_roles(action, "notify")
            ]
            notified = _send(
                activation, notify_reqs, template="killswitch-long-pause", event="long", at=now
            )
            _log(
                activation,
                event=KillSwitchLogEntry.Event.LONG_PAUSE,
                actor=activation.activated_by,
                at=now,
                approval=f"Requested from {approvals.addressees_text(request, at=now)} — "
                f"request #{request.pk}",
                notified=notified,
                rows=[row],
                reason=f"Pause reached one hour. {activation.reason}",
            )
            bump_state(at=now)
            marked += 1
    return marked


def resume_kill_switch(
    *,
    activation: KillSwitchActivation,
    actor,
    verified: list[int],
    statement: str = "",
    at: datetime | None = None,
) -> KillSwitchActivation:
    """D9 §5.3: lift a pause. The authority depends on what is lifted (< 1 h: On-Call; > 1 h:
    Owner; rollback: Owner + PM; data integrity: Owner + SRE Lead + PM); each verification is
    recorded with who verified it. Refused until every verification is ticked; when other
    §5.3 roles must agree, an approval request is opened and the pause lifts on its quorum."""
    at = at or timezone.now()
    with transaction.atomic():
        activation = KillSwitchActivation.objects.select_for_update().get(pk=activation.pk)
        decision = authority.require(actor, "killswitch.resume", obj=activation, at=at)
        scope = resume_row(activation, at=at)
        wanted = list(scope.verifications.all())
        ticked = {int(v) for v in verified}
        if scope.key == "rollback":
            _require_revalidation(activation)
        missing = [v.text for v in wanted if v.pk not in ticked]
        if missing:
            raise ValidationError(
                f"Tick every verification D9 §5.3 requires first: {', '.join(missing)}."
            )
        for verification in ResumeVerification.objects.filter(pk__in=ticked, resume=scope):
            if not ResumeCheck.objects.filter(
                activation=activation, verification=verification
            ).exists():
                check = ResumeCheck(
                    activation=activation,
                    authority=scope,
                    verification=verification,
                    verified_by=actor,
                    verified_at=at,
                )
                _save(check, actor=actor, reason="Verified before resume")
        if decision.approvals:
            request = activation.resume_approval
            if request is None or request.status == ApprovalRequest.Status.CANCELLED:
                request = approvals.request_approval(
                    kind=KIND_RESUME,
                    target=activation,
                    title=f"Resume ingestion: {activation.scope_label}",
                    requester=actor,
                    executor=actor,
                    requirements=decision.approvals,
                    at=at,
                )
                activation.resume_approval = request
                _save(activation, actor=actor, reason="Resume requested")
            return activation
        _lift(activation, actor=actor, at=at, decision=decision, approval="Not required (D9 §5.3)")
    return activation


def _require_revalidation(activation: KillSwitchActivation) -> None:
    """D9 §5.3 "Rollback: Full P0 revalidation": every item of it recorded after each rollback
    taken during the pause (on the rollback's sign-off page) before the resume is asked."""
    for sign_off in rollbacks_during(activation):
        missing = revalidation_missing(sign_off)
        if missing:
            raise ValidationError(
                f"The Full P0 revalidation after the rollback {sign_off.from_phase} → "
                f"{sign_off.to_phase} is not complete (D9 §5.3); still to verify: "
                f"{', '.join(missing)}."
            )


@kinds.on_quorum(KIND_RESUME)
def _resume_approved(request: ApprovalRequest, *, actor, at) -> None:
    activation = KillSwitchActivation.objects.select_for_update().get(pk=request.object_id)
    if activation.status not in KillSwitchActivation.LIVE:
        return
    executor = request.executor
    decision = authority.decide(executor, "killswitch.resume", obj=activation, at=at)
    _lift(activation, actor=executor, at=at, decision=decision, approval=_decisions_text(request))


@kinds.on_veto(KIND_RESUME)
def _resume_vetoed(request: ApprovalRequest, *, actor, at) -> None:
    """A §5.3 role refuses the resume: logged; the pause stays in force."""
    activation = KillSwitchActivation.objects.get(pk=request.object_id)
    _log(
        activation,
        event=KillSwitchLogEntry.Event.REJECTED,
        actor=actor,
        at=at,
        approval=_decisions_text(request),
        notified="Nobody (rejection recorded)",
        reason="Resume vetoed",
    )


@kinds.on_reopen(KIND_RESUME)
def _resume_reopened(request: ApprovalRequest, *, actor, at) -> None:
    activation = KillSwitchActivation.objects.get(pk=request.object_id)
    _log_reopened(activation, request, actor=actor, at=at, reason="Resume: veto withdrawn")


def _lift(activation, *, actor, at, decision: authority.Decision, approval: str) -> None:
    activation.status = KillSwitchActivation.Status.RESUMED
    activation.resumed_at = at
    activation.resumed_by = actor
    _save(activation, actor=actor, reason="Resumed")
    for open_request in (activation.approval, activation.long_pause_approval):
        if open_request and open_request.status == ApprovalRequest.Status.PENDING:
            approvals.cancel_request(
                request=open_request, actor=actor, reason="Pause lifted", at=at
            )
    notified = _send(
        activation, decision.notify, template="killswitch-resumed", event="resumed", at=at
    )
    checks = ", ".join(
        f"{c.verification.text} (by {c.verified_by.get_full_name() or c.verified_by})"
        for c in activation.resume_checks.select_related("verification", "verified_by")
    )
    _log(
        activation,
        event=KillSwitchLogEntry.Event.RESUMED,
        actor=actor,
        at=at,
        approval=approval,
        notified=notified,
        rows=decision.rows,
        reason=f"Resumed after: {checks or 'no verification'}",
    )
    bump_state(at=at)


def active_pauses():
    """The pauses in force now, global first."""
    return (
        KillSwitchActivation.objects.filter(status=KillSwitchActivation.Status.ACTIVE)
        .select_related("scenario", "workspace", "activated_by", "severity")
        .order_by("scope", "paused_at")
    )


def status_payload(*, workspace_slug: str = "") -> dict | None:
    """The answer of GET /api/kill-switch/: paused globally or for that workspace, since when,
    by which activation. None for an unknown workspace."""
    workspace = None
    if workspace_slug:
        workspace = Workspace.objects.filter(slug=workspace_slug).first()
        if workspace is None:
            return None
    keys = ["global"] + ([workspace.slug] if workspace else [])
    activation = (
        KillSwitchActivation.objects.filter(
            status=KillSwitchActivation.Status.ACTIVE, scope_key__in=keys
        )
        .select_related("scenario", "workspace")
        .order_by("scope", "paused_at")
        .first()
    )
    payload = {"paused": activation is not None, "workspace": workspace_slug or None}
    if activation:
        payload.update(
            scope=activation.scope,
            scope_workspace=activation.workspace.slug if activation.workspace else None,
            since=activation.paused_at.isoformat(),
            activation=activation.pk,
            scenario=activation.scenario.key,
            reason=activation.reason,
        )
    else:
        payload.update(scope=None, since=None, activation=None)
    return payload


def active_pauses_status(at: datetime) -> dict:
    """The "Active kill-switch pauses" section of the system status (D9 §3.3)."""
    return {"pauses": active_pauses()}


register_status_section(
    key="active_pauses",
    template="governance/killswitch/status_active_pauses.html",
    context=active_pauses_status,
    position=20,
)
