"""The rotations rules of the authority engine (D9 §3.2 swaps, §3.3 handoffs): each action asked
through `governance.authority.decide`, one person allowed and one refused, in plain words."""

import pytest
from django.utils import timezone

from governance.authority.engine import decide
from governance.models import HandoffChecklistItem
from rotations import reminders, services
from rotations.models import Handoff, HandoffCheck, SwapRequest


@pytest.fixture
def next_week(rotation):
    return rotation.weeks.filter(starts_at__gt=timezone.now()).order_by("starts_at").first()


@pytest.fixture
def colleague(next_week, rotation_engineers):
    """An engineer off duty during the next week."""
    return next(
        e for e in rotation_engineers if e.pk not in (next_week.primary_id, next_week.secondary_id)
    )


@pytest.fixture
def swap(next_week, colleague):
    return services.request_swap(
        actor=next_week.primary,
        rotation=next_week.rotation,
        tier="primary",
        starts_at=next_week.starts_at,
        ends_at=next_week.ends_at,
        colleague=colleague,
    )


@pytest.fixture
def accepted(swap, owner):
    services.respond_swap(actor=swap.colleague, swap=swap, accept=True)
    swap.refresh_from_db()
    return swap


def test_request_only_by_the_holder_of_the_shift(next_week, colleague):
    def request_by(user):
        obj = SwapRequest(
            rotation=next_week.rotation,
            tier="primary",
            starts_at=next_week.starts_at,
            ends_at=next_week.ends_at,
            requester=user,
            colleague=colleague,
        )
        return decide(user, "rotations.swap.request", obj=obj)

    assert request_by(next_week.primary).allowed
    refused = request_by(colleague)
    assert not refused.allowed
    assert "You are not On-Call Primary at that time" in refused.reason
    assert "you can only hand over your own shift" in refused.reason


def test_respond_only_by_the_addressed_colleague(swap, outsider):
    assert decide(swap.colleague, "rotations.swap.respond", obj=swap).allowed
    for other in (swap.requester, outsider):
        refused = decide(other, "rotations.swap.respond", obj=swap)
        assert not refused.allowed
        assert refused.reason == "Only the colleague this request is addressed to can answer it."


def test_approve_only_by_the_acting_ingestion_owner(accepted, owner, outsider):
    allowed = decide(owner, "rotations.swap.approve", obj=accepted)
    assert allowed.allowed and allowed.acting_roles == ("ingestion_owner",)

    refused = decide(outsider, "rotations.swap.approve", obj=accepted)
    assert not refused.allowed
    assert refused.reason.startswith("Only the Ingestion Owner may decide on")


def test_approve_refused_to_a_party_of_the_swap(accepted):
    for party in (accepted.requester, accepted.colleague):
        refused = decide(party, "rotations.swap.approve", obj=accepted)
        assert not refused.allowed
        assert refused.reason == (
            "You requested or will carry out this action; someone else must approve it."
        )


def test_approve_refused_before_the_colleague_accepts(swap, owner):
    refused = decide(owner, "rotations.swap.approve", obj=swap)
    assert not refused.allowed
    assert refused.reason == "This swap waits for no approval."


def test_cancel_only_by_the_requester(swap):
    assert decide(swap.requester, "rotations.swap.cancel", obj=swap).allowed
    refused = decide(swap.colleague, "rotations.swap.cancel", obj=swap)
    assert not refused.allowed
    assert refused.reason == "Only the engineer who asked for this swap can cancel it."


def test_check_item_only_by_the_people_on_its_side(rotation, outsider):
    now = timezone.now()
    reminders.keep_generated(now=now)
    handoff = Handoff.objects.filter(rotation=rotation, at__gt=now).order_by("at").first()
    item = HandoffChecklistItem.objects.filter(side="outgoing").first()
    check = HandoffCheck(handoff=handoff, item=item)

    assert decide(handoff.outgoing_primary, "rotations.handoff.check_item", obj=check).allowed
    for other in (handoff.incoming_secondary, outsider):
        refused = decide(other, "rotations.handoff.check_item", obj=check)
        assert not refused.allowed
        assert refused.reason.startswith("Only the Outgoing On-Call (")
        assert f'can tick "{item.text}"; you are not on that side' in refused.reason
