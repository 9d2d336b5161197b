"""The notifications outbox: one row per event, delivered once, retried, never lost."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from governance import notifications
from governance.models import Notification
from tests.smtp_server import SmtpServer


@pytest.fixture
def alice(make_user):
    return make_user("alice")


def test_notify_renders_the_three_templates_into_one_pending_row(alice):
    row = notifications.notify(alice, "test", {"note": "Hello there"}, "test:1")

    row.refresh_from_db()
    assert row.status == Notification.Status.PENDING
    assert row.address == "alice@example.com"
    assert row.subject == "Test message from the governance portal"
    assert "Hello Alice Tester" in row.body_text and "Hello there" in row.body_text
    assert "<p>Hello there</p>" in row.body_html


def test_the_same_dedupe_key_twice_is_one_mail(alice):
    first = notifications.notify(alice, "test", {"note": "one"}, "test:same")
    second = notifications.notify(alice, "test", {"note": "two"}, "test:same")

    assert first.pk == second.pk
    assert Notification.objects.count() == 1
    assert notifications.deliver_due() == (1, 0)
    assert len(mail.outbox) == 1


def test_a_rolled_back_event_leaves_no_mail(alice, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notifications.notify(alice, "test", {}, "test:rolled-back")
        raise RuntimeError("the event failed")

    assert not Notification.objects.exists()
    assert callbacks == []


def test_delivery_is_enqueued_only_on_commit(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        notifications.notify(alice, "test", {}, "test:commit")
    assert len(callbacks) == 1


def test_delivering_twice_sends_once(alice):
    row = notifications.notify(alice, "test", {}, "test:twice")

    assert notifications.deliver_notification(row.pk) is True
    assert notifications.deliver_notification(row.pk) is False

    row.refresh_from_db()
    assert row.status == Notification.Status.SENT
    assert row.attempts == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@example.com"]
    assert mail.outbox[0].alternatives[0].mimetype == "text/html"


def test_a_user_without_address_is_recorded_as_failed(make_user):
    nobody = make_user("nobody", email="")
    row = notifications.notify(nobody, "test", {}, "test:no-address")
    assert row.status == Notification.Status.FAILED
    assert row.last_error == "Recipient has no address."


def _smtp_settings(settings, port):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5


def test_smtp_refusing_leaves_the_row_pending_then_the_next_delivery_sends_it_once(alice, settings):
    row = notifications.notify(alice, "test", {"note": "via smtp"}, "test:smtp")
    opened = timezone.now()

    with SmtpServer(refuse=True) as refusing:
        _smtp_settings(settings, refusing.port)
        assert notifications.deliver_notification(row.pk, now=opened) is False

    row.refresh_from_db()
    assert row.status == Notification.Status.PENDING
    assert row.attempts == 1
    assert row.last_error  # the connection error, in words
    assert row.next_attempt_at == opened + timedelta(seconds=settings.OUTBOX_RETRY_BASE_SECONDS)

    with SmtpServer(refuse=False) as accepting:
        _smtp_settings(settings, accepting.port)
        # Not yet due: the backoff holds it back.
        assert notifications.deliver_due(now=opened + timedelta(seconds=1)) == (0, 0)
        later = row.next_attempt_at
        assert notifications.deliver_due(now=later) == (1, 0)
        assert notifications.deliver_due(now=later + timedelta(hours=1)) == (0, 0)
        assert len(accepting.messages) == 1
        assert b"via smtp" in accepting.messages[0]

    row.refresh_from_db()
    assert row.status == Notification.Status.SENT
    assert row.last_error == ""


def test_retries_back_off_then_mark_the_row_failed(alice, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    row = notifications.notify(alice, "test", {}, "test:fail")
    now = timezone.now()
    with SmtpServer(refuse=True) as refusing:
        _smtp_settings(settings, refusing.port)
        delays = []
        for _ in range(3):
            row.refresh_from_db()
            now = row.next_attempt_at
            notifications.deliver_notification(row.pk, now=now)
            row.refresh_from_db()
            delays.append((row.next_attempt_at - now).total_seconds())

    assert row.status == Notification.Status.FAILED
    assert row.attempts == 3
    assert delays[:2] == [60, 120]

    assert notifications.retry_now(Notification.objects.filter(pk=row.pk)) == 1
    row.refresh_from_db()
    assert row.status == Notification.Status.PENDING and row.attempts == 0


def test_the_requeue_sweep_recovers_rows_whose_enqueue_was_lost(alice):
    row = notifications.notify(alice, "test", {}, "test:lost")
    later = timezone.now() + timedelta(minutes=5)
    assert notifications.requeue_lost(now=later) == 1
    # A worker that died mid-send gives its claim back after ten minutes.
    Notification.objects.filter(pk=row.pk).update(
        status=Notification.Status.SENDING, claimed_at=later
    )
    assert notifications.release_stale_claims(now=later + timedelta(minutes=5)) == 0
    assert notifications.release_stale_claims(now=later + timedelta(minutes=11)) == 1
    row.refresh_from_db()
    assert row.status == Notification.Status.PENDING
