"""Writes of the incidents app: every state change is one function taking the acting user.

Each service asks `governance.authority.decide` whether the actor may act (the rules are in
`incidents.authority`), runs in one transaction with the incident row locked, sets the history
user, writes its timeline event and records its mail in the outbox in the same transaction.
"""

import datetime
import hashlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from governance import authority
from governance.approvals import kinds
from governance.approvals import services as approvals
from governance.core.history import save_with_history as _save
from governance.core.roles import ON_CALL_PRIMARY, ON_CALL_SECONDARY
from governance.models import (
    ApprovalDecision,
    ApprovalRequest,
    CommunicationRule,
    MessageTemplate,
    OnCallTier,
    Role,
    Severity,
    Urgency,
    Workspace,
)
from governance.notifications.outbox import cancel_pages, notify
from governance.notifications.selectors import rollout_channel_team
from incidents import ack_links, escalation, reviews
from incidents.authority import client_rule, client_rules
from incidents.models import (
    AcknowledgeLinkUse,
    ClientCommunication,
    Incident,
    IncidentEvent,
    IncidentUpdate,
    Responder,
)
from incidents.status import mail


def client_comm_url(request) -> str:
    """A client communication is approved on its incident's page."""
    return reverse("incidents:detail", args=[request.target.incident_id])


CLIENT_COMM_APPROVAL = kinds.register("incident.client_comm", url=client_comm_url)


def display_name(user) -> str:
    if user is None:
        return "nobody"
    return user.get_full_name() or user.username


def stamp(at: datetime.datetime) -> str:
    """An instant as the D9 §7.3 messages print it, in the portal's zone."""
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M %Z")


def duration_text(delta: datetime.timedelta) -> str:
    """D9 §7.3 "Duration: [X hours Y minutes]"."""
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} hours {minutes % 60} minutes"


def _event(incident, kind, text, *, actor=None, at=None) -> IncidentEvent:
    return IncidentEvent.objects.create(
        incident=incident, kind=kind, text=text, actor=actor, at=at or timezone.now()
    )


def _require_open(incident: Incident, refused: str) -> None:
    """Resolved means resolved (D9 §7.1 "Incident resolved" is the last message): a resolved
    incident is not resolved again, changes no severity and takes no update. `refused` says
    what is refused; the message says when and by whom it was resolved."""
    if incident.is_open:
        return
    by = f" by {display_name(incident.resolved_by)}" if incident.resolved_by_id else ""
    when = f" at {stamp(incident.resolved_at)}" if incident.resolved_at else ""
    raise ValidationError(f"Incident #{incident.pk} was resolved{when}{by}; {refused}.")


def _lock(incident: Incident) -> Incident:
    return Incident.objects.select_for_update().select_related("severity").get(pk=incident.pk)


def message_recipients(incident: Incident) -> list:
    """Everyone paged on the incident (D9 §7.1 messages also go to the distribution list)."""
    paged = Responder.objects.filter(incident=incident).values("user")
    return list(get_user_model().objects.filter(pk__in=paged).order_by("pk"))


def _send_message(incident: Incident, update: IncidentUpdate) -> None:
    """Send a §7.3 message to the distribution list, to the `#ingestion-rollout` channels
    (D9 §7.1) and to everyone paged, once each."""
    context = {"incident": incident, "update": update}
    base = f"incident:{incident.pk}:message:{update.pk}"
    notify(settings.INCIDENT_DISTRIBUTION_LIST, "incident-message", context, f"{base}:list")
    team = rollout_channel_team()
    if team is not None:
        notify(team, "incident-message", context, f"{base}:team")
    for person in message_recipients(incident):
        notify(person, "incident-message", context, f"{base}:{person.pk}")


def _post(incident, *, kind, values, status, actor, at, next_update_at) -> IncidentUpdate:
    template = MessageTemplate.objects.get(key=kind)
    update = IncidentUpdate(
        incident=incident,
        kind=kind,
        status=status,
        values=values,
        body=template.render(values),
        posted_at=at,
        posted_by=actor,
        next_update_at=next_update_at,
    )
    _save(update, actor=actor, reason=f"D9 §7.3 {template.title}")
    return update


