"""D9 §9: who holds a role changes in the admin only once the Document Control roles approve,
and nobody approves a change that gives themselves a role."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from governance.approvals import services as approvals
from governance.models import (
    ApprovalRequest,
    EscalationContact,
    Role,
    RoleAssignment,
    RoleChangeRequest,
)
from governance.policy import changes
from tests.conftest import assign

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(make_user):
    from django.contrib.auth.models import Permission

    user = make_user("staffer", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            codename__in=[
                "view_roleassignment",
                "change_roleassignment",
                "add_roleassignment",
                "view_escalationcontact",
                "change_escalationcontact",
            ]
        )
    )
    return user


@pytest.fixture
def document_roles(owner, sre_lead, pm):
    return {"ingestion_owner": owner, "sre_lead": sre_lead, "product_manager": pm}


def assignment_form(assignment, **changes_) -> dict:
    data = {
        "role": assignment.role_id,
        "primary": assignment.primary_id,
        "backup": assignment.backup_id or "",
        "valid_from": assignment.valid_from.isoformat(),
        "valid_to": assignment.valid_to.isoformat() if assignment.valid_to else "",
        "primary_unavailable_until_0": "",
        "primary_unavailable_until_1": "",
    }
    data.update(changes_)
    return data


def approve(change, person, verdict="approve"):
    return approvals.decide_approval(
        request=change.approval, actor=person, verdict=verdict, statement="Checked."
    )


def test_a_staff_user_making_himself_owner_in_the_admin_only_proposes_it(
    client, staff, document_roles
):
    owner = document_roles["ingestion_owner"]
    assignment = RoleAssignment.objects.get(role__key="ingestion_owner")
    client.force_login(staff)
    url = reverse("admin:governance_roleassignment_change", args=[assignment.pk])

    response = client.post(url, assignment_form(assignment, primary=staff.pk), follow=True)

    assert response.status_code == 200
    assert "takes effect once" in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.primary == owner
    change = RoleChangeRequest.objects.get()
    assert change.status == RoleChangeRequest.Status.PENDING
    assert change.proposed["primary"] == staff.pk
    assert sorted(r.role.key for r in change.approval.requirements.all()) == [
        "ingestion_owner",
        "product_manager",
        "sre_lead",
    ]


def test_the_change_applies_once_owner_sre_lead_and_pm_approve(client, staff, document_roles):
    assignment = RoleAssignment.objects.get(role__key="ingestion_owner")
    client.force_login(staff)
    url = reverse("admin:governance_roleassignment_change", args=[assignment.pk])
    client.post(url, assignment_form(assignment, backup=staff.pk))
    change = RoleChangeRequest.objects.get()

    approve(change, document_roles["ingestion_owner"])
    approve(change, document_roles["sre_lead"])
    assignment.refresh_from_db()
    assert assignment.backup is None  # two of three: not yet
    approve(change, document_roles["product_manager"])

    assignment.refresh_from_db()
    change.refresh_from_db()
    assert assignment.backup == staff
    assert change.status == RoleChangeRequest.Status.APPLIED
    assert assignment.history.first().history_change_reason.startswith(f"Role change #{change.pk}")


def test_a_veto_rejects_the_change(client, staff, document_roles):
    assignment = RoleAssignment.objects.get(role__key="ingestion_owner")
    client.force_login(staff)
    url = reverse("admin:governance_roleassignment_change", args=[assignment.pk])
    client.post(url, assignment_form(assignment, backup=staff.pk))
    change = RoleChangeRequest.objects.get()

    approve(change, document_roles["sre_lead"], verdict="veto")

    change.refresh_from_db()
    assert change.status == RoleChangeRequest.Status.REJECTED
    assert RoleAssignment.objects.get(pk=assignment.pk).backup is None


def test_nobody_approves_a_change_that_gives_them_a_role(document_roles, staff):
    sre_lead = document_roles["sre_lead"]
    assignment = RoleAssignment.objects.get(role__key="ingestion_owner")
    assignment.backup = sre_lead
    change = changes.propose_role_change(
        actor=staff, subject=RoleChangeRequest.Subject.ASSIGNMENT, instance=assignment
    )

    with pytest.raises(PermissionDenied, match="gives you a role"):
        approve(change, sre_lead)

    assert change.approval.decisions.count() == 0


def test_others_may_approve_the_change_that_gives_a_colleague_a_role(document_roles, staff):
    sre_lead = document_roles["sre_lead"]
    assignment = RoleAssignment.objects.get(role__key="ingestion_owner")
    assignment.backup = sre_lead
    change = changes.propose_role_change(
        actor=staff, subject=RoleChangeRequest.Subject.ASSIGNMENT, instance=assignment
    )

    decision = approve(change, document_roles["product_manager"])

    assert decision.pk


def test_the_generic_decide_page_refuses_a_self_grant_too(client, document_roles, staff):
    pm = document_roles["product_manager"]
    assignment = RoleAssignment.objects.get(role__key="ingestion_owner")
    assignment.primary_unavailable_until = None
    assignment.backup = pm
    change = changes.propose_role_change(
        actor=staff, subject=RoleChangeRequest.Subject.ASSIGNMENT, instance=assignment
    )
    client.force_login(pm)

    response = client.post(
        reverse("approvals:decide", args=[change.approval.pk]),
        {"verdict": "approve", "statement": "ok"},
        follow=True,
    )

    assert "gives you a role" in response.content.decode()
    assert change.approval.decisions.count() == 0


def test_marking_the_primary_unavailable_gives_the_backup_the_role(
    document_roles, staff, make_user
):
    backup = make_user("ob")
    assignment = assign("ingestion_owner", document_roles["ingestion_owner"], backup)
    assignment.primary_unavailable_until = datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC)
    change = changes.propose_role_change(
        actor=staff, subject=RoleChangeRequest.Subject.ASSIGNMENT, instance=assignment
    )

    assert changes.gainers(change) == {backup.pk}


def test_a_proposer_holding_every_document_role_applies_at_once(make_user):
    boss = make_user("boss")
    for key in ("ingestion_owner", "sre_lead", "product_manager"):
        assign(key, boss)
    other = make_user("newpm")
    assignment = RoleAssignment.objects.get(role__key="product_manager")
    assignment.backup = other

    change = changes.propose_role_change(
        actor=boss, subject=RoleChangeRequest.Subject.ASSIGNMENT, instance=assignment
    )

    assert change.status == RoleChangeRequest.Status.APPLIED
    assert RoleAssignment.objects.get(pk=assignment.pk).backup == other


def test_a_new_assignment_in_the_admin_is_proposed_not_created(client, staff, document_roles):
    role = Role.objects.get(key="database_owner")
    client.force_login(staff)
    before = RoleAssignment.objects.count()

    client.post(
        reverse("admin:governance_roleassignment_add"),
        {
            "role": role.pk,
            "primary": staff.pk,
            "backup": "",
            "valid_from": "2030-01-01",
            "valid_to": "",
            "primary_unavailable_until_0": "",
            "primary_unavailable_until_1": "",
        },
    )

    assert RoleAssignment.objects.count() == before
    change = RoleChangeRequest.objects.get()
    assert change.assignment is None
    for person in document_roles.values():
        approve(change, person)
    change.refresh_from_db()
    assert change.assignment.primary == staff


def test_an_escalation_contact_edit_is_proposed(client, staff, document_roles):
    contact = EscalationContact.objects.first()
    client.force_login(staff)
    url = reverse("admin:governance_escalationcontact_change", args=[contact.pk])
    old = contact.primary_value

    client.post(
        url,
        {
            "role": contact.role_id,
            "primary_channel": contact.primary_channel,
            "primary_value": "staffer@example.com",
            "backup_channel": contact.backup_channel,
            "backup_value": contact.backup_value,
            "position": contact.position,
        },
    )

    contact.refresh_from_db()
    assert contact.primary_value == old
    change = RoleChangeRequest.objects.get()
    assert changes.gainers(change) == {staff.pk}


def test_role_assignments_are_never_deleted_in_the_admin(client, staff, make_user):
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(Permission.objects.get(codename="delete_roleassignment"))
    assignment = assign("sre_lead", make_user("sre"))
    client.force_login(staff)

    response = client.post(
        reverse("admin:governance_roleassignment_delete", args=[assignment.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_the_decision_page_shows_before_and_after(client, staff, document_roles):
    assignment = RoleAssignment.objects.get(role__key="ingestion_owner")
    assignment.backup = staff
    change = changes.propose_role_change(
        actor=staff, subject=RoleChangeRequest.Subject.ASSIGNMENT, instance=assignment
    )
    client.force_login(document_roles["sre_lead"])

    response = client.get(approvals.approval_url(change.approval))

    assert response.status_code == 200
    page = response.content.decode()
    assert "<strong>staffer</strong>" in page
    assert ApprovalRequest.objects.get(pk=change.approval.pk).kind == changes.KIND


def test_an_edit_that_changes_nothing_proposes_nothing(client, staff, document_roles):
    assignment = RoleAssignment.objects.get(role__key="ingestion_owner")
    client.force_login(staff)
    url = reverse("admin:governance_roleassignment_change", args=[assignment.pk])

    response = client.post(url, assignment_form(assignment), follow=True)

    assert response.status_code == 200
    assert not RoleChangeRequest.objects.exists()
