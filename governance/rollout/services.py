"""Sign-off services of the rollout (D9 §6, §7.1/7.2, §9) on the one approval mechanism.

- Gate reviews (D9 §6.1, §6.2): `request_phase_advance`, `revise_phase_advance`,
  `cancel_phase_advance`; approvers `sign`, `veto`, `withdraw`. The phase changes exactly once,
  when the last approval lands (`complete_advance`, run by the on_quorum callback under the
  request's row lock, writing a PhaseTransition unique per review). Open P1/P2 incidents and
  active kill-switch pauses refuse a review, and hold an approved one until they clear.
- Rollbacks (D9 §6.3, §6.4): `request_rollback` validates the §6.4 form; an emergency rollback
  takes effect at once and collects its approval afterwards.
- Document control (D9 §9): `publish_policy_version`.
- Time rules: `remind_pending_sign_offs`, `address_overdue_rollbacks`, `complete_held_advances`.
"""

import hashlib
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from governance import authority
from governance.approvals import kinds
from governance.approvals import services as approvals
from governance.core.history import save_with_history as _save
from governance.killswitch import services as killswitch
from governance.models import (
    ApprovalDecision,
    ApprovalRequest,
    ApprovalRequirement,
    CommunicationRule,
    DocumentApproval,
    GaConfirmation,
    Notification,
    Phase,
    PhaseAdvance,
    PhaseGate,
    PhaseTransition,
    PolicyDraft,
    PolicyVersion,
    RaciActivity,
    RevalidationCheck,
    Role,
    RollbackReason,
    RollbackSignOff,
    RollbackSignOffReason,
    RollbackType,
    Rollout,
)
from governance.notifications.outbox import notify
from governance.notifications.selectors import rollout_channel_team
from governance.policy import drafts, selectors
from governance.rollout import authority as signoff_authority
from governance.rollout import selectors as rollout_selectors


def signoff_url(request) -> str:
    """Rollout, GA, rollback and policy-version requests are decided on the sign-off page."""
    return reverse("rollout:signoff", args=[request.pk])


KIND_ADVANCE = kinds.register("rollout.phase_advance", url=signoff_url)
KIND_ROLLBACK = kinds.register("rollout.rollback", url=signoff_url)
KIND_PUBLISH = kinds.register("policy.publish", url=signoff_url)
KINDS = (KIND_ADVANCE, KIND_ROLLBACK, KIND_PUBLISH)
# Issue "Rollout phases": a sign-off pending this long reminds its addressee, once.
REMIND_AFTER = timedelta(hours=24)
# Issue "Rollout phases": an emergency rollback's approval pending this long goes to the backup.
EMERGENCY_APPROVAL_WITHIN = timedelta(hours=1)
GA_RULES = ("ga_declaration", "ga_announcement")


def digest(text: str) -> str:
    """A stable short digest for dedupe keys (the same across processes, unlike `hash()`)."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _name(user) -> str:
    return (user.get_full_name() or user.username) if user else "—"


def current_rollout() -> Rollout:
    """The ingestion rollout (created by migration; created here if a test database lacks it)."""
    rollout = Rollout.objects.order_by("created_at", "id").first()
    return rollout or Rollout.objects.create(name="Ingestion", slug="ingestion")


def next_gate(rollout: Rollout) -> PhaseGate | None:
    return PhaseGate.objects.filter(from_phase=rollout.phase).first()


def open_advance(rollout: Rollout) -> PhaseAdvance | None:
    return rollout.advances.filter(status__in=PhaseAdvance.OPEN).first()


def target_of(request: ApprovalRequest):
    """The PhaseAdvance, RollbackSignOff or PolicyVersion a sign-off request approves."""
    model = {
        KIND_ADVANCE: PhaseAdvance,
        KIND_ROLLBACK: RollbackSignOff,
        KIND_PUBLISH: PolicyVersion,
    }.get(request.kind)
    if model is None:
        return None
    return model.objects.filter(pk=request.object_id).first()


Blocker = Callable[[datetime], list[str]]
BLOCKERS: list[Blocker] = []


def register_blocker(blocker: Blocker) -> Blocker:
    """Register `blocker(at) -> [reason, ...]`: something that forbids advancing a phase now.

    The rollout does not know incidents; the incidents app registers "an open P1/P2" in its
    `ready()`, and the kill switch's active pauses are registered below.
    """
    BLOCKERS.append(blocker)
    return blocker


def blockers(*, at: datetime | None = None) -> list[str]:
    """What forbids advancing now, in plain words (issue "Rollout phases"): every registered
    blocker's reasons, e.g. open P1/P2 incidents and active pauses."""
    at = at or timezone.now()
    return [reason for blocker in BLOCKERS for reason in blocker(at)]


