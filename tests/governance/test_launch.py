"""The launch checklist (D9 §2.1 Pre-Launch and Launch) and its Go/No-Go gate."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from governance.approvals import services as approvals
from governance.launch import services as launch
from governance.models import GoNoGoDecision, LaunchChecklistItem, Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(owner, pm, sre_lead, support, primary):
    return {"owner": owner, "pm": pm, "sre_lead": sre_lead, "support": support, "primary": primary}


@pytest.fixture
def checklist(team):
    return launch.start_launch(actor=team["owner"], name="EU launch")


def _item(checklist, key) -> LaunchChecklistItem:
    return checklist.items.select_related("activity").get(activity__key=key)


def _sign_off(item, person):
    request = launch.sign_off_request(item)
    approvals.decide_approval(request=request, actor=person, verdict="approve", statement="OK")


def _go(checklist, team):
    launch.record_go_no_go(
        launch=checklist, actor=team["pm"], outcome="go", reason="All criteria met"
    )
    item = _item(checklist, launch.GO_NO_GO)
    launch.consult(item=item, actor=team["primary"], text="On-call ready")
    launch.consult(item=item, actor=team["sre_lead"], text="Infra ready")
    _sign_off(item, team["owner"])


def test_the_checklist_is_the_pre_launch_and_launch_rows_in_order(checklist):
    keys = list(checklist.items.order_by("position").values_list("activity__key", flat=True))
    assert keys == [
        "day_0_checklist",
        "go_no_go_decision",
        "feature_flag_config",
        "enable_kill_switch",
        "test_upload",
        "launch_announcement",
    ]


def test_someone_with_no_launch_role_may_not_open_a_checklist(outsider):
    with pytest.raises(PermissionDenied, match="may open a launch checklist"):
        launch.start_launch(actor=outsider, name="Mine")


def test_an_item_is_done_by_r_consulted_by_c_signed_off_by_a_then_i_informed(checklist, team):
    item = _item(checklist, "day_0_checklist")
    with pytest.raises(PermissionDenied, match="Only the On-Call may do"):
        launch.complete_item(item=item, actor=team["pm"], note="done")
    launch.complete_item(item=item, actor=team["primary"], note="All boxes ticked")
    item.refresh_from_db()
    assert item.status == LaunchChecklistItem.Status.CONSULTING
    consult_mail = Notification.objects.filter(template="launch-consult")
    assert [m.recipient for m in consult_mail] == [team["sre_lead"]]
    assert launch.sign_off_request(item) is None

    with pytest.raises(PermissionDenied, match="may be consulted"):
        launch.consult(item=item, actor=team["pm"], text="me too")
    launch.consult(item=item, actor=team["sre_lead"], text="Monitoring in place")
    item.refresh_from_db()
    assert item.status == LaunchChecklistItem.Status.SIGN_OFF
    request = launch.sign_off_request(item)
    assert [r.role.key for r in request.requirements.all()] == ["ingestion_owner"]

    with pytest.raises(PermissionDenied):
        approvals.decide_approval(
            request=request, actor=team["pm"], verdict="approve", statement="x"
        )
    _sign_off(item, team["owner"])
    item.refresh_from_db()
    assert item.status == LaunchChecklistItem.Status.SIGNED_OFF
    informed = Notification.objects.filter(template="launch-informed")
    assert sorted(m.recipient.username for m in informed) == ["pm", "support"]


def test_test_upload_is_refused_before_a_go(checklist, team):
    item = _item(checklist, "test_upload")
    with pytest.raises(ValidationError, match="waits for the Go/No-Go decision"):
        launch.complete_item(item=item, actor=team["owner"], note="uploaded")
    launch.record_go_no_go(launch=checklist, actor=team["pm"], outcome="go", reason="Ready")
    # A "Go" not yet signed off by the Accountable does not open the gate.
    with pytest.raises(ValidationError, match="waits for the Go/No-Go decision"):
        launch.complete_item(item=item, actor=team["owner"], note="uploaded")


def test_test_upload_is_allowed_after_a_signed_off_go_and_needs_no_sign_off(checklist, team):
    _go(checklist, team)
    assert launch.go_in_force(checklist)
    item = _item(checklist, "test_upload")
    launch.complete_item(item=item, actor=team["primary"], note="Upload 42 passed")
    item.refresh_from_db()
    # D9 v1.0 gives "Test upload" no A and no C: done is final, I informed.
    assert item.status == LaunchChecklistItem.Status.SIGNED_OFF


def test_a_no_go_is_recorded_with_its_reason_and_keeps_the_gate_shut(checklist, team):
    with pytest.raises(ValidationError):
        launch.record_go_no_go(launch=checklist, actor=team["pm"], outcome="no_go", reason=" ")
    decision = launch.record_go_no_go(
        launch=checklist, actor=team["pm"], outcome="no_go", reason="Error rate 12% in canary"
    )
    assert (decision.outcome, decision.reason) == ("no_go", "Error rate 12% in canary")
    assert decision.policy_version is not None
    assert not launch.go_in_force(checklist)
    told = Notification.objects.filter(template="launch-no-go")
    assert sorted(m.recipient.username for m in told) == ["owner", "support"]
    assert "Error rate 12% in canary" in told.first().body_text
    with pytest.raises(ValidationError):
        launch.complete_item(
            item=_item(checklist, "enable_kill_switch"), actor=team["primary"], note="x"
        )


def test_a_no_go_after_a_go_closes_the_gate_again(checklist, team):
    _go(checklist, team)
    launch.record_go_no_go(launch=checklist, actor=team["pm"], outcome="no_go", reason="Outage")
    assert not launch.go_in_force(checklist)
    assert list(checklist.decisions.values_list("outcome", flat=True)) == ["go", "no_go"]


def test_only_the_pm_records_the_go_no_go(checklist, team):
    with pytest.raises(PermissionDenied, match="Only the Product Manager"):
        launch.record_go_no_go(launch=checklist, actor=team["owner"], outcome="go", reason="x")
    assert not GoNoGoDecision.objects.exists()


def test_the_launch_page_shows_the_block_and_records_a_no_go(client, checklist, team):
    client.force_login(team["pm"])
    url = reverse("launch:detail", args=[checklist.pk])
    assert "Blocked: waits for a “Go”." in client.get(url).content.decode()
    client.post(
        reverse("launch:go_no_go", args=[checklist.pk]),
        {"outcome": "no_go", "reason": "Support not staffed"},
    )
    page = client.get(url).content.decode()
    assert "No-Go" in page and "Support not staffed" in page


def test_the_launch_page_refuses_a_test_upload_before_go(client, checklist, team):
    client.force_login(team["owner"])
    item = _item(checklist, "test_upload")
    response = client.post(
        reverse("launch:done", args=[checklist.pk, item.pk]), {"note": "x"}, follow=True
    )
    assert "waits for the Go/No-Go decision" in response.content.decode()
    item.refresh_from_db()
    assert item.status == LaunchChecklistItem.Status.OPEN
