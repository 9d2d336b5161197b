"""One door: every approval kind is decided by `decide_approval`, and its checks hold on every
path that reaches it — the core service, the generic /approvals/ URL and each kind's own page
(issue "One house"; D9 §6.2 GA confirmations, §7.2 client communication, §3.2 swaps)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from governance.approvals import kinds
from governance.approvals import services as approvals
from governance.models import ApprovalDecision, ApprovalRequest, GaConfirmation, Notification
from governance.rollout import services as rollout
from incidents import services as incident_services
from rotations import services as rotation_services
from rotations.models import SwapRequest
from tests.helpers.signoffs import phase, set_phase

pytestmark = pytest.mark.django_db


@pytest.fixture
def ga_review(owner, pm, sre_lead, db_owner):
    set_phase("P3")
    return rollout.request_phase_advance(actor=db_owner, criteria="GA criteria met.").approval


def generic_decide(client, user, request, **data):
    client.force_login(user)
    return client.post(reverse("approvals:decide", args=[request.pk]), data)


def test_every_registered_kind_names_its_decision_page():
    for key, kind in kinds.KINDS.items():
        assert callable(kind.url), key


def test_the_ga_bypass_through_the_generic_url_is_refused_with_the_section_6_2_reason(
    client, ga_review, owner, pm, sre_lead
):
    for person in (owner, pm, sre_lead):
        response = generic_decide(client, person, ga_review, verdict="approve", statement="ok")
        assert response.status_code == 302
        page = client.get(response.url, follow=True).content.decode()
        assert "Confirm your GA statement (D9 §6.2)" in page
    assert not ApprovalDecision.objects.exists()
    assert phase() == "P3"


def test_the_ga_bypass_is_refused_on_the_sign_off_page_and_in_the_service(client, ga_review, pm):
    client.force_login(pm)
    response = client.post(
        reverse("rollout:decide", args=[ga_review.pk]), {"verdict": "approve", "statement": "ok"}
    )
    assert response.status_code == 400
    assert "Confirm your GA statement (D9 §6.2)" in response.content.decode()
    with pytest.raises(ValidationError, match="D9 §6.2"):
        approvals.decide_approval(request=ga_review, actor=pm, verdict="approve", statement="ok")
    assert not ApprovalDecision.objects.exists()


def test_a_confirmed_ga_sign_off_through_any_door_records_the_role_statement(
    client, ga_review, owner, pm, sre_lead
):
    generic_decide(client, owner, ga_review, verdict="approve", statement="ok", confirmed="on")
    client.force_login(pm)
    client.post(
        reverse("rollout:decide", args=[ga_review.pk]),
        {"verdict": "approve", "statement": "", "confirmed": "on"},
    )
    approvals.decide_approval(
        request=ga_review, actor=sre_lead, verdict="approve", statement="", confirmed=True
    )
    for decision in ApprovalDecision.objects.select_related("role"):
        statement = GaConfirmation.objects.get(role=decision.role).statement
        assert decision.statement.startswith("Confirmed: ")
        assert statement in decision.statement
    assert phase() == "P4"


def test_a_sign_off_decided_through_the_generic_url_mails_the_requester(
    client, ga_review, owner, db_owner
):
    generic_decide(client, owner, ga_review, verdict="veto", statement="Not ready.")
    assert Notification.objects.filter(template="signoff-decided", recipient=db_owner).exists()


def test_a_sign_off_is_decided_only_by_its_addressee_on_every_door(
    client, ga_review, outsider, db_owner
):
    for person in (outsider, db_owner):
        generic_decide(client, person, ga_review, verdict="veto", statement="No.")
        with pytest.raises(PermissionDenied):
            approvals.decide_approval(
                request=ga_review, actor=person, verdict="veto", statement="No."
            )
    assert not ApprovalDecision.objects.exists()


@pytest.fixture
def draft(owner, pm, support):
    from tests.helpers.signoffs import open_incident

    incident = open_incident("P2")
    incident.client_facing = True
    incident.save()
    return incident_services.draft_client_communication(
        incident=incident,
        actor=support,
        title="Delayed uploads",
        status_page_text="Uploads are delayed.",
        email_text="Dear client, uploads are delayed.",
    )


def test_a_client_communication_is_approved_only_by_the_pm_never_its_drafter_on_any_door(
    client, draft, pm, support, outsider
):
    request = incident_services.approval_request_for(draft)
    for person in (support, outsider):
        generic_decide(client, person, request, verdict="approve", statement="Fine.")
        with pytest.raises(PermissionDenied):
            approvals.decide_approval(
                request=request, actor=person, verdict="approve", statement="ok"
            )
    assert not ApprovalDecision.objects.exists()

    generic_decide(client, pm, request, verdict="approve", statement="Fine for clients.")
    draft.refresh_from_db()
    assert draft.status != type(draft).Status.DRAFT


@pytest.fixture
def accepted_swap(rotation, rotation_engineers, owner):
    from django.utils import timezone

    week = rotation.weeks.filter(starts_at__gt=timezone.now()).order_by("starts_at").first()
    colleague = next(
        e for e in rotation_engineers if e.pk not in (week.primary_id, week.secondary_id)
    )
    swap = rotation_services.request_swap(
        actor=week.primary,
        rotation=rotation,
        tier="primary",
        starts_at=week.starts_at,
        ends_at=week.ends_at,
        colleague=colleague,
    )
    return rotation_services.respond_swap(actor=colleague, swap=swap, accept=True)


def test_an_accepted_swap_is_in_the_owners_pending_approvals(client, accepted_swap, owner):
    """ "My pending approvals" on the dashboard and "My sign-offs" list the swap (D9 §3.2)."""
    request = rotation_services.swap_approval(accepted_swap)
    assert request in approvals.pending_for(owner)
    client.force_login(owner)
    swap_page = reverse("rotations:swap_detail", args=[accepted_swap.pk])
    for page in ("dashboard", "rollout:inbox"):
        html = client.get(reverse(page)).content.decode()
        assert swap_page in html, page


def test_a_swap_is_approved_through_the_generic_url_by_the_owner_not_by_a_party(
    client, accepted_swap, owner
):
    request = rotation_services.swap_approval(accepted_swap)
    for party in (accepted_swap.requester, accepted_swap.colleague):
        generic_decide(client, party, request, verdict="approve", statement="Mine.")
    accepted_swap.refresh_from_db()
    assert accepted_swap.status == SwapRequest.Status.ACCEPTED

    generic_decide(client, owner, request, verdict="approve", statement="Covered.")
    accepted_swap.refresh_from_db()
    assert accepted_swap.status == SwapRequest.Status.APPROVED
    assert accepted_swap.overrides.count() == 1
    assert ApprovalRequest.objects.get(pk=request.pk).status == ApprovalRequest.Status.APPROVED


def test_a_rejected_swap_stays_rejected(client, accepted_swap, owner):
    request = rotation_services.swap_approval(accepted_swap)
    rotation_services.approve_swap(actor=owner, swap=accepted_swap, approve=False)
    accepted_swap.refresh_from_db()
    assert accepted_swap.status == SwapRequest.Status.REJECTED
    with pytest.raises(ValidationError):
        approvals.decide_approval(
            request=request, actor=owner, verdict="withdraw", statement="Changed my mind."
        )