@register_blocker
def active_pauses_block(at: datetime) -> list[str]:
    """No phase advances while a kill-switch pause is active."""
    return [
        f"A kill-switch pause is active ({pause.scope_label}: {pause.scenario})."
        for pause in killswitch.active_pauses()
    ]


@register_blocker
def emergency_rollback_block(at: datetime) -> list[str]:
    """D9 §5.3 "Rollback: Full P0 revalidation": after an emergency rollback to P0, no phase
    advances until that revalidation is recorded item by item (issue 12 point 4)."""
    return [
        f"The emergency rollback to P0 of "
        f"{timezone.localtime(sign_off.effective_at):%Y-%m-%d %H:%M} needs its Full P0 "
        "revalidation first (D9 §5.3); still to verify: "
        f"{', '.join(rollout_selectors.revalidation_missing(sign_off))}."
        for sign_off in rollout_selectors.unrevalidated_emergency_rollbacks_to_p0()
    ]


def record_revalidation(
    *,
    sign_off: RollbackSignOff,
    actor,
    activity: RaciActivity,
    note: str,
    at: datetime | None = None,
) -> RevalidationCheck:
    """D9 §5.3 "Rollback: Full P0 revalidation": the Ingestion Owner or the PM records one item
    of it as verified after a rollback in effect, with what was checked (once per item)."""
    at = at or timezone.now()
    note = (note or "").strip()
    with transaction.atomic():
        sign_off = RollbackSignOff.objects.select_for_update().get(pk=sign_off.pk)
        decision = authority.require(actor, "rollback.revalidate", obj=sign_off, at=at)
        if sign_off.status != RollbackSignOff.Status.IN_EFFECT:
            raise ValidationError("Only a rollback in effect is revalidated.")
        if activity.key not in rollout_selectors.REVALIDATION_ACTIVITIES:
            raise ValidationError({"activity": f"“{activity.name}” is not a P0 revalidation item."})
        if not note:
            raise ValidationError({"note": f"Say how “{activity.name}” was verified."})
        if RevalidationCheck.objects.filter(sign_off=sign_off, activity=activity).exists():
            raise ValidationError(f"“{activity.name}” is already verified for this rollback.")
        check = RevalidationCheck(
            sign_off=sign_off,
            activity=activity,
            verified_by=actor,
            verified_role=Role.objects.get(key=decision.acting_roles[0]),
            verified_at=at,
            note=note,
        )
        _save(check, actor=actor, reason=f"P0 revalidation: {activity.name}")
    return check


def approver_states(request: ApprovalRequest, *, at: datetime | None = None) -> list[dict]:
    """Each required role, who it is addressed to, and their stance on the current revision."""
    at = at or timezone.now()
    latest = approvals.stances(request)
    rows = []
    for requirement in request.requirements.select_related("role"):
        decided = [d for (role_id, _), d in latest.items() if role_id == requirement.role_id]
        people = [
            p
            for p in authority.holders(requirement.role.key, at=at)
            if p.pk not in (request.requester_id, request.executor_id)
        ]
        rows.append({"requirement": requirement, "decisions": decided, "people": people})
    return rows


def requester_sign_off(target) -> dict | None:
    """The requester's own sign-off on a gate review, as a decision row of the record: D9 §6.2
    "GA approval requires all" — the Owner who opens the GA review signs by confirming their
    statement there (their roles count as given), so the record lists that sign-off too."""
    if not isinstance(target, PhaseAdvance) or not target.requester_role_keys:
        return None
    roles = [authority.role_name(key) for key in target.requester_role_keys]
    return {
        "decided_at": target.requested_at,
        "person": target.requested_by,
        "role_names": ", ".join(roles),
        "statement": target.requester_statement or "Requested the review (counts as given).",
    }


def voided_decisions(request: ApprovalRequest):
    return request.decisions.exclude(revision=request.revision).select_related("person", "role")


def decided_by(user):
    """Sign-off decisions `user` made, newest first ("what I decided")."""
    return (
        ApprovalDecision.objects.filter(person=user)
        .select_related("request", "role")
        .order_by("-decided_at", "-id")
    )


def _ga_statement(role_keys) -> str:
    rows = GaConfirmation.objects.filter(role__key__in=role_keys).select_related("role")
    return "\n".join(f"{row.role.name}: {row.statement}" for row in rows)


