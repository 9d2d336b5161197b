"""Channels through Apprise against a real HTTP receiver on loopback: added only once a test
message arrives, secrets sealed and masked, messages delivered once through the outbox."""

import logging
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from governance.models import ContactMethod, Notification, NotificationRule, Team, Urgency
from governance.notifications import outbox
from tests.helpers.http_receiver import HttpReceiver

SECRET = "s3cr3t-token-value"


@pytest.fixture
def alice(make_user):
    return make_user("alice")


@pytest.fixture
def receiver():
    with HttpReceiver() as server:
        yield server


def channels(*args) -> str:
    out = StringIO()
    call_command("channels", *args, stdout=out)
    return out.getvalue()


def secret_url(receiver) -> str:
    return f"json://alice:{SECRET}@127.0.0.1:{receiver.port}/hook"


def test_adding_a_channel_sends_a_test_message_and_keeps_the_secret_sealed(alice, receiver):
    output = channels("add", "--user", "alice", secret_url(receiver), "--name", "alice-hook")

    assert "test message delivered" in output and SECRET not in output
    assert [r["body"]["title"] for r in receiver.received] == [
        "Test message from the governance portal"
    ]
    method = ContactMethod.objects.get(name="alice-hook")
    assert method.verified_at is not None and method.kind == ContactMethod.Kind.APPRISE
    assert SECRET not in method.sealed_url and SECRET not in method.masked_url
    assert "****" in method.masked_url
    history = method.history.get()
    assert not hasattr(history, "sealed_url")
    assert SECRET not in str(history.__dict__)
    listing = channels("list")
    assert "alice-hook\talice\t" in listing and SECRET not in listing


def test_no_log_line_carries_the_secret_even_at_debug_level(alice, receiver, caplog):
    caplog.set_level(logging.DEBUG)
    channels("add", "--user", "alice", secret_url(receiver), "--name", "alice-hook")
    receiver.down = 1
    outbox.notify(alice, "test", {}, "logged:1", urgency=Urgency.PAGE)
    outbox.deliver_due()

    assert "not sent" in caplog.text  # the failure is logged, with the masked URL
    assert SECRET not in caplog.text


def test_a_team_channel_in_mattermost_format_reaches_the_receiver(receiver, db):
    team = Team.objects.get(slug="ingestion")  # seeded: D9's #ingestion-rollout
    channels("add", "--team", "ingestion", f"mmost://127.0.0.1:{receiver.port}/hooktoken")

    method = team.channels.get()
    assert method.name == "ingestion-mmost"
    assert receiver.received[0]["path"] == "/hooks/hooktoken"
    assert "Test message" in receiver.received[0]["body"]["text"]


def test_a_malformed_url_is_refused_with_the_reason_and_nothing_is_saved(alice):
    with pytest.raises(CommandError, match="Apprise does not understand this URL"):
        channels("add", "--user", "alice", "nosuchscheme://whatever")
    with pytest.raises(CommandError, match="not a valid mail address"):
        channels("add", "--user", "alice", "mailto:not an address@")
    assert not ContactMethod.objects.exists()


def test_an_unreachable_url_is_refused_with_the_reason_and_nothing_is_saved(alice):
    with HttpReceiver() as gone:
        port = gone.port  # a port nobody listens on once the server is closed
    with pytest.raises(CommandError, match="test message .* failed: .*[Cc]onnection"):
        channels("add", "--user", "alice", f"json://127.0.0.1:{port}/")
    assert not ContactMethod.objects.exists()


def test_an_unknown_owner_or_method_is_named(db):
    with pytest.raises(CommandError, match="No active user named 'ghost'"):
        channels("add", "--user", "ghost", "json://127.0.0.1:1/")
    with pytest.raises(CommandError, match="No team 'nope'; teams: ingestion"):
        channels("add", "--team", "nope", "json://127.0.0.1:1/")
    with pytest.raises(CommandError, match="No contact method named 'nope'"):
        channels("test", "nope")


