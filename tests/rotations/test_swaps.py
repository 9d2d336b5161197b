"""D9 §3.2 swaps and overrides: only the people involved act; approved overrides win."""

import datetime
import json
from io import StringIO

import icalendar
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from rotations import selectors, services
from rotations.models import Override, RotationPolicy, SwapRequest


@pytest.fixture
def next_week(rotation):
    now = timezone.now()
    return rotation.weeks.filter(starts_at__gt=now).order_by("starts_at").first()


@pytest.fixture
def swap(next_week, rotation_engineers):
    """The next week's primary asks an engineer who is off that week to cover it."""
    requester = next_week.primary
    colleague = next(
        e for e in rotation_engineers if e.pk not in (next_week.primary_id, next_week.secondary_id)
    )
    return services.request_swap(
        actor=requester,
        rotation=next_week.rotation,
        tier="primary",
        starts_at=next_week.starts_at,
        ends_at=next_week.ends_at,
        colleague=colleague,
        reason="Holiday",
    )


def test_colleague_accepts_and_owner_approves_then_oncall_and_ical_change(
    client, swap, owner, next_week
):
    client.force_login(swap.colleague)
    response = client.post(reverse("rotations:swap_detail", args=[swap.pk]), {"action": "accept"})
    assert response.status_code == 302
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.ACCEPTED
    assert selectors.on_call_at(next_week.starts_at).primary == swap.requester

    client.force_login(owner)
    client.post(reverse("rotations:swap_detail", args=[swap.pk]), {"action": "approve"})
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.APPROVED
    assert selectors.on_call_at(next_week.starts_at).primary == swap.colleague

    out = StringIO()
    call_command("oncall", "--at", next_week.starts_at.isoformat(), "--json", stdout=out)
    assert json.loads(out.getvalue())["primary"]["username"] == swap.colleague.username

    feed = client.get(reverse("rotations:rotation_ical", args=[next_week.rotation.calendar_token]))
    events = icalendar.Calendar.from_ical(feed.content).walk("VEVENT")
    covering = [
        e
        for e in events
        if e.decoded("dtstart") == next_week.starts_at and str(e["summary"]).startswith("Primary")
    ]
    assert covering and swap.colleague.get_full_name() in str(covering[0]["summary"])
    assert "(override)" in str(covering[0]["summary"])


def test_a_third_person_cannot_accept_a_swap_addressed_to_someone_else(
    client, swap, rotation_engineers
):
    third = next(
        e for e in rotation_engineers if e.pk not in (swap.requester_id, swap.colleague_id)
    )
    client.force_login(third)
    response = client.post(reverse("rotations:swap_detail", args=[swap.pk]), {"action": "accept"})
    assert response.status_code == 403
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.PENDING
    assert not Override.objects.exists()
    with pytest.raises(PermissionDenied):
        services.respond_swap(actor=third, swap=swap, accept=True)


def test_the_addressed_colleague_can_see_and_answer_the_swap(client, swap):
    client.force_login(swap.colleague)
    page = client.get(reverse("rotations:swap_detail", args=[swap.pk]))
    assert page.status_code == 200 and b"Accept" in page.content


def test_a_third_person_cannot_even_see_the_swap(client, swap, outsider):
    client.force_login(outsider)
    assert client.get(reverse("rotations:swap_detail", args=[swap.pk])).status_code == 403
    assert swap not in selectors.swaps_for(outsider)


def test_the_colleague_cannot_approve_their_own_accepted_swap(swap, owner):
    services.respond_swap(actor=swap.colleague, swap=swap, accept=True)
    with pytest.raises(PermissionDenied):
        services.approve_swap(actor=swap.colleague, swap=swap)
    services.approve_swap(actor=owner, swap=swap)
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.APPROVED


def test_without_owner_approval_in_the_policy_accepting_takes_effect(swap, next_week, owner):
    policy = RotationPolicy.current()
    policy.swaps_need_owner_approval = False
    policy.save()
    swap2 = services.request_swap(
        actor=swap.requester,
        rotation=swap.rotation,
        tier="primary",
        starts_at=next_week.starts_at + datetime.timedelta(days=1),
        ends_at=next_week.ends_at,
        colleague=swap.colleague,
    )
    services.respond_swap(actor=swap.colleague, swap=swap2, accept=True)
    swap2.refresh_from_db()
    assert swap2.status == SwapRequest.Status.APPROVED
    middle = next_week.starts_at + datetime.timedelta(days=2)
    assert selectors.on_call_at(middle).primary == swap.colleague
    assert selectors.on_call_at(next_week.starts_at).primary == swap.requester


def test_declining_changes_nothing(swap, next_week):
    services.respond_swap(actor=swap.colleague, swap=swap, accept=False)
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.DECLINED
    assert selectors.on_call_at(next_week.starts_at).primary == swap.requester


def test_an_override_cannot_make_someone_primary_and_secondary(next_week):
    with pytest.raises(ValidationError, match="primary and secondary at the same time"):
        services.request_swap(
            actor=next_week.primary,
            rotation=next_week.rotation,
            tier="primary",
            starts_at=next_week.starts_at,
            ends_at=next_week.ends_at,
            colleague=next_week.secondary,
        )
    with pytest.raises(ValidationError):
        services.create_override(
            actor=None,
            rotation=next_week.rotation,
            tier="secondary",
            starts_at=next_week.starts_at,
            ends_at=next_week.ends_at,
            user=next_week.primary,
        )


def test_only_the_holder_of_the_shift_can_ask_to_hand_it_over(next_week, rotation_engineers):
    other = next(
        e for e in rotation_engineers if e.pk not in (next_week.primary_id, next_week.secondary_id)
    )
    with pytest.raises(ValidationError, match="not On-Call Primary"):
        services.request_swap(
            actor=other,
            rotation=next_week.rotation,
            tier="primary",
            starts_at=next_week.starts_at,
            ends_at=next_week.ends_at,
            colleague=next_week.primary,
        )


def test_swap_form_shows_errors_in_plain_words(client, next_week):
    client.force_login(next_week.primary)
    url = reverse("rotations:swap_new", args=[next_week.rotation.slug])
    local = next_week.local_start()
    response = client.post(
        url,
        {
            "tier": "primary",
            "colleague": next_week.secondary.pk,
            "starts_at": local.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (local + datetime.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 200
    assert "nobody can be primary and secondary at the same time" in response.content.decode()


def test_requester_can_cancel_but_the_colleague_cannot(swap):
    with pytest.raises(PermissionDenied):
        services.cancel_swap(actor=swap.colleague, swap=swap)
    services.cancel_swap(actor=swap.requester, swap=swap)
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.CANCELLED


def test_swap_inbox_lists_only_my_requests(client, swap, outsider):
    client.force_login(swap.colleague)
    assert swap.requester.get_full_name() in client.get(reverse("rotations:swaps")).content.decode()
    client.force_login(outsider)
    assert "No swap requests involve you" in client.get(reverse("rotations:swaps")).content.decode()
