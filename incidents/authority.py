"""Authority rules of the incidents app, registered with the engine (`governance.authority`).

Each rule reads the policy rows (D9 §2.1 RACI, §7.2 communication rules) and who holds which
role at `at`; services and pages only ever ask `authority.decide`.
"""

from django.db.models import QuerySet

from governance.authority.engine import Decision, Requirement, register
from governance.authority.holders import roles_by_key, roles_of
from governance.models import CommunicationRule, RaciEntry, Role
from incidents.models import (
    AlertGroup,
    ClientCommunication,
    Incident,
    IncidentStep,
    Responder,
)

ON_CALL_ROLES = {"on_call", "on_call_primary", "on_call_secondary"}
CLIENT_RULE = "incident_client_facing"


def _held_text(held: set[str]) -> str:
    # From the memoised role table: a page deciding many rows names the roles without a query.
    hidden = (Role.Notion.ANYONE, Role.Notion.ALL_STAKEHOLDERS)
    roles = sorted(
        (r for r in roles_by_key().values() if r.key in held and r.notion not in hidden),
        key=lambda r: (r.position, r.key),
    )
    return ", ".join(role.name for role in roles) or "no role"


def pulled_in_roles(incident: Incident) -> set[str]:
    """The roles the ladder or the response track has paged or notified so far."""
    return set(
        IncidentStep.objects.filter(incident=incident, fired_at__isnull=False, role__isnull=False)
        .values_list("role__key", flat=True)
        .distinct()
    )


def involvement(user, incident: Incident, *, at) -> tuple[bool, set[str], str]:
    """Is `user` involved now: on call, paged on this incident, holding a role the ladder
    pulled in, or its acknowledger? Returns (involved, roles held, why)."""
    held = roles_of(user, at=at)
    if held & ON_CALL_ROLES:
        return True, held, "you are On-Call"
    if Responder.objects.filter(incident=incident, user=user).exists():
        return True, held, "the escalation paged you on this incident"
    pulled = held & pulled_in_roles(incident)
    if pulled:
        return True, held, f"the ladder pulled in your role ({_held_text(pulled)})"
    if incident.acknowledged_by_id == user.pk:
        return True, held, "you acknowledged it"
    return False, held, ""


def raised_by_integration_of(user, incident: Incident) -> bool:
    """Is `user` the service user of the integration whose alert opened `incident`?"""
    return AlertGroup.objects.filter(incident=incident, integration__acts_as=user).exists()


def _closed(incident: Incident) -> Decision | None:
    """Resolved means resolved: no action on a resolved incident, so its forms are not shown."""
    if not incident.is_open:
        when = f" at {incident.resolved_at:%Y-%m-%d %H:%M} UTC" if incident.resolved_at else ""
        return Decision(
            False, f"Incident #{incident.pk} was resolved{when}; it takes no more actions."
        )
    return None


@register("incident.declare")
def may_declare(user, *, action, obj, at) -> Decision:
    """D9 §4.3 "Alert fires": anyone who sees a problem may declare an incident."""
    return Decision(True, "Allowed: anyone may declare an incident (D9 §4.3).", rows=("D9 §4.3",))


@register("incident.acknowledge")
def may_acknowledge(user, *, action, obj: Incident, at) -> Decision:
    """D9 §2.1 "Acknowledge alert": On-Call Responsible; §4.2 the roles the ladder pulls in."""
    closed = _closed(obj)
    if closed is not None:  # a refusal Decision is falsy
        return closed
    if raised_by_integration_of(user, obj):
        # The monitoring tool acknowledges for the person who acknowledged there (Events v2).
        return Decision(
            True,
            "Allowed: the integration that raised this alert acknowledges it (D9 §4.3).",
            rows=("D9 §4.3",),
        )
    involved, held, why = involvement(user, obj, at=at)
    if not involved or why == "you acknowledged it":
        return Decision(
            False,
            "Only the current On-Call (primary or secondary) or someone the escalation ladder "
            f"has pulled in may acknowledge; you hold: {_held_text(held)}.",
            rows=("D9 §2.1 Acknowledge alert", "D9 §4.2"),
        )
    return Decision(True, f"Allowed: {why} (D9 §2.1, §4.2).", rows=("D9 §2.1 Acknowledge alert",))


def _involved_rule(user, obj: Incident, at, what: str, row: str) -> Decision:
    closed = _closed(obj)
    if closed is not None:  # a refusal Decision is falsy
        return closed
    involved, held, why = involvement(user, obj, at=at)
    if not involved:
        return Decision(
            False,
            f"Only people involved in the incident (the On-Call and those the ladder paged) "
            f"may {what}; you hold: {_held_text(held)}.",
            rows=(row,),
        )
    return Decision(True, f"Allowed: {why} ({row}).", rows=(row,))


