"""Services of the one approval mechanism (DESIGN "Approvals and sign-offs").

A request names what it approves (any object), who asked, who will carry it out, and the roles
whose approval it needs by when. Decisions are append-only rows. A decision counts only from a
person holding the required role at that moment (checked by the authority engine; the role and
the policy version are stored on it), never from the requester or the executor, and only on the
request's current revision. Any veto blocks until its author withdraws it with a new row.

Each kind of request registers its page, its checks and what happens when it is approved or
vetoed in `governance.approvals.kinds`; `decide_approval` runs them on every path.

The request row is locked (`select_for_update`) while quorum and vetoes are evaluated, so two
approvers deciding at the same instant are both recorded and the transition runs exactly once.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone
from guardian.shortcuts import assign_perm, get_objects_for_user

from governance import authority
from governance.approvals import kinds
from governance.core.history import save_with_history as _save
from governance.models import (
    ApprovalDecision,
    ApprovalEscalation,
    ApprovalRequest,
    ApprovalRequirement,
    PolicyVersion,
    Role,
)
from governance.notifications.outbox import notify
from governance.policy import selectors

DECIDE_PERMISSION = "governance.decide_approvalrequest"


def current_policy_version() -> PolicyVersion | None:
    return (
        PolicyVersion.objects.filter(status=PolicyVersion.Status.OPERATIONAL)
        .order_by("-date", "-id")
        .first()
    )


def request_approval(
    *,
    kind: str,
    target,
    title: str,
    requester,
    requirements: Iterable[authority.Requirement],
    executor=None,
    at: datetime | None = None,
) -> ApprovalRequest:
    """Open a request for the roles of `requirements` (from an authority Decision) to approve
    `target`; address it to the people holding them now (guardian grant + mail).

    Issue 12 point 2, no approval without a deadline and none that nobody can decide: where
    the policy gives no deadline, the approver's response time applies (D9 §3.1, Owner 1 hour;
    `selectors.approval_response_minutes`). When nobody but the requester or executor holds a
    required role (the Owner's own pause outliving an hour), its backup is asked at once (D9
    §1.3), or, with no backup, the next authority of D9 §4.2 in its place."""
    at = at or timezone.now()
    kinds.get(kind)
    requirements = list(requirements)
    if not requirements:
        raise ValueError("An approval request needs at least one required role.")
    excluded = {requester.pk, getattr(executor, "pk", None)}
    roles = {role.key: role for role in Role.objects.all()}
    planned: dict[str, tuple[Role, datetime, str, bool]] = {}
    for requirement in requirements:
        route = _route(roles[requirement.role], requirement, excluded=excluded, at=at)
        planned.setdefault(route[0].key, route)
    with transaction.atomic():
        request = ApprovalRequest(
            kind=kind,
            title=title[:200],
            content_type=ContentType.objects.get_for_model(target),
            object_id=target.pk,
            requester=requester,
            executor=executor,
            policy_version=current_policy_version(),
            created_at=at,
        )
        _save(request, actor=requester, reason="Approval requested")
        for role, due, row, to_backup in planned.values():
            line = ApprovalRequirement(request=request, role=role, due_at=due, rows=row[:200])
            _save(line, actor=requester, reason="Approval requested")
            if to_backup:
                # Escalated at once: the backup may decide now, and the sweep asks nobody again.
                ApprovalEscalation.objects.create(requirement=line, fired_at=at)
        address_request(request, at=at)
    return request


def _route(
    role: Role, requirement: authority.Requirement, *, excluded: set, at: datetime
) -> tuple[Role, datetime, str, bool]:
    """The role to ask, by when, the rows saying why, and whether its backup is asked at once
    (see `request_approval`)."""
    due = requirement.due_at or at + timedelta(minutes=selectors.approval_response_minutes(role))
    if any(p.pk not in excluded for p in authority.holders(role.key, at=at)):
        return role, due, requirement.row, False
    backup = _backup(role, at=at)
    if backup is not None and backup.pk not in excluded:
        row = f"{requirement.row}; nobody else holds the {role.name}: its backup is asked"
        return role, due, row, True
    successor = selectors.next_authority(role)
    if successor is None:
        return role, due, requirement.row, False
    due = at + timedelta(minutes=selectors.approval_response_minutes(successor))
    return (
        successor,
        due,
        f"{requirement.row}; nobody else holds the {role.name} and it has no backup: the next "
        f"authority (D9 §4.2), the {successor.name}, is asked",
        False,
    )


def _backup(role: Role, *, at: datetime):
    if role.notion != Role.Notion.ASSIGNED:
        return None
    _, backup = selectors.role_holders(role.key, at=at)
    return backup if backup is not None and backup.is_active else None


def addressees(request: ApprovalRequest, *, at: datetime) -> list[tuple[ApprovalRequirement, list]]:
    """Who each requirement is addressed to at `at`: the role's holders other than the
    requester and executor, and its backup once the requirement is escalated (its deadline
    passed, or nobody else held the role; D9 §1.3)."""
    excluded = {request.requester_id, request.executor_id}
    rows = []
    for requirement in request.requirements.select_related("role", "escalation"):
        people = {p.pk: p for p in authority.holders(requirement.role.key, at=at)}
        if is_escalated(requirement, at=at):
            backup = _backup(requirement.role, at=at)
            if backup is not None:
                people.setdefault(backup.pk, backup)
        rows.append((requirement, [p for pk, p in people.items() if pk not in excluded]))
    return rows


def is_escalated(requirement: ApprovalRequirement, *, at: datetime) -> bool:
    """Past its deadline, or escalated at once: the role's backup is asked and may decide."""
    if requirement.due_at is not None and requirement.due_at <= at:
        return True
    escalation = getattr(requirement, "escalation", None)
    return escalation is not None and escalation.fired_at <= at