def open_incident(
    *,
    actor,
    title: str,
    severity: Severity,
    impact: str = "",
    workspace: Workspace | None = None,
    dedupe_key: str = "",
    client_facing: bool = False,
    review_required: bool = False,
    declare_token: str = "",
    at: datetime.datetime | None = None,
) -> tuple[Incident, bool]:
    """Open an incident (D9 §4): record the On-Call, freeze the §4.2 ladder and the §3.1
    response track, page the primary at minute 0, post the 🔴 INCIDENT message (§7.3).

    An alert with the same open `dedupe_key` returns the open incident instead (created False).
    A person's `declare_token` (the declare form's one-time token) opens one incident at most:
    the same form sent again (back and resubmit, a double click) returns the incident it
    opened, whatever its status since (created False).
    """
    now = at or timezone.now()
    authority.require(actor, "incident.declare", at=now)
    if declare_token:
        dedupe_key = declared_key(actor, declare_token)
        existing = Incident.objects.select_related("severity").filter(dedupe_key=dedupe_key)
        if existing := existing.order_by("pk").first():
            return existing, False
    if dedupe_key:
        existing = _open_with_key(dedupe_key)
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            incident = _create(
                actor=actor,
                now=now,
                title=title,
                severity=severity,
                impact=impact,
                workspace=workspace,
                dedupe_key=dedupe_key,
                client_facing=client_facing,
                review_required=review_required,
            )
    except (IntegrityError, ValidationError):
        # A concurrent alert with the same key won between the look-up and the save (refused
        # by the constraint, or by full_clean once the winner committed): return its incident.
        existing = _open_with_key(dedupe_key) if dedupe_key else None
        if existing is None:
            raise
        return existing, False
    return incident, True


def declared_key(actor, token: str) -> str:
    """The dedupe key of a declare form's token: per person, so a token seen by another
    person declares nothing of theirs; hashed, so the key never shows the token."""
    digest = hashlib.sha256(f"{actor.pk}:{token}".encode()).hexdigest()
    return f"declared:{digest}"


def _open_with_key(dedupe_key: str) -> Incident | None:
    return (
        Incident.objects.select_related("severity")
        .filter(dedupe_key=dedupe_key)
        .exclude(status=Incident.Status.RESOLVED)
        .first()
    )


def _create(*, actor, now, severity, **fields) -> Incident:
    # Who holds the D9 §3.1 tiers now, as the authority engine's registered rotation source says.
    on_call = authority.rotation_holders(now)
    primary, secondary = on_call.get(ON_CALL_PRIMARY), on_call.get(ON_CALL_SECONDARY)
    incident = Incident(
        severity=severity,
        opened_at=now,
        opened_by=actor,
        ladder_started_at=now,
        on_call_primary=primary,
        on_call_secondary=secondary,
        next_update_at=now + escalation.update_cadence(),
        **fields,
    )
    _save(incident, actor=actor, reason="Incident opened")
    scope = incident.scope
    _event(
        incident,
        IncidentEvent.Kind.OPENED,
        f"{severity.key} incident opened ({scope}) by {display_name(actor)}. "
        f"On call: primary {display_name(primary)}, secondary {display_name(secondary)}.",
        actor=actor,
        at=now,
    )
    escalation.freeze_ladder(incident, severity=severity, start=now)
    escalation.freeze_response_track(incident)
    escalation.schedule_update_reminder(incident, due_at=incident.next_update_at)
    due = list(incident.steps.filter(due_at__lte=now).values_list("id", flat=True))
    escalation.fire_steps(due, now=now)
    update = _post(
        incident,
        kind=IncidentUpdate.Kind.START,
        status=incident.status,
        actor=actor,
        at=now,
        next_update_at=incident.next_update_at,
        values={
            "P1/P2/P3": severity.key,
            "timestamp": stamp(now),
            "brief description": incident.impact or incident.title,
            "name": display_name(primary),
            "time": stamp(incident.next_update_at),
        },
    )
    _send_message(incident, update)
    return incident


