"""Services of the launch checklist (D9 §2.1 Pre-Launch and Launch rows) and its Go/No-Go gate.

Each item is one RACI activity. Its Responsible does it; its Consulted roles give their input;
then its Accountable signs it off through the one approval mechanism (kind "launch.item"); then
its Informed roles are told. The Go/No-Go decision is recorded with its outcome and reason, and
every item after it in D9's order is refused until a "Go" has been signed off.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from governance import authority
from governance.approvals import kinds
from governance.approvals import services as approvals
from governance.core.history import save_with_history as _save
from governance.duties.services import holders_of, raci
from governance.models import (
    ApprovalRequest,
    GoNoGoDecision,
    Launch,
    LaunchChecklistItem,
    LaunchConsultation,
    RaciActivity,
    RaciEntry,
    Role,
)
from governance.notifications.outbox import notify


def item_url(request) -> str:
    """A launch item is signed off on its launch's checklist, at the item."""
    item = request.target
    return reverse("launch:detail", args=[item.launch_id]) + f"#item-{item.activity.key}"


KIND = kinds.register("launch.item", url=item_url)
GO_NO_GO = "go_no_go_decision"
PHASES = (RaciActivity.LifecyclePhase.PRE_LAUNCH, RaciActivity.LifecyclePhase.LAUNCH)


def _row(item: LaunchChecklistItem) -> str:
    return f"D9 §2.1 {item.activity.name}"


def _launch_roles() -> set[str]:
    return set(
        RaciEntry.objects.filter(
            activity__phase__in=PHASES,
            letter__in=[RaciEntry.Letter.RESPONSIBLE, RaciEntry.Letter.ACCOUNTABLE],
        ).values_list("role__key", flat=True)
    )


@authority.register("launch.start")
def _start_rule(user, *, action, obj, at) -> authority.Decision:
    """Anyone Responsible or Accountable for a Pre-Launch or Launch row may open a launch."""
    keys = _launch_roles()
    held = authority.roles_of(user, at=at) & keys
    if held:
        return authority.Decision(True, "Allowed.", acting_roles=tuple(sorted(held)))
    return authority.refuse(user, at, sorted(keys), "open a launch checklist", ["D9 §2.1"])


def start_launch(*, actor, name: str, at: datetime.datetime | None = None) -> Launch:
    """Open a launch whose checklist is the D9 §2.1 Pre-Launch and Launch rows, in order."""
    at = at or timezone.now()
    authority.require(actor, "launch.start", at=at)
    with transaction.atomic():
        launch = Launch(name=name.strip() or "Launch", created_at=at, created_by=actor)
        _save(launch, actor=actor, reason="Launch opened")
        activities = RaciActivity.objects.filter(phase__in=PHASES).order_by("position", "id")
        for activity in activities:
            item = LaunchChecklistItem(launch=launch, activity=activity, position=activity.position)
            _save(item, actor=actor, reason="Launch opened")
    return launch


def latest_go_no_go(launch: Launch) -> GoNoGoDecision | None:
    return launch.decisions.order_by("-decided_at", "-id").first()


def go_in_force(launch: Launch) -> bool:
    """The gate: the latest Go/No-Go decision is "Go" and the Accountable signed it off."""
    decision = latest_go_no_go(launch)
    if decision is None or decision.outcome != GoNoGoDecision.Outcome.GO:
        return False
    return launch.items.filter(
        activity__key=GO_NO_GO, status=LaunchChecklistItem.Status.SIGNED_OFF
    ).exists()


def _gate_position(launch: Launch) -> int | None:
    return launch.items.filter(activity__key=GO_NO_GO).values_list("position", flat=True).first()


def blocked_by_gate(item: LaunchChecklistItem) -> bool:
    """Items after the Go/No-Go decision wait for a signed-off "Go"."""
    gate = _gate_position(item.launch)
    return gate is not None and item.position > gate and not go_in_force(item.launch)


@authority.register("launch.do")
def _do_rule(user, *, action, obj: LaunchChecklistItem, at) -> authority.Decision:
    """D9 §2.1: the item's Responsible role(s) do it."""
    keys = [r.key for r in raci(obj.activity).get(RaciEntry.Letter.RESPONSIBLE, [])]
    held = authority.roles_of(user, at=at) & set(keys)
    if held:
        return authority.Decision(
            True, f"Allowed: Responsible ({_row(obj)}).", acting_roles=tuple(sorted(held))
        )
    return authority.refuse(user, at, keys, f"do “{obj.activity.name}”", [_row(obj)])


