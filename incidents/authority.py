"""Authority rules of the incidents app, registered with the engine (`governance.authority`).

Each rule reads the policy rows (D9 §2.1 RACI, §7.2 communication rules) and who holds which
role at `at`; services and pages only ever ask `authority.decide`.
"""

from governance.authority.engine import Decision, Requirement, register
from governance.authority.holders import roles_of
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
    names = [
        role.name
        for role in Role.objects.filter(key__in=held).exclude(
            notion__in=[Role.Notion.ANYONE, Role.Notion.ALL_STAKEHOLDERS]
        )
    ]
    return ", ".join(names) or "no role"


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
    if not incident.is_open:
        return Decision(False, "This incident is resolved.")
    return None


@register("incident.declare")
def may_declare(user, *, action, obj, at) -> Decision:
    """D9 §4.3 "Alert fires": anyone who sees a problem may declare an incident."""
    return Decision(True, "Allowed: anyone may declare an incident (D9 §4.3).", rows=("D9 §4.3",))


@register("incident.acknowledge")
def may_acknowledge(user, *, action, obj: Incident, at) -> Decision:
    """D9 §2.1 "Acknowledge alert": On-Call Responsible; §4.2 the roles the ladder pulls in."""
    closed = _closed(obj)
    if closed:
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
    if closed:
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


def client_rule() -> CommunicationRule:
    return CommunicationRule.objects.prefetch_related("approvers__role").get(key=CLIENT_RULE)


@register("incident.client_comm.draft")
def may_draft_client_comm(user, *, action, obj: Incident, at) -> Decision:
    """D9 §7.2 "Incident (client-facing)": Support drafts; the PM must approve."""
    rule = client_rule()
    row = f"D9 §7.2 {rule.event}"
    if not obj.client_facing:
        return Decision(False, "This incident is not client-facing; nothing goes to clients.")
    held = roles_of(user, at=at)
    if rule.owner.key not in held:
        return Decision(
            False,
            f"Only the {rule.owner.name} drafts client communication; "
            f"you hold: {_held_text(held)}.",
            rows=(row,),
        )
    approvals = tuple(Requirement(m.role.key, None, row) for m in rule.approvers.all())
    return Decision(True, f"Allowed: you are the {rule.owner.name} ({row}).", approvals=approvals)


@register("incident.client_comm.approve")
def may_approve_client_comm(user, *, action, obj: ClientCommunication, at) -> Decision:
    """D9 §7.2: the approver roles (PM) approve; never the person who drafted it."""
    rule = client_rule()
    row = f"D9 §7.2 {rule.event}"
    if obj.status != ClientCommunication.Status.DRAFT:
        return Decision(False, f"This communication is already {obj.get_status_display()}.")
    if obj.drafted_by_id == user.pk:
        return Decision(False, "You drafted this communication; someone else must approve it.")
    approvers = {m.role.key for m in rule.approvers.all()}
    held = roles_of(user, at=at)
    if not held & approvers:
        names = " + ".join(m.role.name for m in rule.approvers.all())
        return Decision(
            False,
            f"Only the {names} may approve client communication; you hold: {_held_text(held)}.",
            rows=(row,),
        )
    return Decision(True, f"Allowed: you hold {_held_text(held & approvers)} ({row}).")


@register("incident.client_comm.send")
def may_send_client_comm(user, *, action, obj: ClientCommunication, at) -> Decision:
    """D9 §7.2: Support sends (status page + email), only once approved."""
    rule = client_rule()
    row = f"D9 §7.2 {rule.event}"
    if obj.status != ClientCommunication.Status.APPROVED:
        return Decision(False, "The PM must approve this communication before it is sent.")
    held = roles_of(user, at=at)
    if rule.owner.key not in held:
        return Decision(
            False,
            f"Only the {rule.owner.name} sends client communication; you hold: {_held_text(held)}.",
            rows=(row,),
        )
    return Decision(True, f"Allowed: you are the {rule.owner.name} ({row}).")
