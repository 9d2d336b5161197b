"""Approval mails and pending-approval links open the page where each kind is decided."""

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.urls import reverse
from django.utils import timezone

from governance import authority
from governance.approvals import kinds
from governance.approvals import services as approvals
from governance.killswitch import services as killswitch
from governance.launch import services as launch
from governance.models import Notification, PolicyVersion
from governance.policy import changes as role_changes
from governance.rollout import services as rollout
from incidents import reviews as incident_reviews
from incidents import services as incident_services
from incidents.authority import client_rule
from incidents.models import ClientCommunication, PostIncidentReview
from rotations import services as rotation_services
from tests.helpers.signoffs import active_pause, open_incident

pytestmark = pytest.mark.django_db


def _pause(requester):
    return active_pause(requester)


def _policy_version(requester):
    return PolicyVersion.objects.first()


def _client_communication(requester):
    return ClientCommunication.objects.create(
        incident=open_incident(),
        rule=client_rule(),
        title="Delayed uploads",
        status_page_text="Uploads are delayed.",
        email_text="Dear client, uploads are delayed.",
        drafted_at=timezone.now(),
        drafted_by=requester,
    )


def _review(requester):
    return PostIncidentReview.objects.create(
        incident=open_incident(), due_on=timezone.localdate(), status="done"
    )


def _review_page(request):
    return reverse("incidents:review_page", args=[request.target.incident_id])


def _launch_item(requester):
    checklist = launch.start_launch(actor=requester, name="EU launch")
    return checklist.items.select_related("activity").first()


def _killswitch_page(request):
    return reverse("killswitch:detail", args=[request.object_id])


def _signoff_page(request):
    return reverse("rollout:signoff", args=[request.pk])


def _incident_page(request):
    return reverse("incidents:detail", args=[request.target.incident_id])


def _launch_page(request):
    item = request.target
    return reverse("launch:detail", args=[item.launch_id]) + f"#item-{item.activity.key}"


def _swap(requester):
    from django.contrib.auth import get_user_model

    from rotations.models import Rotation, SwapRequest

    colleague = get_user_model().objects.create_user("colleague", password="pw")
    rotation = Rotation.objects.create(name="Ingestion", slug="ingestion", time_zone="UTC")
    now = timezone.now()
    return SwapRequest.objects.create(
        rotation=rotation,
        tier="primary",
        starts_at=now,
        ends_at=now + timezone.timedelta(days=7),
        requester=requester,
        colleague=colleague,
    )


def _swap_page(request):
    return reverse("rotations:swap_detail", args=[request.object_id])


def _role_change_page(request):
    return reverse("role_change", args=[request.object_id])


KINDS = {
    killswitch.KIND_ACTIVATION: (_pause, _killswitch_page),
    killswitch.KIND_LONG_PAUSE: (_pause, _killswitch_page),
    killswitch.KIND_RESUME: (_pause, _killswitch_page),
    rollout.KIND_ADVANCE: (_policy_version, _signoff_page),
    rollout.KIND_ROLLBACK: (_policy_version, _signoff_page),
    rollout.KIND_PUBLISH: (_policy_version, _signoff_page),
    incident_services.CLIENT_COMM_APPROVAL: (_client_communication, _incident_page),
    incident_reviews.SIGN_OFF: (_review, _review_page),
    launch.KIND: (_launch_item, _launch_page),
    rotation_services.SWAP_APPROVAL: (_swap, _swap_page),
    role_changes.KIND: (_policy_version, _role_change_page),
}


def _request(kind: str, requester):
    make_target, _ = KINDS[kind]
    return approvals.request_approval(
        kind=kind,
        target=make_target(requester),
        title=f"Decide {kind}",
        requester=requester,
        requirements=[authority.Requirement("sre_lead", None, "test row")],
    )


def test_every_registered_approval_kind_has_a_decision_page():
    assert set(kinds.KINDS) <= set(KINDS)


def test_an_unknown_approval_kind_fails_loudly(owner):
    with pytest.raises(ImproperlyConfigured, match="not registered"):
        approvals.request_approval(
            kind="nobody.registered",
            target=PolicyVersion.objects.first(),
            title="Unknown",
            requester=owner,
            requirements=[authority.Requirement("sre_lead", None, "test row")],
        )


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_approval_requested_mail_links_to_the_page_where_the_kind_is_decided(kind, owner, sre_lead):
    request = _request(kind, owner)
    expected = KINDS[kind][1](request)
    assert expected != reverse("dashboard")

    mail = Notification.objects.get(template="approval-requested", recipient=sre_lead)
    assert f"{settings.PORTAL_BASE_URL}{expected}" in mail.body_text
    assert f'href="{settings.PORTAL_BASE_URL}{expected}"' in mail.body_html
    assert approvals.approval_url(request) == expected


@pytest.mark.parametrize("kind", [rollout.KIND_ROLLBACK, incident_services.CLIENT_COMM_APPROVAL])
def test_overdue_approval_mail_links_to_the_decision_page(kind, owner, sre_lead):
    request = _request(kind, owner)
    requirement = request.requirements.get()
    requirement.due_at = timezone.now()
    requirement.save()

    assert approvals.escalate_overdue(now=timezone.now() + timezone.timedelta(minutes=1)) == 1
    mail = Notification.objects.get(template="approval-overdue", recipient=owner)
    assert f"{settings.PORTAL_BASE_URL}{approvals.approval_url(request)}" in mail.body_text


def test_the_approval_link_redirects_a_signed_in_person_to_the_decision_page(
    client, owner, sre_lead
):
    request = _request(rollout.KIND_PUBLISH, owner)
    client.force_login(sre_lead)
    response = client.get(reverse("approvals:detail", args=[request.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("rollout:signoff", args=[request.pk])


def test_the_approval_link_sends_an_anonymous_visitor_to_log_in(client, owner, sre_lead):
    request = _request(rollout.KIND_PUBLISH, owner)
    response = client.get(reverse("approvals:detail", args=[request.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_dashboard_links_a_pending_sign_off_to_its_decision_page(client, owner, sre_lead):
    request = _request(launch.KIND, owner)
    client.force_login(sre_lead)
    page = client.get(reverse("dashboard")).content.decode()
    assert f'href="{approvals.approval_url(request)}"' in page
    old_link = reverse("approvals:detail", args=[request.pk])
    assert client.get(old_link)["Location"] == approvals.approval_url(request)


def test_the_dashboard_lists_no_pending_approval_for_someone_it_is_not_addressed_to(
    client, owner, sre_lead, pm
):
    request = _request(launch.KIND, owner)
    client.force_login(pm)
    page = client.get(reverse("dashboard")).content.decode()
    assert approvals.approval_url(request) not in page


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_refuses_the_requester_and_an_outsider_through_the_service_and_the_url(
    kind, client, owner, sre_lead, outsider
):
    """One door: whatever the kind, `decide_approval` asks the engine first, and the generic
    URL reaches the same service (issue "One house")."""
    request = _request(kind, owner)
    for person in (owner, outsider):
        with pytest.raises(PermissionDenied):
            approvals.decide_approval(
                request=request, actor=person, verdict="veto", statement="No."
            )
        client.force_login(person)
        response = client.post(
            reverse("approvals:decide", args=[request.pk]), {"verdict": "veto", "statement": "No."}
        )
        assert response.status_code == 403
        assert "someone else must approve it" in response.content.decode() or (
            "Only the SRE Lead may decide" in response.content.decode()
        )
    assert not request.decisions.exists()