@register("incident.update")
def may_update(user, *, action, obj: Incident, at) -> Decision:
    """D9 §7.1 "Incident update": On-Call, every 30 min; anyone involved may post one."""
    return _involved_rule(user, obj, at, "post an update", "D9 §7.1 Incident update")


@register("incident.resolve")
def may_resolve(user, *, action, obj: Incident, at) -> Decision:
    """D9 §7.1 "Incident resolved": On-Call at resolution; anyone involved may resolve."""
    return _involved_rule(user, obj, at, "resolve it", "D9 §7.1 Incident resolved")


@register("incident.escalate")
def may_escalate(user, *, action, obj: Incident, at) -> Decision:
    """D9 §1.1 On-Call "Pause, escalate, page secondary"; §4.3 "Cannot resolve → Page
    Secondary": the On-Call, and anyone the escalation already pulled in, escalates now."""
    return _involved_rule(user, obj, at, "escalate it", "D9 §1.1 Pause, escalate, page secondary")


@register("incident.review.file")
def may_file_review(user, *, action, obj, at) -> Decision:
    """D9 §2.1 "Post-incident review": the Accountable (Owner) and Responsible (On-Call) roles
    file it, as does whoever the review names."""
    row = "D9 §2.1 Post-incident review"
    if obj.status == obj.Status.DONE:
        return Decision(False, "This review is already filed.")
    if user.pk in (obj.accountable_id, obj.responsible_id):
        return Decision(True, f"Allowed: the review names you ({row}).", rows=(row,))
    allowed = set(
        RaciEntry.objects.filter(
            activity__key="post_incident_review",
            letter__in=[RaciEntry.Letter.ACCOUNTABLE, RaciEntry.Letter.RESPONSIBLE],
        ).values_list("role__key", flat=True)
    )
    held = roles_of(user, at=at)
    if held & allowed:
        return Decision(True, f"Allowed: you hold {_held_text(held & allowed)} ({row}).")
    return Decision(
        False,
        f"Only the {_held_text(allowed)} may file the post-incident review; "
        f"you hold: {_held_text(held)}.",
        rows=(row,),
    )


register("incident.review.edit")(may_file_review)


def review_roles(*letters: str) -> set[str]:
    """The role keys of the D9 §2.1 "Post-incident review" row with any of `letters`."""
    return set(
        RaciEntry.objects.filter(
            activity__key="post_incident_review", letter__in=letters
        ).values_list("role__key", flat=True)
    )


@register("incident.review.sign_off")
def may_sign_off_review(user, *, action, obj, at) -> Decision:
    """D9 §2.1 "Post-incident review": the Accountable role (the Ingestion Owner) signs off a
    filed review, never the person it names Responsible (who wrote it)."""
    row = "D9 §2.1 Post-incident review"
    if obj.status != obj.Status.DONE:
        return Decision(False, "The review is not filed yet; it is signed off once filed.")
    if obj.signed_off_at:
        return Decision(False, "This review is already signed off.")
    accountable = review_roles(RaciEntry.Letter.ACCOUNTABLE)
    held = roles_of(user, at=at)
    if not held & accountable:
        return Decision(
            False,
            f"Only the {_held_text(accountable)} signs off a post-incident review; "
            f"you hold: {_held_text(held)}.",
            rows=(row,),
        )
    if user.pk == obj.responsible_id:
        return Decision(
            False, "The review names you Responsible; the Accountable signs it off.", rows=(row,)
        )
    return Decision(True, f"Allowed: you hold {_held_text(held & accountable)} ({row}).")


@register("incident.follow_up.close")
def may_close_follow_up(user, *, action, obj, at) -> Decision:
    """A follow-up ticket is closed by its assignee, or by the Accountable or Responsible role
    of D9 §2.1 "Post-incident review"."""
    row = "D9 §2.1 Post-incident review"
    if obj.closed_at:
        return Decision(False, "This follow-up ticket is already closed.")
    if user.pk == obj.assignee_id:
        return Decision(True, "Allowed: the ticket is assigned to you.", rows=(row,))
    allowed = review_roles(RaciEntry.Letter.ACCOUNTABLE, RaciEntry.Letter.RESPONSIBLE)
    held = roles_of(user, at=at)
    if held & allowed:
        return Decision(True, f"Allowed: you hold {_held_text(held & allowed)} ({row}).")
    return Decision(
        False,
        f"Only its assignee or the {_held_text(allowed)} may close a follow-up ticket; "
        f"you hold: {_held_text(held)}.",
        rows=(row,),
    )


