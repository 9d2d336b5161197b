"""Shared fixtures: persona users and factories used across the suite."""

import pytest
from django.contrib.auth import get_user_model


@pytest.fixture
def make_user(db):
    """Create a user; `make_user("alice")` gives alice@example.com with a full name."""

    def make(username: str, **fields):
        defaults = {
            "email": f"{username}@example.com",
            "first_name": username.capitalize(),
            "last_name": "Tester",
        }
        defaults.update(fields)
        user = get_user_model().objects.create_user(username=username, password="pw", **defaults)
        return user

    return make


def assign(role_key: str, primary, backup=None):
    """Make `primary` (and `backup`) hold a static D9 role from 2000-01-01, open-ended."""
    import datetime

    from governance.models import Role, RoleAssignment

    assignment, _ = RoleAssignment.objects.update_or_create(
        role=Role.objects.get(key=role_key),
        defaults={
            "primary": primary,
            "backup": backup,
            "valid_from": datetime.date(2000, 1, 1),
        },
    )
    return assignment


@pytest.fixture
def owner(make_user):
    """The Ingestion Owner (primary)."""
    user = make_user("owner", first_name="Olivia", last_name="Owner")
    assign("ingestion_owner", user)
    return user


@pytest.fixture
def owner_backup(make_user, owner):
    """The Ingestion Owner's backup."""
    user = make_user("owner_backup", first_name="Oscar", last_name="Backup")
    assign("ingestion_owner", owner, user)
    return user


@pytest.fixture
def sre_lead(make_user):
    user = make_user("sre_lead", first_name="Sam", last_name="Reyes")
    assign("sre_lead", user)
    return user


@pytest.fixture
def db_owner(make_user):
    user = make_user("db_owner", first_name="Dana", last_name="Baker")
    assign("database_owner", user)
    return user


@pytest.fixture
def pm(make_user):
    user = make_user("pm", first_name="Priya", last_name="Mehta")
    assign("product_manager", user)
    return user


@pytest.fixture
def support(make_user):
    user = make_user("support", first_name="Sasha", last_name="Lee")
    assign("support_lead", user)
    return user


@pytest.fixture
def outsider(make_user):
    """An active user holding no role."""
    return make_user("outsider", first_name="Otto", last_name="Side")