def addressees_text(request: ApprovalRequest, *, at: datetime) -> str:
    """ "Ingestion Owner (by 10:15): Oscar Backup" — who was asked, for the §5.2 log."""
    parts = []
    for requirement, people in addressees(request, at=at):
        due = (
            f" by {timezone.localtime(requirement.due_at):%Y-%m-%d %H:%M}"
            if requirement.due_at
            else ""
        )
        names = ", ".join(p.get_full_name() or p.username for p in people) or "nobody"
        parts.append(f"{requirement.role.name}{due}: asked {names}")
    return "; ".join(parts)


def address_request(request: ApprovalRequest, *, at: datetime) -> int:
    """Grant the decide permission to, and mail, everyone `addressees` names. Idempotent
    (guardian grants and mail dedupe)."""
    count = 0
    for requirement, people in addressees(request, at=at):
        for person in people:
            assign_perm(DECIDE_PERMISSION, person, request)
            notify(
                person,
                "approval-requested",
                {"request": request, "requirement": requirement},
                dedupe_key=f"approval:{request.pk}:r{request.revision}:{requirement.role.key}:"
                f"{person.pk}",
            )
            count += 1
    return count


def stances(request: ApprovalRequest) -> dict[tuple[int, int], ApprovalDecision]:
    """Each (role, person)'s latest decision on the current revision."""
    latest = {}
    for decision in request.decisions.filter(revision=request.revision).order_by(
        "decided_at", "id"
    ):
        latest[(decision.role_id, decision.person_id)] = decision
    return latest


def evaluate(request: ApprovalRequest) -> str:
    """The status the decisions give: vetoed while any veto stands, approved when every
    required role has an approval from someone other than the requester or executor."""
    latest = stances(request)
    if any(d.verdict == ApprovalDecision.Verdict.VETO for d in latest.values()):
        return ApprovalRequest.Status.VETOED
    excluded = {request.requester_id, request.executor_id}
    approved_roles = {
        role_id
        for (role_id, person_id), d in latest.items()
        if d.verdict == ApprovalDecision.Verdict.APPROVE and person_id not in excluded
    }
    required = set(request.requirements.values_list("role_id", flat=True))
    if required <= approved_roles:
        return ApprovalRequest.Status.APPROVED
    return ApprovalRequest.Status.PENDING


