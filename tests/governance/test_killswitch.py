# ruff: noqa: F811  (the shared fixtures are imported from killswitch_helpers)
"""Kill switch: activation and its §5.2 log, the one-hour rule, resume, the API, pages, admin."""

import datetime
import threading

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from governance.approvals import services as approvals
from governance.killswitch import services as killswitch
from governance.killswitch.sweeps import long_pauses
from governance.models import (
    ActivationLogField,
    ApiToken,
    ApprovalRequest,
    KillSwitchActivation,
    KillSwitchLogEntry,
    Notification,
    ResumeVerification,
)
from tests.helpers.killswitch import activate, scenario, severity

pytestmark = pytest.mark.django_db


def test_every_section_5_2_field_is_filled_for_each_activation(people, workspace):
    activate(people["primary"], "error_rate_20", workspace)
    activate(people["outsider"], "data_corruption", None)
    fields = {
        "timestamp": "timestamp",
        "activated_by": "actor",
        "reason": "reason",
        "severity": "severity",
        "scope": "scope",
        "approval": "approval",
        "notification_sent_to": "notification_sent_to",
    }
    assert set(ActivationLogField.objects.values_list("key", flat=True)) == set(fields)
    entries = KillSwitchLogEntry.objects.filter(event="activated")
    assert entries.count() == 2
    for entry in entries:
        for attribute in fields.values():
            assert getattr(entry, attribute), attribute
    workspace_entry = entries.get(activation__workspace=workspace)
    assert workspace_entry.scope == "Workspace Acme"
    assert workspace_entry.approval == "Not required (activate first)"
    assert (
        "Ingestion Owner: Olivia Owner <owner@example.com>" in workspace_entry.notification_sent_to
    )


def test_notifications_are_mailed_on_activation(people, workspace):
    activate(people["primary"], "error_rate_10", workspace)
    recipients = set(Notification.objects.values_list("recipient__username", "template"))
    assert ("pm", "killswitch-activated") in recipients
    assert ("owner", "approval-requested") in recipients


def test_refused_activation_raises_with_the_reason(people, workspace):
    with pytest.raises(PermissionDenied, match="Only the On-Call may"):
        activate(people["pm"], "error_rate_20", workspace)
    assert not KillSwitchActivation.objects.exists()


def test_second_activation_for_the_same_scope_is_refused(people, workspace):
    activate(people["primary"], "error_rate_20", workspace)
    with pytest.raises(ValidationError, match="already has a pause"):
        activate(people["secondary"], "error_rate_20", workspace)
    activate(people["secondary"], "error_rate_20", None)  # another scope is fine


def test_scheduled_maintenance_starts_once_approved(people, workspace):
    starts = timezone.now() + datetime.timedelta(hours=25)
    activation = activate(people["owner"], "planned_maintenance", workspace, starts_at=starts)
    assert activation.status == KillSwitchActivation.Status.SCHEDULED
    after = starts + datetime.timedelta(minutes=1)
    assert killswitch.start_due_pauses(now=after) == 0  # PM has not approved yet
    approvals.decide_approval(
        request=activation.approval, actor=people["pm"], verdict="approve", statement="ok"
    )
    assert killswitch.start_due_pauses(now=after) == 1
    activation.refresh_from_db()
    assert activation.status == KillSwitchActivation.Status.ACTIVE


def test_a_pause_crossing_one_hour_asks_the_owner_exactly_once(people, workspace):
    activation = activate(people["primary"], "error_rate_20", workspace)
    assert long_pauses(now=timezone.now() + datetime.timedelta(minutes=59)).startswith("0 ")
    later = timezone.now() + datetime.timedelta(minutes=61)
    assert long_pauses(now=later).startswith("1 ")
    assert long_pauses(now=later + datetime.timedelta(minutes=5)).startswith("0 ")
    requests = ApprovalRequest.objects.filter(kind=killswitch.KIND_LONG_PAUSE)
    assert requests.count() == 1
    assert [r.role.key for r in requests.get().requirements.all()] == ["ingestion_owner"]
    asked = Notification.objects.filter(template="approval-requested", recipient=people["owner"])
    assert asked.count() == 1
    assert (
        Notification.objects.filter(
            template="killswitch-long-pause", recipient=people["pm"]
        ).count()
        == 1
    )
    activation.refresh_from_db()
    assert activation.long_pause_at == later