@authority.register("launch.consult")
def _consult_rule(user, *, action, obj: LaunchChecklistItem, at) -> authority.Decision:
    """D9 §2.1: the item's Consulted roles give their input before the sign-off."""
    keys = [r.key for r in raci(obj.activity).get(RaciEntry.Letter.CONSULTED, [])]
    held = authority.roles_of(user, at=at) & set(keys)
    if held:
        return authority.Decision(
            True, f"Allowed: Consulted ({_row(obj)}).", acting_roles=tuple(sorted(held))
        )
    return authority.refuse(user, at, keys, f"be consulted on “{obj.activity.name}”", [_row(obj)])


def complete_item(
    *, item: LaunchChecklistItem, actor, note: str, at: datetime.datetime | None = None
) -> LaunchChecklistItem:
    """D9 §2.1: the Responsible marks an item done; then C are consulted and A asked to sign
    off. Refused for items after the Go/No-Go decision until a "Go" is signed off."""
    at = at or timezone.now()
    with transaction.atomic():
        item = (
            LaunchChecklistItem.objects.select_for_update()
            .select_related("launch", "activity")
            .get(pk=item.pk)
        )
        if item.activity.key == GO_NO_GO:
            raise ValidationError("Record the Go/No-Go decision with its outcome and reason.")
        if item.status != LaunchChecklistItem.Status.OPEN:
            raise ValidationError(f"“{item.activity.name}” is already done.")
        if blocked_by_gate(item):
            raise ValidationError(
                f"“{item.activity.name}” waits for the Go/No-Go decision: no signed-off “Go” yet."
            )
        authority.require(actor, "launch.do", obj=item, at=at)
        _mark_done(item, actor=actor, note=note, at=at)
    return item


def _mark_done(item: LaunchChecklistItem, *, actor, note: str, at) -> None:
    item.status = LaunchChecklistItem.Status.CONSULTING
    item.done_by = actor
    item.done_at = at
    item.note = (note or "").strip()
    _save(item, actor=actor, reason="Done")
    _after_done(item, actor=actor, at=at)


def _after_done(item: LaunchChecklistItem, *, actor, at) -> None:
    consulted = raci(item.activity).get(RaciEntry.Letter.CONSULTED, [])
    given = set(item.consultations.values_list("role_id", flat=True))
    waiting = [role for role in consulted if role.pk not in given]
    if waiting:
        for person in holders_of(waiting, at=at):
            notify(
                person,
                "launch-consult",
                {"item": item, "launch": item.launch},
                dedupe_key=f"launch-consult:{item.pk}:{int(item.done_at.timestamp())}:{person.pk}",
            )
        return
    _request_sign_off(item, actor=actor, at=at)


def _request_sign_off(item: LaunchChecklistItem, *, actor, at) -> None:
    accountable = raci(item.activity).get(RaciEntry.Letter.ACCOUNTABLE, [])
    if not accountable:
        # D9 v1.0 "Test upload" names no A (accountable_waived): done is final.
        _signed_off(item, actor=actor, at=at)
        return
    item.status = LaunchChecklistItem.Status.SIGN_OFF
    _save(item, actor=actor, reason="Sign-off requested")
    approvals.request_approval(
        kind=KIND,
        target=item,
        title=f"Sign off “{item.activity.name}” ({item.launch})",
        requester=item.done_by or actor,
        requirements=[authority.Requirement(role.key, None, _row(item)) for role in accountable],
        at=at,
    )


def _signed_off(item: LaunchChecklistItem, *, actor, at) -> None:
    item.status = LaunchChecklistItem.Status.SIGNED_OFF
    item.signed_off_at = at
    _save(item, actor=actor, reason="Signed off")
    informed = raci(item.activity).get(RaciEntry.Letter.INFORMED, [])
    for person in holders_of(informed, at=at):
        notify(
            person,
            "launch-informed",
            {"item": item, "launch": item.launch, "go": latest_go_no_go(item.launch)},
            dedupe_key=f"launch-informed:{item.pk}:{int(at.timestamp())}:{person.pk}",
        )


@kinds.on_quorum(KIND)
def _item_approved(request: ApprovalRequest, *, actor, at) -> None:
    """The Accountable signed off: the item is final and its Informed roles are told."""
    item = LaunchChecklistItem.objects.select_for_update().get(pk=request.object_id)
    if item.status == LaunchChecklistItem.Status.SIGN_OFF:
        _signed_off(item, actor=actor, at=at)


@kinds.on_veto(KIND)
def _item_vetoed(request: ApprovalRequest, *, actor, at) -> None:
    """The Accountable refused: the item is open again for its Responsible."""
    item = LaunchChecklistItem.objects.select_for_update().get(pk=request.object_id)
    item.status = LaunchChecklistItem.Status.OPEN
    _save(item, actor=actor, reason="Sign-off refused")