def test_channels_test_unverifies_a_method_that_stopped_answering(alice):
    with HttpReceiver() as temporary:
        channels("add", "--user", "alice", temporary.url(), "--name", "alice-tmp")
    with pytest.raises(CommandError, match="failed"):
        channels("test", "alice-tmp")
    assert ContactMethod.objects.get(name="alice-tmp").verified_at is None


def test_a_page_goes_to_mail_and_the_verified_channel_once_each_with_the_message_id(
    alice, receiver
):
    channels("add", "--user", "alice", secret_url(receiver), "--name", "alice-hook")
    receiver.received.clear()

    outbox.notify(alice, "test", {"note": "wake up"}, "page:1", urgency=Urgency.PAGE)
    assert outbox.deliver_due() == (2, 0)
    assert outbox.deliver_due() == (0, 0)

    channel_row = Notification.objects.get(method__name="alice-hook")
    assert channel_row.status == Notification.Status.SENT
    assert SECRET not in channel_row.address
    [hook] = receiver.received
    assert "wake up" in hook["body"]["message"]
    assert hook["headers"]["X-Message-ID"] == channel_row.message_id
    [message] = mail.outbox
    assert (
        message.extra_headers["Message-ID"]
        == Notification.objects.get(dedupe_key="page:1").message_id
    )


def test_a_channel_down_for_three_messages_delivers_each_exactly_once_when_back(alice):
    with HttpReceiver() as receiver:
        channels("add", "--user", "alice", receiver.url(), "--name", "alice-hook")
        receiver.received.clear()
        receiver.down = 3
        for n in range(5):
            outbox.notify(alice, "test", {"note": f"n{n}"}, f"info:{n}", urgency=Urgency.PAGE)
        now = timezone.now()
        outbox.deliver_due(now=now)
        assert receiver.refused == 3
        # Retries with backoff: due one base delay later.
        outbox.deliver_due(now=now + timedelta(minutes=5))
        outbox.deliver_due(now=now + timedelta(minutes=10))

    bodies = " ".join(r["body"]["message"] for r in receiver.received)
    assert len(receiver.received) == 5
    assert len({r["headers"]["X-Message-ID"] for r in receiver.received}) == 5
    assert all(f"n{n}" in bodies for n in range(5))
    assert not Notification.objects.exclude(status=Notification.Status.SENT).exists()


def test_rules_page_later_methods_after_their_delay_and_acknowledging_cancels_them(alice, receiver):
    channels("add", "--user", "alice", receiver.url(), "--name", "alice-push")
    push = ContactMethod.objects.get(name="alice-push")
    NotificationRule.objects.create(user=alice, urgency=Urgency.PAGE, method=None)
    NotificationRule.objects.create(user=alice, urgency=Urgency.PAGE, method=push, delay_minutes=2)
    receiver.received.clear()

    outbox.notify(alice, "test", {}, "incident:7:page:1", urgency=Urgency.PAGE)
    now = timezone.now()
    assert outbox.deliver_due(now=now) == (1, 0)  # mail at 0; push waits two minutes
    later = Notification.objects.get(method=push)
    assert later.next_attempt_at == pytest.approx(
        now + timedelta(minutes=2), abs=timedelta(seconds=5)
    )

    assert outbox.cancel_pages(event_key_prefix="incident:7:page:", actor=alice, at=now) == 1
    assert outbox.deliver_due(now=now + timedelta(minutes=3)) == (0, 0)
    assert receiver.received == []
    later.refresh_from_db()
    assert later.status == Notification.Status.CANCELLED


def test_an_unverified_method_never_carries_a_page(alice, receiver):
    channels("add", "--user", "alice", receiver.url(), "--name", "alice-push")
    ContactMethod.objects.filter(name="alice-push").update(verified_at=None)

    outbox.notify(alice, "test", {}, "page:unverified", urgency=Urgency.PAGE)
    assert list(Notification.objects.values_list("address", flat=True)) == ["alice@example.com"]


