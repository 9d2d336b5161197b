"""D9 §1.3 role assignments and the selectors that read who holds a role."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from governance.models import Role, RoleAssignment
from governance.policy import selectors

pytestmark = pytest.mark.django_db


def test_role_holders_are_the_primary_and_backup_in_force(owner, owner_backup):
    assert selectors.role_holders("ingestion_owner", at=timezone.now()) == (owner, owner_backup)


def test_role_holders_are_none_before_an_assignment_starts(owner):
    before = timezone.make_aware(datetime.datetime(1999, 12, 31, 12))

    assert selectors.role_holders("ingestion_owner", at=before) == (None, None)


def test_the_backup_acts_while_the_primary_is_unavailable(owner, owner_backup):
    now = timezone.now()
    assignment = RoleAssignment.objects.get(role__key="ingestion_owner")
    assignment.primary_unavailable_until = now + datetime.timedelta(hours=2)
    assignment.save()

    assert selectors.acting_holder("ingestion_owner", at=now) == owner_backup
    assert selectors.acting_holder("ingestion_owner", at=now + datetime.timedelta(hours=3)) == owner


def test_the_primary_acts_when_available(owner, owner_backup):
    assert selectors.acting_holder("ingestion_owner", at=timezone.now()) == owner


def test_rotation_roles_are_not_read_from_assignments():
    with pytest.raises(ValueError, match="rotation"):
        selectors.role_holders("on_call_primary", at=timezone.now())


def test_roles_held_by_lists_the_static_roles_of_a_person(owner, owner_backup, pm, outsider):
    now = timezone.now()

    assert [r.key for r in selectors.roles_held_by(owner_backup, at=now)] == ["ingestion_owner"]
    assert selectors.roles_held_by(outsider, at=now) == []


def test_the_database_refuses_a_primary_who_is_also_the_backup(owner):
    role = Role.objects.get(key="sre_lead")
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(
            role=role, primary=owner, backup=owner, valid_from=datetime.date(2025, 1, 1)
        )


def test_validation_refuses_a_primary_who_is_also_the_backup(owner):
    assignment = RoleAssignment(
        role=Role.objects.get(key="sre_lead"),
        primary=owner,
        backup=owner,
        valid_from=datetime.date(2025, 1, 1),
    )

    with pytest.raises(ValidationError, match="must be different people"):
        assignment.full_clean()


def test_validation_refuses_overlapping_assignments_of_a_role(owner, pm):
    assignment = RoleAssignment(
        role=Role.objects.get(key="ingestion_owner"),
        primary=pm,
        valid_from=datetime.date(2025, 1, 1),
    )

    with pytest.raises(ValidationError, match="overlaps"):
        assignment.full_clean()


def test_validation_accepts_a_later_assignment_once_the_earlier_one_ends(owner, pm):
    earlier = RoleAssignment.objects.get(role__key="ingestion_owner")
    earlier.valid_to = datetime.date(2024, 12, 31)
    earlier.save()
    later = RoleAssignment(role=earlier.role, primary=pm, valid_from=datetime.date(2025, 1, 1))

    later.full_clean()