@kinds.on_reopen(KIND)
def _item_reopened(request: ApprovalRequest, *, actor, at) -> None:
    """The refusal is withdrawn: the item waits for this sign-off again — unless its
    Responsible has done it again since (a newer sign-off request), then the withdrawal is
    refused and the newer request is the one to decide (issue 12 point 3)."""
    item = LaunchChecklistItem.objects.select_for_update().get(pk=request.object_id)
    latest = sign_off_request(item)
    if item.status != LaunchChecklistItem.Status.OPEN or (latest and latest.pk != request.pk):
        raise ValidationError(
            f"“{item.activity.name}” was done again since your refusal; decide its newer "
            "sign-off instead."
        )
    item.status = LaunchChecklistItem.Status.SIGN_OFF
    _save(item, actor=actor, reason="Refusal withdrawn: waiting for the sign-off again")


def consult(
    *, item: LaunchChecklistItem, actor, text: str, at: datetime.datetime | None = None
) -> LaunchConsultation:
    """D9 §2.1 Consulted: a C role's input on a done item; once every C role has spoken, the
    Accountable is asked to sign off."""
    at = at or timezone.now()
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Write your input."})
    with transaction.atomic():
        item = (
            LaunchChecklistItem.objects.select_for_update()
            .select_related("launch", "activity")
            .get(pk=item.pk)
        )
        if item.status != LaunchChecklistItem.Status.CONSULTING:
            raise ValidationError(f"“{item.activity.name}” is not waiting for consultation.")
        decision = authority.require(actor, "launch.consult", obj=item, at=at)
        given = set(item.consultations.values_list("role__key", flat=True))
        open_roles = [key for key in decision.acting_roles if key not in given]
        if not open_roles:
            raise ValidationError("Your role has already been consulted on this item.")
        row = LaunchConsultation(
            item=item, role=Role.objects.get(key=open_roles[0]), person=actor, text=text, at=at
        )
        _save(row, actor=actor, reason="Consulted")
        _after_done(item, actor=actor, at=at)
    return row


def record_go_no_go(
    *, launch: Launch, actor, outcome: str, reason: str, at: datetime.datetime | None = None
) -> GoNoGoDecision:
    """D9 §2.1 Go/No-Go decision by its Responsible (PM), with outcome and reason. A "Go" then
    goes through consultation and the Accountable's sign-off like any item; a "No-Go" keeps
    the launch items blocked, and the Accountable and the Informed are told why."""
    at = at or timezone.now()
    reason = (reason or "").strip()
    if outcome not in GoNoGoDecision.Outcome.values:
        raise ValidationError({"outcome": "Choose Go or No-Go."})
    if not reason:
        raise ValidationError({"reason": "Give the reason for the decision."})
    with transaction.atomic():
        item = (
            LaunchChecklistItem.objects.select_for_update()
            .select_related("launch", "activity")
            .get(launch=launch, activity__key=GO_NO_GO)
        )
        authority.require(actor, "launch.do", obj=item, at=at)
        row = GoNoGoDecision(
            launch=launch,
            outcome=outcome,
            reason=reason,
            decided_by=actor,
            decided_at=at,
            policy_version=approvals.current_policy_version(),
        )
        _save(row, actor=actor, reason=f"Go/No-Go: {row.get_outcome_display()}")
        _cancel_pending_sign_off(item, actor=actor, at=at)
        if outcome == GoNoGoDecision.Outcome.GO:
            item.status = LaunchChecklistItem.Status.OPEN
            _mark_done(item, actor=actor, note=reason, at=at)
        else:
            item.status = LaunchChecklistItem.Status.OPEN
            item.signed_off_at = None
            item.note = reason
            _save(item, actor=actor, reason="No-Go recorded")
            letters = raci(item.activity)
            told = letters.get(RaciEntry.Letter.ACCOUNTABLE, []) + letters.get(
                RaciEntry.Letter.INFORMED, []
            )
            for person in holders_of(told, at=at):
                notify(
                    person,
                    "launch-no-go",
                    {"decision": row, "launch": launch},
                    dedupe_key=f"launch-no-go:{row.pk}:{person.pk}",
                )
    return row


def _cancel_pending_sign_off(item: LaunchChecklistItem, *, actor, at) -> None:
    pending = ApprovalRequest.objects.filter(
        kind=KIND,
        object_id=item.pk,
        status__in=[ApprovalRequest.Status.PENDING, ApprovalRequest.Status.VETOED],
    )
    for request in pending:
        approvals.cancel_request(
            request=request, actor=actor, reason="A new Go/No-Go decision was recorded", at=at
        )


def sign_off_request(item: LaunchChecklistItem) -> ApprovalRequest | None:
    """The item's current sign-off request, if any."""
    return (
        ApprovalRequest.objects.filter(kind=KIND, object_id=item.pk)
        .exclude(status=ApprovalRequest.Status.CANCELLED)
        .order_by("-created_at", "-id")
        .first()
    )