def test_a_page_that_exhausts_its_retries_moves_to_the_next_method_and_is_reported(alice, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    with HttpReceiver() as receiver:
        channels("add", "--user", "alice", receiver.url(), "--name", "alice-push")
    push = ContactMethod.objects.get(name="alice-push")  # its server is gone now
    NotificationRule.objects.create(user=alice, urgency=Urgency.PAGE, method=push)
    NotificationRule.objects.create(user=alice, urgency=Urgency.PAGE, method=None, delay_minutes=10)
    outbox.notify(alice, "test", {}, "page:dead", urgency=Urgency.PAGE)
    now = timezone.now()

    outbox.deliver_due(now=now)
    last_try = now + timedelta(minutes=2)
    outbox.deliver_due(now=last_try)  # the second and last attempt fails

    dead = Notification.objects.get(method=push)
    assert dead.status == Notification.Status.FAILED
    fallback = Notification.objects.get(method=None)
    assert fallback.next_attempt_at == last_try  # no longer waits out its 10 minutes
    assert outbox.deliver_due(now=last_try) == (1, 0)
    assert len(mail.outbox) == 1

    findings = outbox.stuck_mail(now=timezone.now())
    assert any(f.startswith("PAGE UNDELIVERED: ") and "alice" in f for f in findings)
    assert any(
        f.startswith("Channel alice-push (") and "1 message(s) failed" in f for f in findings
    )
    with pytest.raises(SystemExit):
        call_command("portal_health", stdout=StringIO(), stderr=StringIO())


def test_the_dashboard_shows_an_undelivered_page_loudly(alice, client):
    outbox.notify("oncall@example.com", "test", {}, "page:lost", urgency=Urgency.PAGE)
    Notification.objects.update(status=Notification.Status.FAILED, attempts=6, last_error="boom")
    client.force_login(alice)

    page = client.get("/").content.decode()
    assert "Messages are not getting through" in page
    assert "PAGE UNDELIVERED: Test message from the governance portal" in page


def test_an_admin_adds_a_channel_through_the_test_message_and_sees_it_masked(
    make_user, client, receiver
):
    admin_user = make_user("root", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    url = "/admin/governance/contactmethod/add/"
    team = Team.objects.get(slug="ingestion")

    refused = client.post(url, {"name": "bad", "team": team.pk, "url": "nosuch://x"})
    assert refused.status_code == 200
    assert "Apprise does not understand this URL" in refused.content.decode()
    assert not ContactMethod.objects.exists()

    added = client.post(url, {"name": "rollout", "team": team.pk, "url": secret_url(receiver)})
    assert added.status_code == 302
    method = ContactMethod.objects.get(name="rollout")
    assert method.team == team and method.verified_at is not None
    listing = client.get("/admin/governance/contactmethod/").content.decode()
    change = client.get(f"/admin/governance/contactmethod/{method.pk}/change/").content.decode()
    assert "rollout" in listing
    assert SECRET not in listing and SECRET not in change and method.sealed_url not in change


def test_staff_without_the_add_permission_may_not_add_a_channel(make_user, client):
    client.force_login(make_user("clerk", is_staff=True))
    response = client.post(
        "/admin/governance/contactmethod/add/",
        {"name": "x", "team": Team.objects.get(slug="ingestion").pk, "url": "json://127.0.0.1:1/"},
    )
    assert response.status_code == 403
    assert not ContactMethod.objects.exists()


def test_my_page_shows_my_methods_and_what_failed_to_reach_me(alice, make_user, receiver, client):
    """Issue "Reaching people": failures are visible per method on the person's own page."""
    channels("add", "--user", "alice", secret_url(receiver), "--name", "alice-hook")
    method = ContactMethod.objects.get(name="alice-hook")
    outbox.notify(alice, "test", {}, "page:lost", urgency=Urgency.PAGE)
    Notification.objects.filter(method=method).update(
        status=Notification.Status.FAILED, attempts=6, last_error="receiver gone"
    )
    client.force_login(alice)
    page = client.get("/account/channels/").content.decode()
    assert "alice-hook" in page and "receiver gone" in page
    assert SECRET not in page

    bob = make_user("bob")
    client.force_login(bob)
    other = client.get("/account/channels/").content.decode()
    assert "alice-hook" not in other and "receiver gone" not in other
