"""Services of role changes: who holds a D9 role changes only once the §9 roles approve.

D9 §1.3 names a primary and a backup for each static role and §4.4 how each role is reached;
D9 §9 (Document Control) names the roles that approve a change of the policy: Ingestion Owner,
SRE Lead, PM (read from the Document Control rows of the version in force, never written here).
A change of an assignment (its holders, validity or the primary's unavailability) or of an
escalation contact is proposed (`propose_role_change`), approved through the one approval
mechanism, and applied by its `on_quorum` callback. Nobody's approval counts on a change that
gives them a role (DESIGN "Security": nobody grants themselves a role).
"""

import json
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from governance import authority
from governance.approvals import kinds
from governance.approvals import services as approvals
from governance.core.history import save_with_history
from governance.models import (
    ApprovalDecision,
    ApprovalRequest,
    DocumentApproval,
    EscalationContact,
    Role,
    RoleAssignment,
    RoleChangeRequest,
)


def role_change_url(request) -> str:
    """A role change is decided on its own page (before/after table, approvers)."""
    return reverse("role_change", args=[request.object_id])


KIND = kinds.register("policy.role_change", url=role_change_url)
DOCUMENT_CONTROL = "D9 §9 Document Control"
FIELDS = {
    RoleChangeRequest.Subject.ASSIGNMENT: (
        "role",
        "primary",
        "backup",
        "valid_from",
        "valid_to",
        "primary_unavailable_until",
    ),
    RoleChangeRequest.Subject.CONTACT: (
        "role",
        "primary_channel",
        "primary_value",
        "backup_channel",
        "backup_value",
        "position",
    ),
}
MODELS = {
    RoleChangeRequest.Subject.ASSIGNMENT: RoleAssignment,
    RoleChangeRequest.Subject.CONTACT: EscalationContact,
}
# The RoleChangeRequest field naming the row each subject changes.
LINKS = {
    RoleChangeRequest.Subject.ASSIGNMENT: "assignment",
    RoleChangeRequest.Subject.CONTACT: "contact",
}


def approver_roles() -> list[str]:
    """D9 §9: the roles of the Document Control table of the version in force."""
    rows = DocumentApproval.objects.filter(version=approvals.current_policy_version())
    return list(rows.order_by("position", "id").values_list("role__key", flat=True))


def values_of(instance, subject: str) -> dict:
    """The fields a role change may set, as JSON values (people and roles by id)."""
    values = {
        name: instance._meta.get_field(name).value_from_object(instance) for name in FIELDS[subject]
    }
    # As stored (dates as ISO text), so a fresh proposal compares like a reloaded one.
    return json.loads(json.dumps(values, cls=DjangoJSONEncoder))


def _later(after, before) -> bool:
    """Whether the ISO date/datetime `after` lies after `before` (None: open, i.e. never)."""
    if after is None or before is None:
        return before is not None and after is None
    parse = parse_datetime
    return (parse(after) or after) > (parse(before) or before)


def gainers(change: RoleChangeRequest) -> set[int]:
    """Ids of the people the change gives a role, or more of one: a new primary or backup, both
    when the role or the validity widens, the backup when the primary is marked unavailable
    longer; for a contact, anyone whose mail address or user name becomes a contact value."""
    before, after = change.previous, change.proposed
    if change.subject == RoleChangeRequest.Subject.CONTACT:
        values = {
            after.get(key, "").strip().lower()
            for key in ("primary_value", "backup_value")
            if after.get(key) and after.get(key) != before.get(key)
        }
        values.discard("")
        if not values:
            return set()
        matches = Q()
        for value in values:
            matches |= Q(email__iexact=value) | Q(username__iexact=value)
        people = get_user_model().objects.filter(matches)
        return set(people.values_list("pk", flat=True))
    holders = {after.get("primary"), after.get("backup")} - {None}
    gained = {
        after[slot]
        for slot in ("primary", "backup")
        if after.get(slot) not in (None, before.get(slot))
    }
    if not before or after.get("role") != before.get("role"):
        return holders
    if after["valid_from"] < before["valid_from"] or _later(
        after.get("valid_to"), before.get("valid_to")
    ):
        gained |= holders
    unavailable, was = (
        after.get("primary_unavailable_until"),
        before.get("primary_unavailable_until"),
    )
    if unavailable and (was is None or _later(unavailable, was)) and after.get("backup"):
        gained.add(after["backup"])
    return gained


