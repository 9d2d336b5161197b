"""D9 §9 document control: a new policy version needs the Ingestion Owner, SRE Lead and PM
approvals through the one approval mechanism; render_policy shows versions and approvals."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from governance.approvals import services as approvals
from governance.models import ApprovalRequest, PolicyVersion
from governance.policy.render import render_policy_markdown
from governance.rollout import services as rollout
from tests.helpers.signoffs import requirement_roles

pytestmark = pytest.mark.django_db

DAY = datetime.date(2025, 3, 1)


def propose(actor):
    return rollout.publish_policy_version(
        actor=actor, version="1.1", date=DAY, change_summary="Clarify rollback approvals"
    )


def test_a_version_proposed_by_an_editor_needs_all_three_approvals(owner, sre_lead, pm, make_user):
    editor = make_user("editor", is_superuser=True, is_staff=True)
    draft = propose(editor)
    request = approvals.request_for(target=draft)
    assert request.kind == "policy.publish"
    assert requirement_roles(request) == ["ingestion_owner", "sre_lead", "product_manager"]
    rollout.sign(request=request, actor=owner)
    rollout.sign(request=request, actor=sre_lead)
    draft.refresh_from_db()
    assert draft.status == PolicyVersion.Status.DRAFT
    rollout.sign(request=request, actor=pm)
    draft.refresh_from_db()
    assert draft.status == PolicyVersion.Status.OPERATIONAL
    assert PolicyVersion.objects.get(version="1.0").status == PolicyVersion.Status.SUPERSEDED
    approvers = {a.role.key: a.approver for a in draft.approvals.all()}
    assert approvers == {"ingestion_owner": owner, "sre_lead": sre_lead, "product_manager": pm}


def test_the_owner_proposing_gives_their_approval_the_others_still_sign(owner, sre_lead, pm):
    draft = propose(owner)
    request = approvals.request_for(target=draft)
    assert requirement_roles(request) == ["sre_lead", "product_manager"]
    rollout.sign(request=request, actor=sre_lead)
    draft.refresh_from_db()
    assert draft.status == PolicyVersion.Status.DRAFT
    rollout.sign(request=request, actor=pm)
    draft.refresh_from_db()
    assert draft.status == PolicyVersion.Status.OPERATIONAL


def test_a_veto_keeps_the_version_a_draft(owner, sre_lead, pm):
    draft = propose(owner)
    request = approvals.request_for(target=draft)
    rollout.veto(request=request, actor=pm, reason="Wording unclear.")
    rollout.sign(request=request, actor=sre_lead)
    draft.refresh_from_db()
    request.refresh_from_db()
    assert draft.status == PolicyVersion.Status.DRAFT
    assert request.status == ApprovalRequest.Status.VETOED


def test_a_person_without_a_section_9_role_may_not_propose(owner, support):
    with pytest.raises(PermissionDenied, match="Only the"):
        propose(support)
    assert not PolicyVersion.objects.filter(version="1.1").exists()


def test_render_policy_shows_the_versions_and_the_approvals(owner, sre_lead, pm):
    draft = propose(owner)
    request = approvals.request_for(target=draft)
    text = render_policy_markdown()
    assert "| 1.1 |" not in text, "a draft is not part of the document yet"
    rollout.sign(request=request, actor=sre_lead)
    rollout.sign(request=request, actor=pm)
    text = render_policy_markdown()
    assert "| 1.0 | 2024-12-29 | Initial model |" in text
    assert "| 1.1 | 2025-03-01 | Clarify rollback approvals |" in text
    assert "| Ingestion Owner | Olivia Owner |" in text
    assert "| SRE Lead | Sam Reyes |" in text
    assert "| Product Manager | Priya Mehta |" in text


def test_the_version_form_opens_the_sign_off(client, owner, sre_lead, pm):
    client.force_login(owner)
    response = client.post(
        reverse("rollout:policy_version_new"),
        {"version": "1.1", "date": "2025-03-01", "change_summary": "Clarify"},
    )
    request = ApprovalRequest.objects.get(kind="policy.publish")
    assert response.status_code == 302
    assert response.url == reverse("rollout:signoff", args=[request.pk])


def test_the_version_form_is_refused_to_a_person_without_the_role(client, support, owner):
    client.force_login(support)
    response = client.post(
        reverse("rollout:policy_version_new"),
        {"version": "1.1", "date": "2025-03-01", "change_summary": "Clarify"},
    )
    assert response.status_code == 403
    assert not ApprovalRequest.objects.exists()