def _verifications(activation):
    from governance.killswitch.authority import resume_row

    return list(
        resume_row(activation, at=timezone.now()).verifications.values_list("pk", flat=True)
    )


def test_on_call_resumes_a_short_pause_after_the_test_upload(people, workspace):
    activation = activate(people["primary"], "error_rate_20", workspace)
    with pytest.raises(ValidationError, match="Test upload passes"):
        killswitch.resume_kill_switch(activation=activation, actor=people["primary"], verified=[])
    killswitch.resume_kill_switch(
        activation=activation, actor=people["primary"], verified=_verifications(activation)
    )
    activation.refresh_from_db()
    assert activation.status == KillSwitchActivation.Status.RESUMED
    check = activation.resume_checks.get()
    assert check.verified_by == people["primary"]
    resumed = activation.log_entries.get(event="resumed")
    assert (
        "Test upload passes (by Ana" in resumed.reason or "Test upload passes (by" in resumed.reason
    )
    assert "Product Manager" in resumed.notification_sent_to


def test_refused_resume_twin(people, workspace):
    activation = activate(people["primary"], "error_rate_20", workspace)
    with pytest.raises(PermissionDenied, match="resume ingestion"):
        killswitch.resume_kill_switch(
            activation=activation, actor=people["pm"], verified=_verifications(activation)
        )


def test_data_integrity_resume_waits_for_sre_lead_and_pm(people):
    activation = activate(people["outsider"], "data_corruption", None)
    # global + activate first: Owner and SRE Lead approve the global disable afterwards
    verified = _verifications(activation)
    killswitch.resume_kill_switch(activation=activation, actor=people["owner"], verified=verified)
    activation.refresh_from_db()
    assert activation.status == KillSwitchActivation.Status.ACTIVE
    request = activation.resume_approval
    assert sorted(r.role.key for r in request.requirements.all()) == [
        "product_manager",
        "sre_lead",
    ]
    approvals.decide_approval(request=request, actor=people["pm"], verdict="approve", statement="a")
    activation.refresh_from_db()
    assert activation.status == KillSwitchActivation.Status.ACTIVE
    approvals.decide_approval(
        request=request, actor=people["sre_lead"], verdict="approve", statement="b"
    )
    activation.refresh_from_db()
    assert activation.status == KillSwitchActivation.Status.RESUMED
    assert activation.resumed_by == people["owner"]


def test_log_entries_cannot_be_edited_or_deleted(people, workspace):
    activate(people["primary"], "error_rate_20", workspace)
    entry = KillSwitchLogEntry.objects.get()
    entry.reason = "rewritten"
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()