def request_phase_advance(
    *,
    actor,
    criteria: str,
    confirmed: bool = False,
    rollout: Rollout | None = None,
    at: datetime | None = None,
) -> PhaseAdvance:
    """D9 §6.1: open the review of the rollout's next gate, addressed to the gate's approvers
    (PhaseGate rows); the requester's own approver roles count as given (for GA, they confirm
    their D9 §6.2 statement). Refused while a P1/P2 incident is open or a pause is active."""
    at = at or timezone.now()
    criteria = (criteria or "").strip()
    with transaction.atomic():
        rollout = Rollout.objects.select_for_update().get(pk=(rollout or current_rollout()).pk)
        gate = next_gate(rollout)
        if gate is None:
            raise ValidationError(f"The rollout is in {rollout.phase} (GA); there is no next gate.")
        decision = authority.require(actor, "phase.advance", obj=gate, at=at)
        if found := blockers(at=at):
            raise ValidationError(
                [f"Advancing past {gate} is refused while this lasts: {' '.join(found)}"]
            )
        if open_advance(rollout):
            raise ValidationError("This rollout already has an open gate review; decide it first.")
        if not criteria:
            raise ValidationError({"criteria": "Describe how the gate's criteria are met."})
        statement = ""
        if gate.to_phase == Phase.P4 and decision.acting_roles:
            statement = _ga_statement(decision.acting_roles)
            if not confirmed:
                raise ValidationError({"confirmed": f"Confirm your GA statement: {statement}"})
        advance = PhaseAdvance(
            rollout=rollout,
            gate=gate,
            from_phase=gate.from_phase,
            to_phase=gate.to_phase,
            criteria=criteria,
            requested_by=actor,
            requested_at=at,
            requester_role_keys=list(decision.acting_roles),
            requester_statement=statement,
        )
        _save(advance, actor=actor, reason=f"Gate review {gate} requested")
        if decision.approvals:
            advance.approval = approvals.request_approval(
                kind=KIND_ADVANCE,
                target=advance,
                title=f"{rollout.name}: pass gate {gate}",
                requester=actor,
                requirements=decision.approvals,
                at=at,
            )
            _save(advance, actor=actor, reason="Sign-offs requested")
        else:
            advance = complete_advance(advance=advance, actor=actor, at=at)
    return advance


def revise_phase_advance(
    *, advance: PhaseAdvance, actor, criteria: str, at: datetime | None = None
) -> PhaseAdvance:
    """Edit a review's criteria: a new revision of its request, voiding earlier sign-offs
    (DESIGN "Approvals and sign-offs")."""
    at = at or timezone.now()
    criteria = (criteria or "").strip()
    if not criteria:
        raise ValidationError({"criteria": "Describe how the gate's criteria are met."})
    with transaction.atomic():
        advance = PhaseAdvance.objects.select_for_update().get(pk=advance.pk)
        if advance.status not in (PhaseAdvance.Status.PENDING, PhaseAdvance.Status.VETOED):
            raise ValidationError("Only a review waiting for sign-offs can be edited.")
        if advance.approval_id is None:
            raise ValidationError("This review needs no sign-off.")
        approvals.revise_request(
            request=advance.approval, actor=actor, title=advance.approval.title, at=at
        )
        advance.criteria = criteria
        advance.status = PhaseAdvance.Status.PENDING
        _save(advance, actor=actor, reason="Criteria edited; earlier sign-offs void")
    return advance


def cancel_phase_advance(
    *, advance: PhaseAdvance, actor, reason: str = "", at: datetime | None = None
) -> PhaseAdvance:
    """The requester (or the Owner) withdraws an open gate review."""
    at = at or timezone.now()
    with transaction.atomic():
        advance = PhaseAdvance.objects.select_for_update().get(pk=advance.pk)
        if advance.status not in PhaseAdvance.OPEN:
            raise ValidationError("This review is already closed.")
        is_owner = authority.OWNER in authority.roles_of(actor, at=at)
        if actor.pk != advance.requested_by_id and not is_owner:
            raise PermissionDenied("Only the requester or the Ingestion Owner may cancel it.")
        if advance.approval_id:
            approvals.cancel_request(
                request=advance.approval, actor=actor, reason=reason or "Review cancelled", at=at
            )
        advance.status = PhaseAdvance.Status.CANCELLED
        _save(advance, actor=actor, reason=reason or "Review cancelled")
    return advance


