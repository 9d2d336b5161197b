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


# --- Exchanges: "you take my week, I take yours" ----------------------------------------------


def _later_primary_week(next_week, *, requester_is_secondary: bool):
    """A week after `next_week` whose primary is off in `next_week`, and whose secondary is
    (or is not) `next_week`'s primary."""
    requester = next_week.primary
    for week in next_week.rotation.weeks.filter(starts_at__gte=next_week.ends_at).order_by(
        "starts_at"
    ):
        off = week.primary_id not in (next_week.primary_id, next_week.secondary_id)
        if off and (week.secondary_id == requester.pk) == requester_is_secondary:
            return week
    raise AssertionError("the rotation fixture has no such week")


def _request_exchange(next_week, return_week, **kwargs):
    return services.request_swap(
        actor=next_week.primary,
        rotation=next_week.rotation,
        tier="primary",
        starts_at=next_week.starts_at,
        ends_at=next_week.ends_at,
        colleague=return_week.primary,
        return_starts_at=return_week.starts_at,
        return_ends_at=return_week.ends_at,
        **kwargs,
    )


@pytest.fixture
def return_week(next_week):
    return _later_primary_week(next_week, requester_is_secondary=False)


@pytest.fixture
def exchange(next_week, return_week):
    return _request_exchange(next_week, return_week, reason="Family visit")


def test_an_accepted_and_approved_exchange_changes_oncall_and_ical_at_both_weeks(
    client, exchange, owner, next_week, return_week
):
    requester, colleague = exchange.requester, exchange.colleague
    client.force_login(colleague)
    page = client.get(reverse("rotations:swap_detail", args=[exchange.pk])).content.decode()
    assert "In exchange" in page
    client.post(reverse("rotations:swap_detail", args=[exchange.pk]), {"action": "accept"})
    assert selectors.on_call_at(return_week.starts_at).primary == colleague

    client.force_login(owner)
    client.post(reverse("rotations:swap_detail", args=[exchange.pk]), {"action": "approve"})
    exchange.refresh_from_db()
    assert exchange.status == SwapRequest.Status.APPROVED
    assert selectors.on_call_at(next_week.starts_at).primary == colleague
    assert selectors.on_call_at(return_week.starts_at).primary == requester
    assert selectors.on_call_at(return_week.ends_at - datetime.timedelta(minutes=1)).primary == (
        requester
    )
    assert {(o.user, o.replaces) for o in exchange.overrides.all()} == {
        (colleague, requester),
        (requester, colleague),
    }

    feed = client.get(reverse("rotations:rotation_ical", args=[next_week.rotation.calendar_token]))
    events = icalendar.Calendar.from_ical(feed.content).walk("VEVENT")

    def primary_at(start):
        return next(
            str(e["summary"])
            for e in events
            if e.decoded("dtstart") == start and str(e["summary"]).startswith("Primary")
        )

    assert colleague.get_full_name() in primary_at(next_week.starts_at)
    assert requester.get_full_name() in primary_at(return_week.starts_at)
    assert "(override)" in primary_at(return_week.starts_at)


def test_the_mails_and_the_inbox_show_both_legs(client, exchange, return_week):
    from governance.models import Notification

    mail = Notification.objects.get(recipient=exchange.colleague, template__contains="requested")
    assert "swap" in mail.subject
    assert "In exchange" in mail.body_text and "In exchange" in mail.body_html
    client.force_login(exchange.requester)
    inbox = client.get(reverse("rotations:swaps")).content.decode()
    assert return_week.starts_at.strftime("%a %-d %b") in inbox