def decide_approval(
    *,
    request: ApprovalRequest,
    actor,
    verdict: str,
    statement: str,
    confirmed: bool = False,
    at: datetime | None = None,
) -> ApprovalDecision:
    """Record `actor`'s approval, veto or withdrawal of their veto (DESIGN "Approvals and
    sign-offs"; e.g. D9 §5.1 "Owner (within 15 min)"). Refused with the reason in plain words
    when the actor holds no required role now, asked or carries the action out, or already
    decided so on this revision, or when a check of the request's kind refuses (e.g. D9 §6.2:
    a GA sign-off confirms the role's statement, `confirmed`). The one door for every decision:
    pages, admin and API all come here. Runs the kind's callbacks exactly once."""
    at = at or timezone.now()
    statement = (statement or "").strip()
    if verdict not in ApprovalDecision.Verdict.values:
        raise ValidationError(f"Unknown verdict {verdict!r}.")
    with transaction.atomic():
        request = ApprovalRequest.objects.select_for_update().get(pk=request.pk)
        kind = kinds.get(request.kind)
        decision = authority.require(actor, "approval.decide", obj=request, at=at)
        for check in kind.before_decide:
            statement = check(
                request,
                actor=actor,
                verdict=verdict,
                statement=statement,
                confirmed=confirmed,
                at=at,
            ).strip()
        if not statement:
            word = "statement" if verdict == ApprovalDecision.Verdict.APPROVE else "reason"
            raise ValidationError({"statement": f"Write a {word} for your decision."})
        latest = stances(request)
        mine = {role_id: d for (role_id, person_id), d in latest.items() if person_id == actor.pk}
        required = {r.role.key: r.role for r in request.requirements.select_related("role")}
        acting = [required[key] for key in decision.acting_roles]
        if verdict == ApprovalDecision.Verdict.WITHDRAW:
            vetoed = [r for r in acting if getattr(mine.get(r.pk), "verdict", "") == "veto"]
            if not vetoed:
                raise ValidationError("You have no veto on this request to withdraw.")
            role = vetoed[0]
        else:
            role = next((r for r in acting if r.pk not in mine), acting[0])
        if verdict == "approve" and getattr(mine.get(role.pk), "verdict", "") == "veto":
            raise ValidationError("Withdraw your veto before approving.")
        row = ApprovalDecision(
            request=request,
            role=role,
            person=actor,
            verdict=verdict,
            held_as=held_as(actor, role, request=request, at=at),
            statement=statement,
            revision=request.revision,
            policy_version=current_policy_version(),
            decided_at=at,
        )
        row._history_user = actor
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:
            raise ValidationError(
                f"You already recorded “{row.get_verdict_display()}” as {role.name} on this "
                "version of the request."
            ) from None
        # Whoever holds the role when deciding is addressed from now on (their lists, links).
        assign_perm(DECIDE_PERMISSION, actor, request)
        _transition(request, kind=kind, actor=actor, at=at)
        for hook in kind.after_decide:
            hook(row, actor=actor, at=at)
    return row


def held_as(user, role: Role, *, request: ApprovalRequest, at: datetime) -> str:
    """How `user` holds `role` at `at` for `request` (D9 §1.3, §3.1): the primary (or the
    tier's holder) it was addressed to, the backup acting for an unavailable primary, the
    backup asked because the primary's deadline passed, or a successor who took the role over
    after the request was opened (neither asked nor holding it then). The authority engine has
    already said they may decide; this only names how, for the record."""
    Held = ApprovalDecision.HeldAs
    if role.notion == Role.Notion.ASSIGNED:
        now = selectors.assignment_at(role.key, at=at)
        if now is not None and now.backup_id == user.pk:
            return Held.ACTING_BACKUP if now.backup_acts(at) else Held.BACKUP_ASKED
        then = selectors.assignment_at(role.key, at=request.created_at)
        held_then = then is not None and then.primary_id == user.pk
    else:
        held_then = user.pk in {p.pk for p in authority.holders(role.key, at=request.created_at)}
    asked = user.has_perm(DECIDE_PERMISSION, request)
    return Held.PRIMARY if asked or held_then else Held.SUCCESSOR


def _transition(request: ApprovalRequest, *, kind: kinds.ApprovalKind, actor, at: datetime) -> None:
    """Apply the status the decisions give; run the callbacks on the way: `on_reopen` when the
    last veto is withdrawn (first, so a withdrawal that completes the quorum reopens the target
    before approving it), `on_quorum` / `on_veto` on entering approved / vetoed (issue 12
    point 3: whatever the order of decisions, request and target agree)."""
    status = evaluate(request)
    previous = request.status
    if status == previous:
        return
    request.status = status
    request.resolved_at = at if status != ApprovalRequest.Status.PENDING else None
    _save(request, actor=actor, reason=f"Approval {status}")
    if previous == ApprovalRequest.Status.VETOED and kind.on_reopen:
        kind.on_reopen(request, actor=actor, at=at)
    callback = {
        ApprovalRequest.Status.APPROVED: kind.on_quorum,
        ApprovalRequest.Status.VETOED: kind.on_veto,
    }.get(status)
    if callback:
        callback(request, actor=actor, at=at)


def revise_request(
    *, request: ApprovalRequest, actor, title: str | None = None, at: datetime | None = None
) -> ApprovalRequest:
    """Edit a request: its revision goes up and every earlier decision stops counting."""
    at = at or timezone.now()
    with transaction.atomic():
        request = ApprovalRequest.objects.select_for_update().get(pk=request.pk)
        if request.status in (ApprovalRequest.Status.APPROVED, ApprovalRequest.Status.CANCELLED):
            raise ValidationError("A decided request cannot be revised; open a new one.")
        if actor.pk != request.requester_id:
            raise PermissionDenied("Only the requester may revise the request.")
        request.revision += 1
        request.status = ApprovalRequest.Status.PENDING
        if title:
            request.title = title[:200]
        _save(request, actor=actor, reason=f"Revised to revision {request.revision}")
        address_request(request, at=at)
    return request