def complete_advance(*, advance: PhaseAdvance, actor, at: datetime) -> PhaseAdvance:
    """Pass an approved gate, exactly once: under the rollout's row lock, a PhaseTransition
    unique per review. Held (with the reason, requester told) while a P1/P2 incident is open or
    a pause is active; the `rollout.complete_held` sweep finishes it when they clear."""
    rollout = Rollout.objects.select_for_update().get(pk=advance.rollout_id)
    advance = PhaseAdvance.objects.select_for_update().get(pk=advance.pk)
    if advance.status in (PhaseAdvance.Status.DONE, PhaseAdvance.Status.CANCELLED):
        return advance
    if rollout.phase != advance.from_phase:
        advance.status = PhaseAdvance.Status.CANCELLED
        advance.held_reason = f"The rollout is no longer in {advance.from_phase}."
        _save(advance, actor=actor, reason=advance.held_reason)
        return advance
    if found := blockers(at=at):
        reason = " ".join(found)
        if advance.status != PhaseAdvance.Status.HELD or advance.held_reason != reason:
            advance.status = PhaseAdvance.Status.HELD
            advance.held_reason = reason
            _save(advance, actor=actor, reason="Approved; held")
            notify(
                advance.requested_by,
                "rollout-advance-held",
                {"advance": advance, "blockers": found},
                dedupe_key=f"rollout-advance-held:{advance.pk}:{digest(reason)}",
            )
        return advance
    rollout.phase = advance.to_phase
    if advance.is_ga:
        rollout.ga_declared_at = at
    _save(rollout, actor=actor, reason=f"Gate {advance.gate} passed")
    transition = PhaseTransition(
        rollout=rollout,
        from_phase=advance.from_phase,
        to_phase=advance.to_phase,
        kind=PhaseTransition.Kind.ADVANCE,
        at=at,
        actor=actor,
        advance=advance,
        policy_version=approvals.current_policy_version(),
    )
    _save(transition, actor=actor, reason=f"Gate {advance.gate} passed")
    advance.status = PhaseAdvance.Status.DONE
    advance.completed_at = at
    advance.held_reason = ""
    _save(advance, actor=actor, reason="Phase advanced")
    _announce_transition(transition, at=at)
    if advance.is_ga:
        declare_ga(rollout=rollout, actor=actor, at=at)
    return advance


def complete_held_advances(*, now: datetime) -> int:
    """Approved reviews held by an incident or a pause pass once nothing blocks any more."""
    done = 0
    for advance in PhaseAdvance.objects.filter(status=PhaseAdvance.Status.HELD)[:50]:
        with transaction.atomic():
            result = complete_advance(advance=advance, actor=advance.requested_by, at=now)
        done += result.status == PhaseAdvance.Status.DONE
    return done


def declare_ga(*, rollout: Rollout, actor, at: datetime) -> int:
    """D9 §7.1/7.2 GA declaration: every stakeholder is mailed ("#general + email"), and the
    owner of each GA communication rule (PM) is asked to post it on its channels."""
    rules = list(
        CommunicationRule.objects.filter(key__in=GA_RULES)
        .select_related("owner")
        .order_by("audience", "position")
    )
    count = 0
    for person in authority.holders(authority.ALL_STAKEHOLDERS, at=at):
        notify(
            person,
            "ga-declared",
            {"rollout": rollout, "at": at, "rules": rules},
            dedupe_key=f"ga-declared:{rollout.pk}:{person.pk}",
        )
        count += 1
    if team := rollout_channel_team():
        # D9 §7.1 GA declaration: posted in #ingestion-rollout, the ingestion team's channel.
        notify(
            team,
            "ga-declared",
            {"rollout": rollout, "at": at, "rules": rules},
            dedupe_key=f"ga-declared:{rollout.pk}:team",
        )
    for rule in rules:
        for person in authority.holders(rule.owner.key, at=at):
            notify(
                person,
                "ga-communicate",
                {"rollout": rollout, "rule": rule, "at": at},
                dedupe_key=f"ga-communicate:{rollout.pk}:{rule.key}:{person.pk}",
            )
            count += 1
    return count


def _announce_transition(transition: PhaseTransition, *, at: datetime) -> None:
    """D9 §7.1 Phase start (and §6.3 "notify all after" for rollbacks): every stakeholder."""
    for person in authority.holders(authority.ALL_STAKEHOLDERS, at=at):
        notify(
            person,
            "rollout-phase-changed",
            {"transition": transition},
            dedupe_key=f"rollout-phase-changed:{transition.pk}:{person.pk}",
        )
    if team := rollout_channel_team():
        # D9 §7.1 "Phase start ... #ingestion-rollout": the ingestion team's channel.
        notify(
            team,
            "rollout-phase-changed",
            {"transition": transition},
            dedupe_key=f"rollout-phase-changed:{transition.pk}:team",
        )


@kinds.on_quorum(KIND_ADVANCE)
def _advance_approved(request: ApprovalRequest, *, actor, at) -> None:
    advance = PhaseAdvance.objects.get(approval=request)
    complete_advance(advance=advance, actor=actor, at=at)


@kinds.on_veto(KIND_ADVANCE)
def _advance_vetoed(request: ApprovalRequest, *, actor, at) -> None:
    advance = PhaseAdvance.objects.select_for_update().get(approval=request)
    advance.status = PhaseAdvance.Status.VETOED
    _save(advance, actor=actor, reason="Vetoed")