def acknowledge(
    *, incident: Incident, actor, via: str = "", at: datetime.datetime | None = None
) -> Incident:
    """D9 §2.1 "Acknowledge alert" (On-Call R) and §3.1: the current On-Call, or anyone the
    ladder pulled in, acknowledges; the response track stops (no further tier is paged, and
    the pages still waiting for a later contact method are cancelled). `via` names where it
    came from ("the page" for the one-click link)."""
    now = at or timezone.now()
    authority.require(actor, "incident.acknowledge", obj=incident, at=now)
    with transaction.atomic():
        incident = _lock(incident)
        if incident.acknowledged_at or not incident.is_open:
            return incident
        incident.acknowledged_at = now
        incident.acknowledged_by = actor
        _save(incident, actor=actor, reason=f"Acknowledged from {via}" if via else "Acknowledged")
        escalation.cancel_steps(incident, kinds=escalation.STOPPED_BY_ACK, at=now)
        cancel_pages(event_key_prefix=escalation.page_key_prefix(incident), actor=actor, at=now)
        source = f" from {via}" if via else ""
        _event(
            incident,
            IncidentEvent.Kind.ACKNOWLEDGED,
            f"Acknowledged by {display_name(actor)}{source}; the response track (D9 §3.1) stops.",
            actor=actor,
            at=now,
        )
    return incident


def acknowledge_from_link(*, token: str, actor, at) -> Incident:
    """D9 §3.1 acknowledge, from the page's link: the link is spent and the incident is
    acknowledged by its addressee in one transaction, recorded as "from the page". An
    incident acknowledged meanwhile by someone else is left as it is."""
    link = ack_links.read(token, user=actor)
    try:
        with transaction.atomic():
            AcknowledgeLinkUse.objects.create(
                token_digest=link.digest, incident=link.incident, user=actor, used_at=at
            )
            return acknowledge(incident=link.incident, actor=actor, via="the page")
    except IntegrityError:
        raise ValidationError("This acknowledge link was already used.") from None


def update_values(
    incident: Incident, *, status: str, findings: str, next_steps: str, next_update_at
) -> dict:
    """The D9 §7.3 "Incident Update" fields, as the template names them."""
    return {
        "P1/P2/P3": incident.severity.key,
        "timestamp": stamp(timezone.now()),
        "investigating/mitigating/resolved": status,
        "brief": findings,
        "action": next_steps,
        "time": stamp(next_update_at),
    }


