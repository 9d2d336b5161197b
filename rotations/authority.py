"""Authority rules of the rotations app (D9 §3.2 swaps, §3.3 handoffs), registered with the
engine (`governance.authority`); `rotations.services` only ever asks `authority.decide`.

Guardian object permissions are the grant mechanism for swaps: `request_swap` grants the
requester "cancel" and the colleague "respond"; the Owner's approval is a request of the one
approval mechanism (kind "rotations.swap"). The rules read those grants, plus who holds which
role or shift at `at`.
"""

from governance.approvals import services as approvals
from governance.authority.engine import Decision, decide, register
from rotations import selectors
from rotations.models import HandoffCheck, SwapRequest, Tier
from rotations.services import SWAP_APPROVAL


def _person(user) -> str:
    if user is None:
        return "nobody"
    return user.get_full_name() or user.get_username()


@register("rotations.swap.request")
def may_request_swap(user, *, action, obj: SwapRequest, at) -> Decision:
    """D9 §3.2: only the person On-Call in `obj.tier` at the start of the range may ask a
    colleague to take it (`obj` is the unsaved request)."""
    holder = selectors.on_call_at(obj.starts_at, rotation=obj.rotation).holder(obj.tier)
    if holder is None or holder.pk != user.pk:
        return Decision(
            False,
            f"You are not On-Call {Tier(obj.tier).label} at that time "
            f"({_person(holder)} is); you can only hand over your own shift.",
            rows=("D9 §3.2",),
        )
    return Decision(True, "Allowed: it is your own shift (D9 §3.2).", rows=("D9 §3.2",))


@register("rotations.shift.take")
def may_take_shift(user, *, action, obj, at) -> Decision:
    """D9 §3.2: an active engineer on the rotation's roster may take an uncovered shift of a
    week that is not over (`obj` is the week)."""
    if obj.ends_at <= at:
        return Decision(False, "That week is over.")
    if not obj.rotation.roster.filter(user=user, active=True).exists():
        return Decision(
            False,
            f"Only engineers on the {obj.rotation.name} roster take its shifts; you are not on it.",
            rows=("D9 §3.2",),
        )
    return Decision(True, "Allowed: you are on the roster (D9 §3.2).", rows=("D9 §3.2",))


@register("rotations.swap.respond")
def may_respond_swap(user, *, action, obj: SwapRequest, at) -> Decision:
    """The colleague the request is addressed to (guardian "respond" grant) answers it."""
    if not user.has_perm("rotations.respond_swaprequest", obj):
        return Decision(False, "Only the colleague this request is addressed to can answer it.")
    return Decision(True, "Allowed: the request is addressed to you (D9 §3.2).")


@register("rotations.swap.approve")
def may_approve_swap(user, *, action, obj: SwapRequest, at) -> Decision:
    """D9 §3.2: the Owner approval of an accepted swap is decided through the one approval
    mechanism (kind "rotations.swap"): whoever holds the Ingestion Owner role now, never a party
    to the swap. This rule only says so for the swap page's buttons."""
    request = approvals.request_for(kind=SWAP_APPROVAL, target=obj)
    if request is None or obj.status != SwapRequest.Status.ACCEPTED:
        return Decision(False, "This swap waits for no approval.")
    return decide(user, "approval.decide", obj=request, at=at)


@register("rotations.swap.cancel")
def may_cancel_swap(user, *, action, obj: SwapRequest, at) -> Decision:
    """The engineer who asked for the swap (guardian "cancel" grant) withdraws it."""
    if not user.has_perm("rotations.cancel_swaprequest", obj):
        return Decision(False, "Only the engineer who asked for this swap can cancel it.")
    return Decision(True, "Allowed: you asked for this swap.")


@register("rotations.handoff.check_item")
def may_check_item(user, *, action, obj: HandoffCheck, at) -> Decision:
    """D9 §3.3: outgoing items are ticked by the outgoing on-call, incoming items by the
    incoming on-call; nobody else. `obj` is the (possibly unsaved) check of one item at one
    handoff."""
    item, handoff = obj.item, obj.handoff
    side_people = handoff.people(item.side)
    if user.pk not in {person.pk for person in side_people}:
        names = " and ".join(_person(u) for u in side_people) or "nobody yet"
        return Decision(
            False,
            f"Only the {item.get_side_display()} ({names}) can tick "
            f'"{item.text}"; you are not on that side of this handoff.',
            rows=("D9 §3.3",),
        )
    return Decision(
        True, f"Allowed: you are the {item.get_side_display()} (D9 §3.3).", rows=("D9 §3.3",)
    )