def default_statement(request: ApprovalRequest, *, actor, verdict, statement, confirmed, at) -> str:
    """A sign-off is addressed to its roles: whoever holds one when deciding decides (the
    primary, the backup acting for them, a successor after a hand-over; D9 §1.3, §3.1 — the
    engine's `approval.decide` says who). A veto gives its reason; an approval without words
    records "Approved."; a withdrawal "Veto withdrawn."."""
    if verdict == ApprovalDecision.Verdict.VETO and not statement:
        raise ValidationError({"statement": "Give the reason of your veto."})
    defaults = {"approve": "Approved.", "withdraw": "Veto withdrawn."}
    return statement or defaults.get(verdict, "")


def check_ga_statement(
    request: ApprovalRequest, *, actor, verdict, statement, confirmed, at
) -> str:
    """D9 §6.2: each GA approver confirms the statement of their role; the confirmed statement
    is what the sign-off records."""
    target = target_of(request)
    if verdict != ApprovalDecision.Verdict.APPROVE or not (
        isinstance(target, PhaseAdvance) and target.is_ga
    ):
        return statement
    decision = authority.require(actor, "ga.sign", obj=request, at=at)
    ga = _ga_statement(decision.acting_roles)
    if not confirmed:
        raise ValidationError({"confirmed": f"Confirm your GA statement (D9 §6.2): {ga}"})
    extra = "" if statement in ("", "Approved.") else f"\n{statement}"
    return f"Confirmed: {ga}{extra}"


def reopen_target(request: ApprovalRequest, *, actor, at) -> None:
    """The last veto is withdrawn: the review or rollback it blocked is pending again (issue 12
    point 3: request and target agree whatever the order of decisions)."""
    target = target_of(request)
    vetoed = {
        PhaseAdvance: PhaseAdvance.Status.VETOED,
        RollbackSignOff: RollbackSignOff.Status.VETOED,
    }.get(type(target))
    if vetoed and target.status == vetoed:
        target.status = type(target).Status.PENDING
        _save(target, actor=actor, reason="Veto withdrawn")


def mail_requester(row: ApprovalDecision, *, actor, at) -> None:
    """Issue "Reminders": every decision on a sign-off mails the requester."""
    notify(
        row.request.requester,
        "signoff-decided",
        {"request": row.request, "decision": row},
        dedupe_key=f"signoff-decided:{row.pk}",
    )


for _kind in KINDS:
    kinds.before_decide(_kind)(default_statement)
    kinds.before_decide(_kind)(check_ga_statement)
    kinds.on_reopen(_kind)(reopen_target)
    kinds.after_decide(_kind)(mail_requester)


def sign(
    *,
    request: ApprovalRequest,
    actor,
    statement: str = "",
    confirmed: bool = False,
    at: datetime | None = None,
) -> ApprovalDecision:
    """Approve a sign-off addressed to `actor` while holding its role (D9 §6.1; for GA, D9
    §6.2: the role's statement must be `confirmed`, and is the statement). The checks are the
    kind's, run by the one `decide_approval` on every path."""
    return approvals.decide_approval(
        request=request,
        actor=actor,
        verdict="approve",
        statement=statement,
        confirmed=confirmed,
        at=at,
    )


def veto(
    *, request: ApprovalRequest, actor, reason: str, at: datetime | None = None
) -> ApprovalDecision:
    """Veto a sign-off (D9 §6.1 "Veto Power: any approver"; §6.2 "any single veto blocks")."""
    return approvals.decide_approval(
        request=request, actor=actor, verdict="veto", statement=reason, at=at
    )


def withdraw(
    *, request: ApprovalRequest, actor, statement: str = "", at: datetime | None = None
) -> ApprovalDecision:
    """Lift one's own veto with a new decision row; the request is pending again."""
    return approvals.decide_approval(
        request=request, actor=actor, verdict="withdraw", statement=statement, at=at
    )


def role_words(keys) -> str:
    return " or ".join(Role.objects.filter(key__in=keys).values_list("name", flat=True))