def post_update(
    *,
    incident: Incident,
    actor,
    status: str,
    findings: str,
    next_steps: str,
    next_update_at: datetime.datetime | None = None,
    at: datetime.datetime | None = None,
) -> IncidentUpdate:
    """D9 §7.1 "Incident update, On-Call, every 30 min" with the §7.3 🟡 UPDATE template;
    the next update defaults to 30 minutes later and its reminder is rescheduled."""
    now = at or timezone.now()
    authority.require(actor, "incident.update", obj=incident, at=now)
    _require_open(incident, "it takes no more updates")
    errors = {}
    if status not in (Incident.Status.INVESTIGATING, Incident.Status.MITIGATING):
        errors["status"] = "Choose investigating or mitigating; resolving has its own form."
    if not findings.strip():
        errors["findings"] = "Say briefly what you found."
    if not next_steps.strip():
        errors["next_steps"] = "Say what happens next."
    cadence = escalation.update_cadence()
    next_update_at = next_update_at or now + cadence
    if next_update_at <= now:
        errors["next_update_at"] = "The next update must be in the future."
    elif next_update_at > now + cadence:
        # D9 §7.1 "Every 30 min" is a promise, not a default: it cannot be pushed further out.
        errors["next_update_at"] = (
            f"The next update is due within {int(cadence.total_seconds() // 60)} minutes "
            "(D9 §7.1 Incident update)."
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        incident = _lock(incident)
        _require_open(incident, "it takes no more updates")
        incident.status = status
        incident.next_update_at = next_update_at
        _save(incident, actor=actor, reason="Update posted")
        values = update_values(
            incident,
            status=status,
            findings=findings.strip(),
            next_steps=next_steps.strip(),
            next_update_at=next_update_at,
        )
        update = _post(
            incident,
            kind=IncidentUpdate.Kind.UPDATE,
            values=values,
            status=status,
            actor=actor,
            at=now,
            next_update_at=next_update_at,
        )
        escalation.schedule_update_reminder(incident, due_at=next_update_at)
        _event(
            incident,
            IncidentEvent.Kind.UPDATE,
            update.body,
            actor=actor,
            at=now,
        )
        _send_message(incident, update)
    return update


def change_severity(
    *, incident: Incident, actor, severity: Severity, at: datetime.datetime | None = None
) -> Incident:
    """D9 §4.2: the new severity's ladder applies from this instant; steps already fired are
    not repeated, pending steps of the former ladder that the new one lacks are cancelled."""
    now = at or timezone.now()
    authority.require(actor, "incident.update", obj=incident, at=now)
    _require_open(incident, "its severity no longer changes")
    with transaction.atomic():
        incident = _lock(incident)
        _require_open(incident, "its severity no longer changes")
        if incident.severity_id == severity.pk:
            return incident
        former = incident.severity.key
        incident.severity = severity
        incident.ladder_started_at = now
        _save(incident, actor=actor, reason=f"Severity {former} → {severity.key}")
        escalation.freeze_ladder(incident, severity=severity, start=now)
        _event(
            incident,
            IncidentEvent.Kind.SEVERITY,
            f"Severity changed from {former} to {severity.key} by {display_name(actor)}; "
            f"the {severity.key} ladder applies from now.",
            actor=actor,
            at=now,
        )
        due = list(
            incident.steps.filter(
                due_at__lte=now, fired_at__isnull=True, cancelled_at__isnull=True
            ).values_list("id", flat=True)
        )
        escalation.fire_steps(due, now=now)
    return incident


def mark_client_facing(
    *, incident: Incident, actor, at: datetime.datetime | None = None
) -> Incident:
    """D9 §4.3 "No escalation unless client-facing" and §7.2 "Incident (client-facing)": the
    incident affects clients. From now its pending steps escalate (a P3 too) and Support may
    draft client communication. Anyone involved may say so (as for an update)."""
    now = at or timezone.now()
    authority.require(actor, "incident.update", obj=incident, at=now)
    _require_open(incident, "it is not marked client-facing any more")
    with transaction.atomic():
        incident = _lock(incident)
        _require_open(incident, "it is not marked client-facing any more")
        if incident.client_facing:
            return incident
        incident.client_facing = True
        _save(incident, actor=actor, reason="Marked client-facing")
        _event(
            incident,
            IncidentEvent.Kind.CLIENT_FACING,
            f"Marked client-facing by {display_name(actor)}: D9 §4.3, the {incident.severity.key} "
            "path escalates beyond the On-Call from now.",
            actor=actor,
            at=now,
        )
    return incident


ESCALATION_TARGETS = {
    "secondary": "Page the On-Call Secondary",
    "next_tier": "Page the next tier (D9 §3.1)",
    "responder": "Add a named responder",
}


def _next_tier_role(incident: Incident) -> Role | None:
    """The first §3.1 escalation target (secondary, Owner, SRE Lead) not yet paged."""
    paged = set(incident.responders.values_list("role__key", flat=True))
    for tier in OnCallTier.objects.select_related("escalates_to").order_by("position"):
        if tier.escalates_to is not None and tier.escalates_to.key not in paged:
            return tier.escalates_to
    return None


def escalate_incident(
    *,
    incident: Incident,
    actor,
    target: str,
    responder=None,
    at: datetime.datetime | None = None,
) -> list:
    """D9 §1.1 On-Call "Pause, escalate, page secondary" and §4.3 "Cannot resolve → Page
    Secondary": escalate now, without waiting for the ladder — page the On-Call Secondary,
    the next §3.1 tier not yet paged, or a named responder. Recorded on the timeline; each
    person is paged once per incident (the same outbox key as the ladder's pages). Returns the
    people newly paged."""
    now = at or timezone.now()
    authority.require(actor, "incident.escalate", obj=incident, at=now)
    _require_open(incident, "it is not escalated any more")
    if target not in ESCALATION_TARGETS:
        raise ValidationError({"target": "Choose secondary, next_tier or responder."})
    if target == "responder" and (responder is None or not responder.is_active):
        raise ValidationError({"responder": "Name the active person to add as a responder."})
    with transaction.atomic():
        incident = _lock(incident)
        _require_open(incident, "it is not escalated any more")
        if target == "responder":
            role, people = Role.objects.get(key="anyone"), [responder]
        else:
            role = (
                Role.objects.get(key=ON_CALL_SECONDARY)
                if target == "secondary"
                else _next_tier_role(incident)
            )
            if role is None:
                raise ValidationError({"target": "Every D9 §3.1 tier is already paged."})
            people = list(authority.holders(role.key, at=now))
            if not people:
                raise ValidationError({"target": f"Nobody holds {role.name} now."})
        already = set(incident.responders.filter(user__in=people).values_list("user_id", flat=True))
        label = f"{ESCALATION_TARGETS[target]}, by {display_name(actor)}"
        for person in people:
            Responder.objects.get_or_create(
                incident=incident, user=person, role=role, defaults={"paged_at": now}
            )
            notify(
                person,
                "incident-escalation",
                {
                    "incident": incident,
                    "step": {"label": label, "role": role},
                    "is_page": True,
                    "acknowledge_url": ack_links.link_for(incident=incident, user=person),
                },
                f"{escalation.page_key_prefix(incident)}{person.pk}",
                urgency=Urgency.PAGE,
            )
        new = [p for p in people if p.pk not in already]
        names = ", ".join(display_name(p) for p in new) or "nobody new"
        again = [display_name(p) for p in people if p.pk in already]
        _event(
            incident,
            IncidentEvent.Kind.PAGED,
            f"{ESCALATION_TARGETS[target]} (D9 §1.1, §4.3): paged {names} ({role})"
            + (f"; already paged: {', '.join(again)}" if again else "")
            + ".",
            actor=actor,
            at=now,
        )
    return new


def needs_review(incident: Incident) -> bool:
    """D9 §2.1 "Post-incident review" for every P1, and any incident marked for one."""
    return incident.severity.key == "P1" or incident.review_required


def resolve(
    *,
    incident: Incident,
    actor,
    root_cause: str,
    resolution: str,
    follow_up_needed=False,
    at: datetime.datetime | None = None,
) -> Incident:
    """D9 §7.1 "Incident resolved, On-Call, at resolution" with the §7.3 🟢 RESOLVED template.
    Needs root cause and resolution; stops both escalation tracks; opens the post-incident
    review of a P1 (D9 §2.1: Owner Accountable, On-Call Responsible)."""
    now = at or timezone.now()
    authority.require(actor, "incident.resolve", obj=incident, at=now)
    _require_open(incident, "it is not resolved again")
    errors = {}
    if not root_cause.strip():
        errors["root_cause"] = "Resolving needs the root cause."
    if not resolution.strip():
        errors["resolution"] = "Resolving needs what fixed it."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        incident = _lock(incident)
        _require_open(incident, "it is not resolved again")
        incident.status = Incident.Status.RESOLVED
        incident.resolved_at = now
        incident.resolved_by = actor
        incident.root_cause = root_cause.strip()
        incident.resolution = resolution.strip()
        incident.follow_up_needed = bool(follow_up_needed)
        incident.next_update_at = None
        _save(incident, actor=actor, reason="Resolved")
        escalation.cancel_steps(
            incident,
            kinds=escalation.STOPPED_BY_RESOLVE,
            at=now,
        )
        review = (
            reviews.open_review(incident=incident, actor=actor, at=now)
            if needs_review(incident)
            else None
        )
        update = _post(
            incident,
            kind=IncidentUpdate.Kind.RESOLVED,
            status=incident.status,
            actor=actor,
            at=now,
            next_update_at=None,
            values={
                "P1/P2/P3": incident.severity.key,
                "timestamp": stamp(now),
                "X hours Y minutes": duration_text(now - incident.opened_at),
                "brief": incident.root_cause,
                "what fixed it": incident.resolution,
                "post-incident scheduled Y/N": "Y" if review else "N",
            },
        )
        _event(incident, IncidentEvent.Kind.RESOLVED, update.body, actor=actor, at=now)
        _send_message(incident, update)
    return incident


def draft_client_communication(
    *,
    incident: Incident,
    actor,
    title: str,
    status_page_text: str,
    email_text: str,
    public_status: str = ClientCommunication.PublicStatus.INVESTIGATING,
    rule: CommunicationRule | None = None,
    at: datetime.datetime | None = None,
) -> ClientCommunication:
    """D9 §7.2 "Incident (client-facing)" / "Outage communication": Support drafts the
    status-page text and the client mail; an approval request goes to the row's approvers
    (PM; PM + Owner for an outage). A follow-up the row lets Support post without approval
    (policy data, default off) is published at once."""
    now = at or timezone.now()
    communication = ClientCommunication(
        incident=incident,
        rule=rule or client_rule(),
        title=title.strip(),
        public_status=public_status,
        status_page_text=status_page_text.strip(),
        email_text=email_text.strip(),
        drafted_at=now,
        drafted_by=actor,
    )
    if not client_rules().filter(pk=communication.rule.pk).exists():
        raise ValidationError({"rule": "Choose a D9 §7.2 event that goes to the status page."})
    decision = authority.require(actor, "incident.client_comm.draft", obj=communication, at=now)
    errors = {}
    if not communication.title:
        errors["title"] = "Write the headline clients read."
    if not communication.status_page_text:
        errors["status_page_text"] = "Write the status-page text."
    if not communication.email_text:
        errors["email_text"] = "Write the client email."
    if public_status not in ClientCommunication.PublicStatus.values:
        errors["public_status"] = "Choose investigating, identified, monitoring or resolved."

    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _save(communication, actor=actor, reason=f"D9 §7.2 {communication.rule.event}: drafted")
        if not decision.approvals:
            publish_client_communication(communication=communication, actor=actor, at=now)
            return communication
        approvals.request_approval(
            kind=CLIENT_COMM_APPROVAL,
            target=communication,
            title=f"Client communication for incident #{incident.pk}: {communication.title}",
            requester=actor,
            executor=actor,
            requirements=decision.approvals,
            at=now,
        )
        names = " + ".join(m.role.label or m.role.name for m in communication.rule.approvers.all())
        _event(
            incident,
            IncidentEvent.Kind.CLIENT_COMM,
            f"Client communication drafted by {display_name(actor)}; awaiting {names} approval.",
            actor=actor,
            at=now,
        )
    return communication


def approval_request_for(communication: ClientCommunication) -> ApprovalRequest | None:
    return approvals.request_for(kind=CLIENT_COMM_APPROVAL, target=communication)


def approve_client_communication(
    *,
    communication: ClientCommunication,
    actor,
    statement: str = "Approved for clients.",
    at: datetime.datetime | None = None,
) -> ClientCommunication:
    """D9 §7.2: an approver the row names (PM; PM or Owner for an outage) approves a client
    communication (not its drafter); the decision is recorded by the approval mechanism, whose
    quorum publishes it. The rule itself is the kind's check, on every door."""
    now = at or timezone.now()
    request = approval_request_for(communication)
    if request is None:
        raise PermissionDenied("This communication has no approval request.")
    approvals.decide_approval(
        request=request,
        actor=actor,
        verdict=ApprovalDecision.Verdict.APPROVE,
        statement=statement,
        at=now,
    )
    communication.refresh_from_db()
    return communication


@kinds.before_decide(CLIENT_COMM_APPROVAL)
def check_client_comm(request: ApprovalRequest, *, actor, verdict, statement, confirmed, at) -> str:
    """D9 §7.2: the approver roles decide a draft, never its drafter — on every door."""
    communication = ClientCommunication.objects.get(pk=request.object_id)
    authority.require(actor, "incident.client_comm.approve", obj=communication, at=at)
    return statement


@kinds.on_quorum(CLIENT_COMM_APPROVAL)
def _client_comm_approved(request: ApprovalRequest, *, actor, at) -> None:
    """Quorum reached (every approver the row names): the communication is published as
    Support drafted it, on Support's behalf (D9 §7.2 owner), and its mail is recorded."""
    communication = ClientCommunication.objects.select_for_update().get(pk=request.object_id)
    if communication.status != ClientCommunication.Status.DRAFT:
        return
    communication.approved_by = actor
    publish_client_communication(communication=communication, actor=actor, at=at)


def publish_client_communication(*, communication: ClientCommunication, actor, at) -> None:
    """D9 §7.2 channel "Status page + email": the approved text appears on the status page
    exactly as approved, and is mailed through the outbox to the subscribers of the incident's
    workspace (global subscribers always) when the row's channel includes email. The mail's
    delivery, not a click, marks it sent (`incidents.status.mail.mark_delivered`)."""
    communication.status = ClientCommunication.Status.APPROVED
    communication.approved_at = at
    communication.published_at = at
    _save(communication, actor=actor, reason=f"D9 §7.2 {communication.rule.event}: published")
    mailed = mail.mail_communication(communication=communication, at=at)
    how = (
        f"approved by {display_name(communication.approved_by)}"
        if communication.approved_by_id
        else f"posted by {display_name(actor)} as a follow-up the policy allows without approval"
    )
    _event(
        communication.incident,
        IncidentEvent.Kind.CLIENT_COMM,
        f"Client communication {how}; published on the status page"
        + (f", mail to {mailed} subscriber(s) under way." if mailed else "; no mail to send."),
        actor=actor,
        at=at,
    )
    if not mailed:
        communication.status = ClientCommunication.Status.SENT
        communication.sent_at = at
        _save(communication, actor=actor, reason="Published; nothing to mail")