def client_rule() -> CommunicationRule:
    """D9 §7.2 "Incident (client-facing)", the row a communication follows unless it says."""
    return CommunicationRule.objects.prefetch_related("approvers__role").get(key=CLIENT_RULE)


def client_rules() -> QuerySet[CommunicationRule]:
    """The D9 §7.2 rows a client communication may follow: the external events whose channel
    is the status page ("Incident (client-facing)", "Outage communication")."""
    return CommunicationRule.objects.filter(
        audience=CommunicationRule.Audience.EXTERNAL, channel__icontains="status page"
    )


def is_follow_up(communication: ClientCommunication) -> bool:
    """Is this a follow-up (update or resolution) of an incident already published under the
    same row, which that row lets Support publish without a new approval?"""
    return (
        communication.rule.follow_ups_without_approval
        and ClientCommunication.objects.filter(
            incident_id=communication.incident_id,
            rule=communication.rule,
            published_at__isnull=False,
            approved_by__isnull=False,
        ).exists()
    )


@register("incident.client_comm.draft")
def may_draft_client_comm(user, *, action, obj, at) -> Decision:
    """D9 §7.2 "Incident (client-facing)" / "Outage communication": Support drafts; the row's
    approvers (PM; PM + Owner) must approve, unless the row lets Support post follow-ups to an
    approved incident. `obj` is the incident, or the communication being drafted."""
    communication = obj if isinstance(obj, ClientCommunication) else None
    incident = communication.incident if communication else obj
    rule = communication.rule if communication else client_rule()
    row = f"D9 §7.2 {rule.event}"
    if not incident.client_facing:
        return Decision(False, "This incident is not client-facing; nothing goes to clients.")
    held = roles_of(user, at=at)
    if rule.owner.key not in held:
        return Decision(
            False,
            f"Only the {rule.owner.name} drafts client communication; "
            f"you hold: {_held_text(held)}.",
            rows=(row,),
        )
    if communication and is_follow_up(communication):
        return Decision(
            True,
            f"Allowed: you are the {rule.owner.name}, and the policy lets you publish "
            f"follow-ups of an approved incident ({row}).",
            rows=(row,),
        )
    approvals = tuple(Requirement(m.role.key, None, row) for m in rule.approvers.all())
    return Decision(True, f"Allowed: you are the {rule.owner.name} ({row}).", approvals=approvals)


@register("incident.client_comm.approve")
def may_approve_client_comm(user, *, action, obj: ClientCommunication, at) -> Decision:
    """D9 §7.2: the row's approver roles (PM; PM + Owner for an outage) approve; never the
    person who drafted it."""
    rule = obj.rule
    row = f"D9 §7.2 {rule.event}"
    if obj.status != ClientCommunication.Status.DRAFT:
        return Decision(False, f"This communication is already {obj.get_status_display()}.")
    if obj.drafted_by_id == user.pk:
        return Decision(False, "You drafted this communication; someone else must approve it.")
    mentions = list(rule.approvers.all())  # prefetched with their roles by the page's selector
    approvers = {m.role.key for m in mentions}
    held = roles_of(user, at=at)
    if not held & approvers:
        names = " + ".join(m.role.name for m in mentions)
        return Decision(
            False,
            f"Only the {names} may approve client communication; you hold: {_held_text(held)}.",
            rows=(row,),
        )
    return Decision(True, f"Allowed: you hold {_held_text(held & approvers)} ({row}).")


# Who adds clients to the status-page mail: Support, the owner of D9 §7.2 client communication,
# and the Account Manager, who holds the client relationship (D9 §1 roles; issue 21).
SUBSCRIBER_MANAGERS = ("support_lead", "account_manager")


@register("status.subscriber.add")
def may_add_subscriber(user, *, action, obj, at) -> Decision:
    """Issue 21 / D9 §7.2: Support or the Account Manager adds a client to the client mail."""
    held = roles_of(user, at=at)
    if held & set(SUBSCRIBER_MANAGERS):
        return Decision(True, f"Allowed: you hold {_held_text(held & set(SUBSCRIBER_MANAGERS))}.")
    names = " or the ".join(
        Role.objects.filter(key__in=SUBSCRIBER_MANAGERS).values_list("name", flat=True)
    )
    return Decision(
        False,
        f"Only the {names} adds client subscribers; you hold: {_held_text(held)}.",
        rows=("D9 §7.2",),
    )