def request_rollback(
    *,
    actor,
    rollback_type: RollbackType,
    to_phase: str,
    reasons: list[RollbackReason],
    other_reason: str = "",
    approved_by,
    investigation_assignee=None,
    re_ramp_on: date | None,
    client_communication: bool,
    rollout: Rollout | None = None,
    at: datetime | None = None,
) -> RollbackSignOff:
    """D9 §6.4: file the rollback sign-off form; `actor` authorizes it under D9 §6.3 for the
    type, the named approver signs through the approval mechanism. Validation in plain words
    per field. An emergency ("immediate") rollback takes effect at once, everyone is notified
    after, and its approval (D9 §8 Rollback phase) is collected afterwards."""
    at = at or timezone.now()
    other_reason = (other_reason or "").strip()
    with transaction.atomic():
        rollout = Rollout.objects.select_for_update().get(pk=(rollout or current_rollout()).pk)
        decision = authority.decide(actor, "rollback.request", obj=rollback_type, at=at)
        errors: dict[str, str] = {}
        if not decision:
            errors["rollback_type"] = decision.reason
        if not to_phase or to_phase >= rollout.phase:
            errors["to_phase"] = (
                f"Roll back to a phase lower than the current one ({rollout.phase})."
            )
        if not reasons:
            errors["reasons"] = "Tick at least one reason."
        needs_text = [r for r in reasons if r.free_text]
        if needs_text and not other_reason:
            errors["other_reason"] = f"Say what the “{needs_text[0].text}” reason is."
        if other_reason and not needs_text:
            errors["other_reason"] = "Tick “Other” for this text, or clear it."
        approver_keys = (
            signoff_authority.rollback_approval_roles(rollback_type, decision) if decision else []
        )
        approved_role = None
        if approved_by is None:
            errors["approved_by"] = "Name the person who approves this rollback."
        elif approved_by.pk == actor.pk:
            errors["approved_by"] = "The approver must be someone other than you."
        elif decision:
            held = authority.roles_of(approved_by, at=at)
            mine = [k for k in approver_keys if k in held]
            if not mine:
                errors["approved_by"] = (
                    f"A {rollback_type.name} rollback is approved by the "
                    f"{role_words(approver_keys)}; "
                    f"{_name(approved_by)} holds: {authority.holds_text(held)}."
                )
            else:
                approved_role = Role.objects.get(key=mine[0])
        if re_ramp_on is None or re_ramp_on <= timezone.localdate(at):
            errors["re_ramp_on"] = "The re-ramp target date must be in the future."
        if errors:
            raise ValidationError(errors)
        local = timezone.localtime(at)
        sign_off = RollbackSignOff(
            rollout=rollout,
            rollback_type=rollback_type,
            date=local.date(),
            time=local.time().replace(microsecond=0),
            from_phase=rollout.phase,
            to_phase=to_phase,
            other_reason=other_reason,
            authorized_by=actor,
            authorized_role=Role.objects.get(key=decision.acting_roles[0]),
            approved_by=approved_by,
            approved_role=approved_role,
            investigation_assignee=investigation_assignee,
            re_ramp_on=re_ramp_on,
            client_communication=client_communication,
            created_at=at,
        )
        _save(sign_off, actor=actor, reason=f"Rollback requested ({rollback_type.name})")
        for reason in reasons:
            row = RollbackSignOffReason(sign_off=sign_off, reason=reason)
            _save(row, actor=actor, reason="Rollback reason")
        due = at + EMERGENCY_APPROVAL_WITHIN if rollback_type.immediate else None
        requirements = [replace(r, due_at=due) for r in decision.approvals]
        sign_off.approval = approvals.request_approval(
            kind=KIND_ROLLBACK,
            target=sign_off,
            title=f"{rollout.name}: roll back {rollout.phase} → {to_phase} ({rollback_type.name})",
            requester=actor,
            requirements=requirements,
            at=at,
        )
        _save(sign_off, actor=actor, reason="Approval requested")
        if rollback_type.immediate:
            _apply_rollback(sign_off, actor=actor, at=at)
            sign_off.refresh_from_db()
    return sign_off


def emergency_rollback(**fields) -> RollbackSignOff:
    """D9 §6.3 Emergency (data at risk): On-Call rolls back at once; approval follows."""
    emergency = RollbackType.objects.filter(immediate=True).order_by("position").first()
    return request_rollback(rollback_type=emergency, **fields)


