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
from datetime import datetime

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
    `target`; address it to the people holding them now (guardian grant + mail)."""
    at = at or timezone.now()
    kinds.get(kind)
    requirements = list(requirements)
    if not requirements:
        raise ValueError("An approval request needs at least one required role.")
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
        roles = {
            role.key: role for role in Role.objects.filter(key__in=[r.role for r in requirements])
        }
        for requirement in requirements:
            row = ApprovalRequirement(
                request=request,
                role=roles[requirement.role],
                due_at=requirement.due_at,
                rows=requirement.row[:200],
            )
            _save(row, actor=requester, reason="Approval requested")
        address_request(request, at=at)
    return request


def address_request(request: ApprovalRequest, *, at: datetime) -> int:
    """Grant the decide permission to, and mail, every current holder of a required role who
    is neither the requester nor the executor. Idempotent (guardian grants and mail dedupe)."""
    count = 0
    excluded = {request.requester_id, request.executor_id}
    for requirement in request.requirements.select_related("role"):
        for person in authority.holders(requirement.role.key, at=at):
            if person.pk in excluded:
                continue
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
        _transition(request, kind=kind, actor=actor, at=at)
        for hook in kind.after_decide:
            hook(row, actor=actor, at=at)
    return row


def _transition(request: ApprovalRequest, *, kind: kinds.ApprovalKind, actor, at: datetime) -> None:
    """Apply the status the decisions give; run the callback on entering approved/vetoed."""
    status = evaluate(request)
    if status == request.status:
        return
    request.status = status
    request.resolved_at = at if status != ApprovalRequest.Status.PENDING else None
    _save(request, actor=actor, reason=f"Approval {status}")
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
    """Requests waiting on `user` now: addressed to them (guardian) and still decidable.
    A bounded number of queries however many are pending (issue 16 point 1)."""
    at = at or timezone.now()
    addressed = list(
        get_objects_for_user(
            user, DECIDE_PERMISSION, klass=ApprovalRequest, accept_global_perms=False
        )
        .filter(status__in=[ApprovalRequest.Status.PENDING, ApprovalRequest.Status.VETOED])
        .select_related("requester")
        .prefetch_related(
            Prefetch("requirements", queryset=ApprovalRequirement.objects.select_related("role"))
        )
        .order_by("created_at")
    )
    decisions = authority.decide_many(
        user, [("approval.decide", request) for request in addressed], at=at
    )
    return [request for request, decision in zip(addressed, decisions, strict=True) if decision]


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
