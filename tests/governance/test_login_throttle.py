"""Login throttling: five failures cool a username off for a while, never for good."""

import pytest
from django.core.cache import cache
from django.test import Client


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("url", ["/login/", "/admin/login/"])
def test_five_failures_refuse_even_the_right_password_until_the_cool_off_ends(
    make_user, settings, url
):
    make_user("alice", is_staff=True)
    settings.LOGIN_COOLOFF_SECONDS = 1
    client = Client()
    for _ in range(5):
        assert client.post(url, {"username": "alice", "password": "wrong"}).status_code == 200

    refused = client.post(url, {"username": "alice", "password": "pw"})
    assert refused.status_code == 429
    assert "Too many failed logins for &#x27;alice&#x27;" in refused.content.decode()
    assert "_auth_user_id" not in client.session

    cache.clear()  # the cool-off has passed
    allowed = client.post(url, {"username": "alice", "password": "pw"})
    assert allowed.status_code == 302
    assert client.session["_auth_user_id"]


def test_four_failures_still_let_the_right_password_in(make_user):
    make_user("bob")
    client = Client()
    for _ in range(4):
        client.post("/login/", {"username": "bob", "password": "wrong"})
    assert client.post("/login/", {"username": "bob", "password": "pw"}).status_code == 302


def test_another_username_is_not_throttled_by_alices_failures(make_user):
    make_user("alice")
    make_user("carol")
    client = Client()
    for _ in range(6):
        client.post("/login/", {"username": "alice", "password": "wrong"})
    assert client.post("/login/", {"username": "carol", "password": "pw"}).status_code == 302