def _apply_rollback(sign_off: RollbackSignOff, *, actor, at: datetime) -> None:
    """Move the rollout down, once (PhaseTransition unique per sign-off); tell the §6.3
    consultation role ("notify all after", "PM informed", "Support informed")."""
    rollout = Rollout.objects.select_for_update().get(pk=sign_off.rollout_id)
    sign_off = RollbackSignOff.objects.select_for_update().get(pk=sign_off.pk)
    if sign_off.status == RollbackSignOff.Status.IN_EFFECT:
        return
    from_phase = rollout.phase
    if sign_off.to_phase < from_phase:
        rollout.phase = sign_off.to_phase
        rollout.ga_declared_at = None if rollout.phase != Phase.P4 else rollout.ga_declared_at
        _save(rollout, actor=actor, reason=f"Rolled back to {sign_off.to_phase}")
    for advance in rollout.advances.filter(status__in=PhaseAdvance.OPEN):
        cancel_phase_advance(advance=advance, actor=sign_off.authorized_by, reason="Rolled back")
    immediate = sign_off.rollback_type.immediate
    transition = PhaseTransition(
        rollout=rollout,
        from_phase=from_phase,
        to_phase=rollout.phase,
        kind=(
            PhaseTransition.Kind.EMERGENCY_ROLLBACK if immediate else PhaseTransition.Kind.ROLLBACK
        ),
        at=at,
        actor=sign_off.authorized_by,
        rollback=sign_off,
        policy_version=approvals.current_policy_version(),
    )
    _save(transition, actor=actor, reason="Rolled back")
    sign_off.status = RollbackSignOff.Status.IN_EFFECT
    sign_off.effective_at = at
    _save(sign_off, actor=actor, reason="Rolled back")
    consulted = sign_off.rollback_type.consultation_role.key
    for person in authority.holders(consulted, at=at):
        notify(
            person,
            "rollback-recorded",
            {"sign_off": sign_off, "transition": transition},
            dedupe_key=f"rollback-recorded:{sign_off.pk}:{person.pk}",
        )
    _announce_transition(transition, at=at)


@kinds.on_quorum(KIND_ROLLBACK)
def _rollback_approved(request: ApprovalRequest, *, actor, at) -> None:
    sign_off = RollbackSignOff.objects.get(approval=request)
    if sign_off.status in (RollbackSignOff.Status.PENDING, RollbackSignOff.Status.VETOED):
        _apply_rollback(sign_off, actor=actor, at=at)


@kinds.on_veto(KIND_ROLLBACK)
def _rollback_vetoed(request: ApprovalRequest, *, actor, at) -> None:
    """A veto blocks a pending rollback; an emergency one already in effect stays (its record
    shows the veto, and the requester is mailed)."""
    sign_off = RollbackSignOff.objects.select_for_update().get(approval=request)
    if sign_off.status == RollbackSignOff.Status.PENDING:
        sign_off.status = RollbackSignOff.Status.VETOED
        _save(sign_off, actor=actor, reason="Vetoed")


def rollback_block(sign_off: RollbackSignOff) -> str:
    """The filled D9 §6.4 block, laid out as D9 prints the blank form."""
    ticked = {row.reason_id for row in sign_off.reason_rows.all()}

    def box(flag: bool) -> str:
        return "☒" if flag else "□"

    reasons = []
    for reason in RollbackReason.objects.all():
        text = f"{box(reason.pk in ticked)} {reason.text}"
        if reason.free_text:
            text += f": {sign_off.other_reason if reason.pk in ticked else '_____________'}"
        reasons.append(text)
    assignee = sign_off.investigation_assignee
    comm = sign_off.client_communication
    return "\n".join(
        [
            "ROLLBACK SIGN-OFF FORM",
            "──────────────────────",
            "",
            f"Date: {sign_off.date.isoformat()}",
            f"Time: {sign_off.time.strftime('%H:%M')}",
            "",
            f"Rolled back from: {sign_off.from_phase}",
            f"Rolled back to: {sign_off.to_phase}",
            "",
            "Reason:",
            *reasons,
            "",
            f"Authorized by: {_name(sign_off.authorized_by)} "
            f"(Role: {sign_off.authorized_role.name})",
            f"Approved by: {_name(sign_off.approved_by)} (Role: {sign_off.approved_role.name})",
            "",
            "Next steps:",
            f"{box(bool(assignee))} Investigation assigned to: "
            f"{_name(assignee) if assignee else '_____________'}",
            f"☒ Re-ramp target date: {sign_off.re_ramp_on.isoformat()}",
            f"☒ Client communication: {box(comm)} Required {box(not comm)} Not required",
        ]
    )