def cancel_request(*, request: ApprovalRequest, actor, reason: str, at=None) -> None:
    """Close a request that no longer matters (e.g. the pause it approved was lifted)."""
    at = at or timezone.now()
    with transaction.atomic():
        request = ApprovalRequest.objects.select_for_update().get(pk=request.pk)
        if request.status == ApprovalRequest.Status.CANCELLED:
            return
        request.status = ApprovalRequest.Status.CANCELLED
        request.resolved_at = at
        _save(request, actor=actor, reason=reason)


def request_for(*, target, kind: str | None = None) -> ApprovalRequest | None:
    """The latest request about `target` (of `kind`, when given)."""
    requests = ApprovalRequest.objects.filter(
        content_type=ContentType.objects.get_for_model(target), object_id=target.pk
    )
    if kind is not None:
        requests = requests.filter(kind=kind)
    return requests.order_by("-created_at", "-id").first()


def pending_for(user, *, at: datetime | None = None) -> list[ApprovalRequest]:
    """Requests waiting on `user` now and still decidable by them: addressed to them when
    asked (guardian), or to a role they hold now — a backup acting for the primary, or a
    successor after a hand-over, sees what is pending on the role (D9 §1.3, §3.1). A bounded
    number of queries however many are pending (issue 16 point 1)."""
    at = at or timezone.now()
    open_statuses = [ApprovalRequest.Status.PENDING, ApprovalRequest.Status.VETOED]
    addressed = get_objects_for_user(
        user, DECIDE_PERMISSION, klass=ApprovalRequest, accept_global_perms=False
    ).filter(status__in=open_statuses)
    roles = authority.roles_of(user, at=at) | authority.backup_roles_of(user, at=at)
    by_role = ApprovalRequest.objects.filter(
        status__in=open_statuses, requirements__role__key__in=roles
    )
    ids = set(addressed.values_list("pk", flat=True)) | set(by_role.values_list("pk", flat=True))
    candidates = list(
        ApprovalRequest.objects.filter(pk__in=ids)
        .select_related("requester")
        .prefetch_related(
            Prefetch(
                "requirements",
                queryset=ApprovalRequirement.objects.select_related("role", "escalation"),
            )
        )
        .order_by("created_at", "id")
    )
    decisions = authority.decide_many(
        user, [("approval.decide", request) for request in candidates], at=at
    )
    return [request for request, decision in zip(candidates, decisions, strict=True) if decision]


def overdue_requirements(*, now: datetime):
    """Requirements past their deadline on undecided requests (dashboard and escalation)."""
    return (
        ApprovalRequirement.objects.select_related("request", "role")
        .filter(due_at__lte=now, request__status=ApprovalRequest.Status.PENDING)
        .order_by("due_at")
    )


def escalate_overdue(*, now: datetime) -> int:
    """An approval not given by its deadline is escalated once: mail to the approver's backup
    and to the Ingestion Owner (DESIGN "Approvals": pending requests are escalated)."""

    fired = 0
    due = overdue_requirements(now=now).filter(escalation__isnull=True)
    for requirement in due[:200]:
        approved = {
            d.role_id
            for d in stances(requirement.request).values()
            if d.verdict == ApprovalDecision.Verdict.APPROVE
        }
        if requirement.role_id in approved:
            continue
        with transaction.atomic():
            try:
                with transaction.atomic():
                    ApprovalEscalation.objects.create(requirement=requirement, fired_at=now)
            except IntegrityError:
                continue
            recipients = {}
            if requirement.role.notion == Role.Notion.ASSIGNED:
                _, backup = selectors.role_holders(requirement.role.key, at=now)
                if backup:
                    recipients[backup.pk] = backup
            for owner in authority.holders(authority.OWNER, at=now):
                recipients[owner.pk] = owner
            for person in recipients.values():
                notify(
                    person,
                    "approval-overdue",
                    {"request": requirement.request, "requirement": requirement},
                    dedupe_key=f"approval-overdue:{requirement.pk}:{person.pk}",
                )
            fired += 1
    return fired


def approval_url(request: ApprovalRequest) -> str:
    """The page where `request` is decided (mails, pending-approval lists), as its kind says."""
    return kinds.get(request.kind).url(request)
