"""Shared fixtures: persona users and factories used across the suite."""

import pytest
from django.contrib.auth import get_user_model

from governance.killswitch.mirror import MIRROR


def pytest_collection_modifyitems(items):
    """Every transactional test restores the migration-seeded rows (the D9 v1.0 policy).

    A transactional test empties every table when it ends; without this, a later transactional
    test (browser, concurrency, real worker) would start with no policy at all.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        kwargs = dict(marker.kwargs) if marker else {}
        transactional = kwargs.get("transaction") or {"live_server", "transactional_db"} & set(
            getattr(item, "fixturenames", ())
        )
        if transactional and "serialized_rollback" not in kwargs:
            kwargs.update(transaction=True, serialized_rollback=True)
            args = marker.args if marker else ()
            item.add_marker(pytest.mark.django_db(*args, **kwargs), append=False)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """Keep the serialized seed where every connection object finds it.

    Django stores it on the connection object of the thread that created the test database;
    Playwright's sync API runs an event loop, and inside it `connections["default"]` can be a
    fresh object without it, so `serialized_rollback` silently restored nothing.
    """
    from django.db import connections

    for connection in connections.all():
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents is not None:
            type(connection)._test_serialized_contents = contents
    yield
    # The kill-switch poll's listener holds a session on the test database, which would stop
    # pytest-django from dropping it (governance/killswitch/mirror.py).
    MIRROR.close()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """PBKDF2 at production strength costs ~0.3 s per user; tests need no such strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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


# --- Rotations (D9 §3): the policy rotation and who is on call in it --------------------------

ROTATION_ENGINEERS = [
    ("eng_ana", "Ana", "Alvarez"),
    ("eng_ben", "Ben", "Brooks"),
    ("eng_cai", "Cai", "Chen"),
    ("eng_dee", "Dee", "Doyle"),
]


@pytest.fixture
def rotation_engineers(make_user):
    """The four engineers on the `rotation` fixture's roster, in roster order."""
    return [make_user(u, first_name=f, last_name=last) for u, f, last in ROTATION_ENGINEERS]


@pytest.fixture
def rotation(db, rotation_engineers):
    """The D9 policy rotation `ingestion` (Europe/London, Monday 09:00), four engineers who have
    attested their readiness (D9 §3.4, so no reminder mail), weeks
    generated from two weeks before now to 26 weeks ahead (so `time_machine` moves inside a
    test stay within generated weeks)."""
    import datetime

    from django.utils import timezone

    from governance.models import OnCallExpectation
    from rotations import services

    for engineer in rotation_engineers:
        services.attest_readiness(
            actor=engineer, user=engineer, expectations=OnCallExpectation.objects.all()
        )
    now = timezone.now()
    rotation = services.create_rotation(
        actor=None,
        name="Ingestion",
        slug="ingestion",
        time_zone="Europe/London",
        members=rotation_engineers,
        is_policy_rotation=True,
    )
    services.generate_weeks(
        rotation=rotation,
        actor=None,
        start=now - datetime.timedelta(weeks=2),
        until=now + datetime.timedelta(weeks=26),
    )
    return rotation


@pytest.fixture
def on_call_now(rotation):
    """`rotations.selectors.on_call_at(now)` for the policy rotation."""
    from django.utils import timezone

    from rotations.selectors import on_call_at

    return on_call_at(timezone.now(), rotation=rotation)


@pytest.fixture
def on_call_at_fixture(rotation):
    """`on_call_at_fixture(at)`: who is on call in the policy rotation at `at`."""
    from rotations.selectors import on_call_at

    return lambda at: on_call_at(at, rotation=rotation)


@pytest.fixture
def primary(on_call_now):
    """The On-Call Primary now (a roster engineer of the `rotation` fixture)."""
    return on_call_now.primary


@pytest.fixture
def secondary(on_call_now):
    """The On-Call Secondary now (the next engineer in the roster)."""
    return on_call_now.secondary


@pytest.fixture
def people(owner, sre_lead, pm, support, outsider, primary, secondary, make_user):
    """Every persona, by name; `inactive` is a deactivated account."""
    return {
        "owner": owner,
        "sre_lead": sre_lead,
        "pm": pm,
        "support": support,
        "outsider": outsider,
        "primary": primary,
        "secondary": secondary,
        "inactive": make_user("inactive", is_active=False),
    }


@pytest.fixture
def workspace(db):
    """The client workspace "acme" (a kill-switch scope, D9 §5.2)."""
    from governance.models import Workspace

    return Workspace.objects.create(name="Acme", slug="acme")


@pytest.fixture
def team_hook(db):
    """The ingestion team's channel (D9 #ingestion-rollout) pointed at a real HTTP receiver on
    loopback; yields the receiver with the verification message cleared."""
    from io import StringIO

    from django.core.management import call_command

    from tests.helpers.http_receiver import HttpReceiver

    with HttpReceiver() as receiver:
        call_command(
            "channels",
            "add",
            "--team",
            "ingestion",
            receiver.url(),
            "--name",
            "rollout-hook",
            stdout=StringIO(),
        )
        receiver.received.clear()
        yield receiver