def publish_policy_version(
    *,
    actor,
    version: str,
    date: date,
    change_summary: str,
    policy_draft: PolicyDraft | None = None,
    at: datetime | None = None,
) -> PolicyVersion:
    """D9 §9: a new version (version, date, change) goes into force once each role of the
    Document Control table (Ingestion Owner, SRE Lead, PM) has approved it through the approval
    mechanism; the requester's own §9 role counts as their approval. A version proposed from a
    `policy_draft` carries it (with its what-if report) and applies its rows when in force."""
    at = at or timezone.now()
    decision = authority.require(actor, "policy.publish", at=at)
    current = approvals.current_policy_version()
    if current and date and date < current.date:
        raise ValidationError(
            {"date": f"The date must not be before v{current.version} ({current.date})."}
        )
    roles = signoff_authority.document_roles(current)
    with transaction.atomic():
        draft = PolicyVersion(
            version=(version or "").strip(),
            date=date,
            change_summary=(change_summary or "").strip(),
            status=PolicyVersion.Status.DRAFT,
            prerequisites=current.prerequisites if current else "",
        )
        _save(draft, actor=actor, reason="New version proposed")
        if policy_draft is not None:
            if policy_draft.status != PolicyDraft.Status.OPEN:
                raise ValidationError(f"Draft #{policy_draft.pk} was already proposed.")
            policy_draft.version = draft
            policy_draft.status = PolicyDraft.Status.PROPOSED
            _save(policy_draft, actor=actor, reason=f"Proposed as v{draft.version}")
        for position, key in enumerate(roles, start=1):
            mine = key in decision.acting_roles
            row = DocumentApproval(
                version=draft,
                role=Role.objects.get(key=key),
                approver=actor if mine else None,
                approved_on=timezone.localdate(at) if mine else None,
                position=position,
            )
            _save(row, actor=actor, reason="Approval row")
        if decision.approvals:
            approvals.request_approval(
                kind=KIND_PUBLISH,
                target=draft,
                title=f"Publish D9 v{draft.version}: {draft.change_summary}",
                requester=actor,
                requirements=decision.approvals,
                at=at,
            )
        else:
            _put_in_force(draft, actor=actor, at=at)
    return draft


def _put_in_force(draft: PolicyVersion, *, actor, at: datetime) -> None:
    for old in PolicyVersion.objects.filter(status=PolicyVersion.Status.OPERATIONAL):
        old.status = PolicyVersion.Status.SUPERSEDED
        _save(old, actor=actor, reason=f"Superseded by v{draft.version}")
    draft.status = PolicyVersion.Status.OPERATIONAL
    _save(draft, actor=actor, reason="Approved and published")
    policy_draft = PolicyDraft.objects.filter(version=draft).first()
    if policy_draft is not None:
        drafts.apply_draft(draft=policy_draft, actor=actor, at=at)


@kinds.on_quorum(KIND_PUBLISH)
def _publish_approved(request: ApprovalRequest, *, actor, at) -> None:
    draft = PolicyVersion.objects.select_for_update().get(pk=request.object_id)
    for decision in approvals.stances(request).values():
        if decision.verdict != ApprovalDecision.Verdict.APPROVE:
            continue
        row = draft.approvals.filter(role=decision.role, approver__isnull=True).first()
        if row:
            row.approver = decision.person
            row.approved_on = timezone.localdate(decision.decided_at)
            _save(row, actor=actor, reason="Approved")
    _put_in_force(draft, actor=actor, at=at)


def _sign_off_requests():
    return ApprovalRequest.objects.filter(kind__in=KINDS)


def remind_pending_sign_offs(*, now: datetime) -> int:
    """A sign-off pending 24 hours reminds each addressee who has not decided, once per
    revision (the outbox dedupe key is the record)."""
    sent = 0
    due = _sign_off_requests().filter(
        status=ApprovalRequest.Status.PENDING, created_at__lte=now - REMIND_AFTER
    )
    for request in due.prefetch_related("requirements__role")[:200]:
        latest = approvals.stances(request)
        decided = {person_id for (_, person_id) in latest}
        approved = {role_id for (role_id, _), d in latest.items() if d.verdict == "approve"}
        for requirement in request.requirements.all():
            if requirement.role_id in approved:
                continue
            for person in authority.holders(requirement.role.key, at=now):
                if person.pk in (request.requester_id, request.executor_id, *decided):
                    continue
                key = f"signoff-reminder:{request.pk}:r{request.revision}:{person.pk}"
                if Notification.objects.filter(dedupe_key=key).exists():
                    continue
                notify(
                    person,
                    "signoff-reminder",
                    {"request": request, "requirement": requirement},
                    dedupe_key=key,
                )
                sent += 1
    return sent


def address_overdue_rollbacks(*, now: datetime) -> int:
    """An emergency rollback's approval pending an hour goes to the approver's backup: they get
    the decide grant here (the authority engine lets a backup decide past the deadline) and the
    `approvals.escalate_overdue` sweep mails them and the Owner."""
    granted = 0
    overdue = ApprovalRequirement.objects.filter(
        request__kind=KIND_ROLLBACK,
        request__status=ApprovalRequest.Status.PENDING,
        due_at__lte=now,
        role__notion=Role.Notion.ASSIGNED,
    ).select_related("request", "role")

    for requirement in overdue[:200]:
        _, backup = selectors.role_holders(requirement.role.key, at=now)
        request = requirement.request
        excluded = (request.requester_id, request.executor_id)
        if (
            backup
            and backup.pk not in excluded
            and not backup.has_perm(approvals.DECIDE_PERMISSION, request)
        ):
            assign_perm(approvals.DECIDE_PERMISSION, backup, request)
            granted += 1
    return granted