def test_a_return_leg_the_colleague_does_not_hold_is_refused_next_to_the_field(
    client, next_week, return_week
):
    other_week = next_week.rotation.weeks.filter(starts_at__gte=next_week.ends_at).exclude(
        primary=return_week.primary
    )[0]
    client.force_login(next_week.primary)
    local = next_week.local_start()
    other = other_week.local_start()
    response = client.post(
        reverse("rotations:swap_new", args=[next_week.rotation.slug]),
        {
            "tier": "primary",
            "colleague": return_week.primary.pk,
            "starts_at": local.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (local + datetime.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"),
            "return_starts_at": other.strftime("%Y-%m-%dT%H:%M"),
            "return_ends_at": (other + datetime.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    name = return_week.primary.get_full_name()
    assert f"{name} is not On-Call Primary at that time" in form.errors["return_starts_at"][0]
    page = response.content.decode()
    field = page.index('name="return_starts_at"')
    assert page.index("is not On-Call Primary at that time", field) < page.index(
        'name="return_ends_at"'
    )
    assert not SwapRequest.objects.exists()


def test_a_return_leg_overlapping_the_first_or_half_given_is_refused(next_week, return_week):
    with pytest.raises(ValidationError, match="cannot overlap"):
        services.request_swap(
            actor=next_week.primary,
            rotation=next_week.rotation,
            tier="primary",
            starts_at=next_week.starts_at,
            ends_at=next_week.ends_at,
            colleague=return_week.primary,
            return_starts_at=next_week.starts_at + datetime.timedelta(days=1),
            return_ends_at=next_week.ends_at + datetime.timedelta(days=1),
        )
    with pytest.raises(ValidationError, match="both the start and the end"):
        services.request_swap(
            actor=next_week.primary,
            rotation=next_week.rotation,
            tier="primary",
            starts_at=next_week.starts_at,
            ends_at=next_week.ends_at,
            colleague=return_week.primary,
            return_starts_at=return_week.starts_at,
        )


def test_a_return_leg_making_someone_primary_and_secondary_is_refused(next_week):
    conflicting = _later_primary_week(next_week, requester_is_secondary=True)
    with pytest.raises(ValidationError, match="primary and secondary at the same time"):
        _request_exchange(next_week, conflicting)
    assert not SwapRequest.objects.exists()
    assert not Override.objects.exists()


def test_an_exchange_that_became_a_conflict_is_refused_whole_with_no_override(
    client, exchange, owner, next_week, return_week
):
    services.respond_swap(actor=exchange.colleague, swap=exchange, accept=True)
    # Meanwhile the requester is made secondary over the week they would take as primary.
    manual = services.create_override(
        actor=owner,
        rotation=next_week.rotation,
        tier="secondary",
        starts_at=return_week.starts_at,
        ends_at=return_week.ends_at,
        user=exchange.requester,
        replaces=return_week.secondary,
    )
    client.force_login(owner)
    response = client.post(
        reverse("rotations:swap_detail", args=[exchange.pk]), {"action": "approve"}, follow=True
    )
    assert "primary and secondary at the same time" in response.content.decode()
    exchange.refresh_from_db()
    assert exchange.status == SwapRequest.Status.ACCEPTED
    assert list(Override.objects.all()) == [manual]
    assert selectors.on_call_at(next_week.starts_at).primary == exchange.requester
    assert selectors.on_call_at(return_week.starts_at).primary == exchange.colleague


def test_a_third_person_cannot_accept_an_exchange(client, exchange, rotation_engineers, owner):
    third = next(
        e for e in rotation_engineers if e.pk not in (exchange.requester_id, exchange.colleague_id)
    )
    client.force_login(third)
    url = reverse("rotations:swap_detail", args=[exchange.pk])
    assert client.post(url, {"action": "accept"}).status_code == 403
    assert client.post(url, {"action": "approve"}).status_code == 403
    exchange.refresh_from_db()
    assert exchange.status == SwapRequest.Status.PENDING
    assert not Override.objects.exists()
    with pytest.raises(PermissionDenied):
        services.respond_swap(actor=third, swap=exchange, accept=True)


def test_the_form_shortcut_takes_the_colleagues_next_week_in_the_tier(
    client, next_week, return_week
):
    client.force_login(next_week.primary)
    local = next_week.local_start()
    response = client.post(
        reverse("rotations:swap_new", args=[next_week.rotation.slug]),
        {
            "tier": "primary",
            "colleague": return_week.primary.pk,
            "starts_at": local.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (local + datetime.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"),
            "return_week": "next",
        },
    )
    assert response.status_code == 302
    swap = SwapRequest.objects.get()
    assert (swap.return_starts_at, swap.return_ends_at) == (
        return_week.starts_at,
        return_week.ends_at,
    )