def propose_role_change(
    *, actor, subject: str, instance, at: datetime | None = None
) -> RoleChangeRequest:
    """D9 §1.3/§4.4 under §9: record `instance`'s unsaved values (a new or edited assignment or
    contact) as a pending change for the Document Control roles to approve. The proposer's
    own §9 role counts as their approval unless the change gives them a role; with every §9
    role so given, the change applies at once. The row itself is not touched until then."""
    at = at or timezone.now()
    roles = approver_roles()
    if not roles:
        raise ValidationError(
            "The policy in force names no Document Control approvers (D9 §9), so a change of "
            "who holds a role cannot be approved."
        )
    instance.full_clean()
    model = MODELS[subject]
    with transaction.atomic():
        current = model.objects.filter(pk=instance.pk).first() if instance.pk else None
        change = RoleChangeRequest(
            subject=subject,
            previous=values_of(current, subject) if current else {},
            proposed=values_of(instance, subject),
            requested_by=actor,
            requested_at=at,
            **{LINKS[subject]: current},
        )
        if change.previous == change.proposed:
            raise ValidationError("Nothing changed.")
        save_with_history(change, actor=actor, reason="Role change proposed")
        held = set() if actor.pk in gainers(change) else authority.roles_of(actor, at=at)
        requirements = [
            authority.Requirement(key, None, DOCUMENT_CONTROL) for key in roles if key not in held
        ]
        if not requirements:
            _apply(change, actor=actor, at=at)
            return change
        change.approval = approvals.request_approval(
            kind=KIND,
            target=change,
            title=f"{describe(change)} (D9 §9 approval)",
            requester=actor,
            requirements=requirements,
            at=at,
        )
        save_with_history(change, actor=actor, reason="Approval requested")
    return change


def describe(change: RoleChangeRequest) -> str:
    """One line naming what changes, for titles and mails."""
    role = Role.objects.filter(pk=change.proposed.get("role")).first()
    what = "assignment" if change.subject == RoleChangeRequest.Subject.ASSIGNMENT else "contact"
    verb = "Change" if change.previous else "New"
    return f"{verb} {role or 'role'} {what}"


def compare(change: RoleChangeRequest) -> list[dict]:
    """Each field before and after, people and roles by name, for the decision page."""
    model = MODELS[change.subject]
    rows = []
    for name in FIELDS[change.subject]:
        field = model._meta.get_field(name)
        before, after = change.previous.get(name), change.proposed.get(name)
        if field.is_relation:
            names = {
                obj.pk: str(obj)
                for obj in field.related_model._default_manager.filter(pk__in=[before, after])
            }
            before, after = names.get(before), names.get(after)
        rows.append(
            {
                "label": field.verbose_name.capitalize(),
                "before": before,
                "after": after,
                "changed": before != after,
            }
        )
    return rows


@kinds.before_decide(KIND)
def refuse_self_grant(
    request: ApprovalRequest, *, actor, verdict: str, statement: str, confirmed: bool, at
) -> str:
    """Nobody approves a change that gives themselves a role (a veto stays possible)."""
    if verdict != ApprovalDecision.Verdict.APPROVE:
        return statement
    change = RoleChangeRequest.objects.get(approval=request)
    if actor.pk in gainers(change):
        raise PermissionDenied(
            "This change gives you a role; someone else holding the role must approve it "
            "(D9 §9, no self-approval)."
        )
    return statement


@kinds.on_quorum(KIND)
def _approved(request: ApprovalRequest, *, actor, at) -> None:
    change = RoleChangeRequest.objects.select_for_update().get(approval=request)
    beneficiaries = gainers(change)
    for decision in approvals.stances(request).values():
        if decision.verdict == ApprovalDecision.Verdict.APPROVE and (
            decision.person_id in beneficiaries
        ):
            raise PermissionDenied("An approval of this change came from someone it gives a role.")
    _apply(change, actor=actor, at=at)


@kinds.on_veto(KIND)
def _vetoed(request: ApprovalRequest, *, actor, at) -> None:
    change = RoleChangeRequest.objects.select_for_update().get(approval=request)
    change.status = RoleChangeRequest.Status.REJECTED
    change.resolved_at = at
    save_with_history(change, actor=actor, reason="Vetoed")


@kinds.on_reopen(KIND)
def _reopened(request: ApprovalRequest, *, actor, at) -> None:
    """The veto is withdrawn: the change is pending approval again (issue 12 point 3)."""
    change = RoleChangeRequest.objects.select_for_update().get(approval=request)
    if change.status == RoleChangeRequest.Status.REJECTED:
        change.status = RoleChangeRequest.Status.PENDING
        change.resolved_at = None
        save_with_history(change, actor=actor, reason="Veto withdrawn")


def _apply(change: RoleChangeRequest, *, actor, at: datetime) -> None:
    """Write the proposed values onto the row (a new one for a new assignment or contact)."""
    model = MODELS[change.subject]
    link = LINKS[change.subject]
    row = getattr(change, link)
    row = model.objects.select_for_update().get(pk=row.pk) if row else model()
    for name, value in change.proposed.items():
        field = model._meta.get_field(name)
        setattr(row, field.attname, field.to_python(value))
    save_with_history(row, actor=actor, reason=f"Role change #{change.pk} approved (D9 §9)")
    setattr(change, link, row)
    change.status = RoleChangeRequest.Status.APPLIED
    change.resolved_at = at
    save_with_history(change, actor=actor, reason="Applied")
