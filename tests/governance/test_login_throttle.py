"""Login throttling (django-axes): failures lock a username at one client address for a cool-off
that guessing on cannot stretch, and never lock the real user out of their own address."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone

ATTACKER = "203.0.113.9"
ALICE_HOME = "198.51.100.7"
PROXY = "10.0.0.2"


def post_login(client, url, username, password, address, **extra):
    return client.post(
        url, {"username": username, "password": password}, REMOTE_ADDR=address, **extra
    )


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("url", ["/login/", "/admin/login/"])
def test_five_failures_lock_that_address_until_the_cool_off_ends(make_user, time_machine, url):
    make_user("alice", is_staff=True)
    client = Client()
    for _ in range(4):
        assert post_login(client, url, "alice", "wrong", ATTACKER).status_code == 200
    locked = post_login(client, url, "alice", "wrong", ATTACKER)
    assert locked.status_code == 429
    message = "Too many failed logins for &#x27;alice&#x27; from this address"
    assert message in locked.content.decode()

    refused = post_login(client, url, "alice", "pw", ATTACKER)
    assert refused.status_code == 429
    assert not is_logged_in(client)

    time_machine.move_to(timezone.now() + timedelta(minutes=15, seconds=1))
    allowed = post_login(client, url, "alice", "pw", ATTACKER)
    assert allowed.status_code == 302
    assert is_logged_in(client)


@pytest.mark.parametrize("url", ["/login/", "/admin/login/"])
def test_ten_bad_passwords_from_an_attacker_leave_alice_able_to_log_in_from_her_address(
    make_user, url
):
    make_user("alice", is_staff=True)
    attacker = Client()
    for _ in range(10):
        post_login(attacker, url, "alice", "wrong", ATTACKER)
    assert post_login(attacker, url, "alice", "pw", ATTACKER).status_code == 429

    alice = Client()
    assert post_login(alice, url, "alice", "pw", ALICE_HOME).status_code == 302
    assert is_logged_in(alice)


def test_guessing_on_during_the_lock_does_not_extend_the_cool_off(make_user, time_machine):
    make_user("alice")
    client = Client()
    for _ in range(5):
        post_login(client, "/login/", "alice", "wrong", ATTACKER)
    start = timezone.now()
    for minute in (5, 10, 14):
        time_machine.move_to(start + timedelta(minutes=minute))
        assert post_login(client, "/login/", "alice", "wrong", ATTACKER).status_code == 429

    time_machine.move_to(start + timedelta(minutes=15, seconds=1))
    assert post_login(client, "/login/", "alice", "pw", ATTACKER).status_code == 302


def test_four_failures_still_let_the_right_password_in_and_success_clears_them(make_user):
    make_user("bob")
    client = Client()
    for _ in range(4):
        post_login(client, "/login/", "bob", "wrong", ATTACKER)
    assert post_login(client, "/login/", "bob", "pw", ATTACKER).status_code == 302
    assert not AccessAttempt.objects.filter(username="bob").exists()


def test_another_username_is_not_throttled_by_alices_failures(make_user):
    make_user("alice")
    make_user("carol")
    client = Client()
    for _ in range(6):
        post_login(client, "/login/", "alice", "wrong", ATTACKER)
    assert post_login(client, "/login/", "carol", "pw", ATTACKER).status_code == 302


def test_behind_a_trusted_proxy_the_real_client_address_counts_and_forged_ones_do_not(
    make_user, settings
):
    """The proxy appends the address it saw to X-Forwarded-For; what the client wrote before it
    (here a new forged address on every try) must not buy fresh attempts."""
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR",)
    settings.AXES_IPWARE_PROXY_COUNT = 1
    settings.AXES_IPWARE_PROXY_ORDER = "right-most"
    make_user("alice")
    attacker = Client()
    for n in range(5):
        forged = f"192.0.2.{n}, {ATTACKER}"
        post_login(attacker, "/login/", "alice", "wrong", PROXY, HTTP_X_FORWARDED_FOR=forged)
    again = post_login(
        attacker, "/login/", "alice", "pw", PROXY, HTTP_X_FORWARDED_FOR=f"192.0.2.99, {ATTACKER}"
    )
    assert again.status_code == 429
    assert AccessAttempt.objects.get().ip_address == ATTACKER

    alice = Client()
    ok = post_login(alice, "/login/", "alice", "pw", PROXY, HTTP_X_FORWARDED_FOR=ALICE_HOME)
    assert ok.status_code == 302


def test_an_admin_sees_the_lock_and_lifts_it(make_user):
    make_user("alice")
    root = make_user("root", is_staff=True, is_superuser=True)
    for _ in range(5):
        post_login(Client(), "/login/", "alice", "wrong", ATTACKER)
    attempt = AccessAttempt.objects.get(username="alice")

    admin = Client()
    admin.force_login(root)
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200
    assert "alice" in listing.content.decode() and ATTACKER in listing.content.decode()

    lifted = admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert lifted.status_code == 302
    assert post_login(Client(), "/login/", "alice", "pw", ATTACKER).status_code == 302


def test_a_user_who_is_not_staff_cannot_see_or_lift_locks(make_user):
    make_user("alice")
    for _ in range(5):
        post_login(Client(), "/login/", "alice", "wrong", ATTACKER)
    attempt = AccessAttempt.objects.get(username="alice")
    mallory = Client()
    mallory.force_login(make_user("mallory"))
    assert mallory.get("/admin/axes/accessattempt/").status_code == 302
    assert mallory.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()