def test_log_is_read_only_in_the_admin_even_for_superusers(people, workspace, make_user, client):
    activate(people["primary"], "error_rate_20", workspace)
    entry = KillSwitchLogEntry.objects.get()
    admin = make_user("root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    change = reverse("admin:governance_killswitchlogentry_change", args=[entry.pk])
    response = client.get(change)
    assert response.status_code == 200 and b'name="reason"' not in response.content
    response = client.post(change, {"reason": "rewritten"})
    assert response.status_code == 403
    delete = reverse("admin:governance_killswitchlogentry_delete", args=[entry.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:governance_killswitchlogentry_add")).status_code == 403
    entry.refresh_from_db()
    assert entry.reason == "errors"


def test_pages_offer_no_way_to_edit_the_log(people, workspace, client):
    activation = activate(people["primary"], "error_rate_20", workspace)
    client.force_login(people["owner"])
    page = client.get(reverse("killswitch:overview"))
    assert page.status_code == 200 and b"errors" in page.content
    csv = client.get(reverse("killswitch:overview") + "?format=csv&event=activated")
    assert csv["Content-Type"].startswith("text/csv")
    assert b"Timestamp,Event,Activated by,Reason,Severity,Scope,Approval" in csv.content
    detail = client.get(reverse("killswitch:detail", args=[activation.pk]))
    assert detail.status_code == 200
    assert client.post(reverse("killswitch:overview")).status_code in (405, 200)
    assert KillSwitchLogEntry.objects.get().reason == "errors"


def test_activate_page_previews_and_activates(people, workspace, client):
    client.force_login(people["primary"])
    form = {
        "scenario": scenario("error_rate_10").pk,
        "severity": severity().pk,
        "workspace": workspace.pk,
        "reason": "errors at 12%",
    }
    preview = client.post(reverse("killswitch:activate"), {**form, "preview": "1"})
    assert b"Approval: Ingestion Owner by" in preview.content
    assert not KillSwitchActivation.objects.exists()
    done = client.post(reverse("killswitch:activate"), {**form, "activate": "1"})
    assert done.status_code == 302
    assert KillSwitchActivation.objects.get().status == "awaiting_approval"


def test_activate_page_refuses_with_the_reason(people, workspace, client):
    client.force_login(people["pm"])
    response = client.post(
        reverse("killswitch:activate"),
        {
            "scenario": scenario("error_rate_20").pk,
            "severity": severity().pk,
            "workspace": workspace.pk,
            "reason": "x",
            "activate": "1",
        },
    )
    assert b"Only the On-Call may" in response.content
    assert not KillSwitchActivation.objects.exists()


def test_dashboard_shows_state_and_pending_approvals(people, workspace, client):
    activate(people["primary"], "error_rate_10", workspace)
    client.force_login(people["owner"])
    page = client.get(reverse("dashboard")).content.decode()
    assert (
        "Awaiting approval" in page and "Kill switch: Error rate &gt; 10% — Workspace Acme" in page
    )


def test_who_may_page_lists_allowed_people(people, client):
    client.force_login(people["pm"])
    page = client.get(reverse("who_may") + "?action=killswitch.pause_short").content.decode()
    assert "Refused." in page and people["primary"].get_full_name() in page


@pytest.fixture
def token(people):
    return ApiToken.issue(user=people["outsider"], name="ingestion")[1]


def test_api_flips_within_one_request_after_activation(people, workspace, client, token):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    url = reverse("api_kill_switch") + "?workspace=acme"
    first = client.get(url, **auth)
    assert first.json()["paused"] is False
    activate(people["primary"], "error_rate_20", workspace)
    second = client.get(url, **auth)
    assert second.json()["paused"] is True and second.json()["scope"] == "workspace"
    assert second["ETag"] != first["ETag"]
    assert client.get(reverse("api_kill_switch") + "?workspace=", **auth).json()["paused"] is False


def test_api_warm_cache_costs_one_query_and_answers_304(
    people, workspace, client, token, django_assert_max_num_queries
):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    url = reverse("api_kill_switch") + "?workspace=acme"
    activate(people["primary"], "error_rate_20", None)
    etag = client.get(url, **auth)["ETag"]
    with django_assert_max_num_queries(1):
        assert client.get(url, **auth).json()["paused"] is True
    with django_assert_max_num_queries(1):
        assert client.get(url, HTTP_IF_NONE_MATCH=etag, **auth).status_code == 304


def test_api_refuses_without_a_token(client, db):
    assert client.get(reverse("api_kill_switch")).status_code == 401


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_activations_leave_one_active_pause(people, workspace):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, there is no race to test")
    barrier = threading.Barrier(2)
    outcomes = []

    def press(user):
        try:
            barrier.wait()
            activate(user, "error_rate_20", workspace)
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=press, args=(people[n],)) for n in ("primary", "secondary")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert KillSwitchActivation.objects.filter(status="active", workspace=workspace).count() == 1


def test_time_machine_one_hour_rule_runs_from_the_tick(people, workspace):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        activate(people["primary"], "error_rate_20", workspace)
        traveller.shift(datetime.timedelta(minutes=61))
        from governance.ops.sweeps import run_sweep

        assert run_sweep("killswitch.long_pauses").startswith("1 ")
        assert run_sweep("killswitch.long_pauses").startswith("0 ")
    assert ResumeVerification.objects.exists()


def test_api_refuses_a_revoked_token_and_an_inactive_user(people, workspace, client, token):
    url = reverse("api_kill_switch") + "?workspace=acme"
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.get(url, **auth).status_code == 200
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}x").status_code == 401

    ApiToken.objects.update(revoked_at=timezone.now())
    assert client.get(url, **auth).status_code == 401

    ApiToken.objects.update(revoked_at=None)
    people["outsider"].is_active = False
    people["outsider"].save()
    assert client.get(url, **auth).status_code == 401


def test_api_answers_404_for_an_unknown_workspace(people, client, token):
    response = client.get(
        reverse("api_kill_switch") + "?workspace=nowhere", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 404
    assert response.json() == {"error": "No workspace 'nowhere'."}
