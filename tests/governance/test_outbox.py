"""The notifications outbox: one row per event, delivered once, retried, never lost."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from governance.models import Notification
from governance.notifications import outbox as notifications
from tests.helpers.smtp_server import SmtpServer


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
    # A worker that died mid-send gives its claim back once the claim's lease runs out.
    Notification.objects.filter(pk=row.pk).update(
        status=Notification.Status.SENDING,
        claimed_at=later,
        lease_until=later + timedelta(minutes=10),
    )
    assert notifications.release_stale_claims(now=later + timedelta(minutes=5)) == 0
    assert notifications.release_stale_claims(now=later + timedelta(minutes=11)) == 1
    row.refresh_from_db()
    assert row.status == Notification.Status.PENDING


def test_notify_many_records_each_key_once_within_a_batch(alice, make_user):
    bob = make_user("bob")
    ids = notifications.notify_many(
        [
            (alice, "test", {"note": "first"}, "batch:alice"),
            (bob, "test", {"note": "for bob"}, "batch:bob"),
            (alice, "test", {"note": "second"}, "batch:alice"),
        ]
    )

    rows = Notification.objects.order_by("id")
    assert list(rows.values_list("id", flat=True)) == ids
    assert [(row.dedupe_key, row.address) for row in rows] == [
        ("batch:alice", "alice@example.com"),
        ("batch:bob", "bob@example.com"),
    ]
    alices = rows.get(dedupe_key="batch:alice")
    assert "first" in alices.body_text and "Hello Alice Tester" in alices.body_text
    assert "<p>first</p>" in alices.body_html
    assert alices.subject == "Test message from the governance portal"
    assert "Hello Bob Tester" in rows.get(dedupe_key="batch:bob").body_text


def test_notify_many_skips_keys_an_earlier_batch_or_notify_recorded(alice):
    notifications.notify(alice, "test", {"note": "single"}, "batch:single")
    first = notifications.notify_many([(alice, "test", {"note": "one"}, "batch:1")])

    again = notifications.notify_many(
        [
            (alice, "test", {"note": "one again"}, "batch:1"),
            (alice, "test", {"note": "single again"}, "batch:single"),
            (alice, "test", {"note": "two"}, "batch:2"),
        ]
    )

    assert len(first) == 1
    assert again == list(
        Notification.objects.filter(dedupe_key="batch:2").values_list("id", flat=True)
    )
    assert Notification.objects.count() == 3
    assert "one again" not in Notification.objects.get(dedupe_key="batch:1").body_text
    assert notifications.notify_many([(alice, "test", {}, "batch:2")]) == []
    assert notifications.deliver_due() == (3, 0)
    assert len(mail.outbox) == 3


def test_a_rolled_back_batch_leaves_no_mail(alice, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notifications.notify_many([(alice, "test", {}, f"rolled-back:{n}") for n in range(3)])
        raise RuntimeError("the event failed")

    assert not Notification.objects.exists()
    assert callbacks == []


def test_a_batch_enqueues_delivery_once_after_commit(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        ids = notifications.notify_many([(alice, "test", {}, f"enqueue:{n}") for n in range(120)])

    assert len(ids) == 120
    assert len(callbacks) == 1


def test_a_batch_costs_the_same_few_queries_however_many_mails(
    alice, make_user, django_assert_num_queries, django_assert_max_num_queries
):
    nobody = make_user("nobody", email="")
    notifications.notify(alice, "test", {}, "cost:0")
    items = [(alice, "test", {"note": n}, f"cost:{n}") for n in range(60)]
    items.append((nobody, "test", {}, "cost:nobody"))

    # Read the recorded keys, the rules and the verified methods, insert the new rows, read
    # the new ids: the same five queries for 6 mails as for 60.
    with django_assert_num_queries(5):
        assert len(notifications.notify_many(items[1:7])) == 6
    # SQLite caps the variables of one statement, so its bulk insert of 54 rows is two
    # INSERTs; PostgreSQL inserts them in one.
    with django_assert_max_num_queries(6):
        ids = notifications.notify_many(items)

    assert len(ids) == 54
    failed = Notification.objects.get(dedupe_key="cost:nobody")
    assert failed.status == Notification.Status.FAILED
    assert failed.last_error == "Recipient has no address."


def test_the_batch_task_sends_each_row_once(alice, make_user):
    from governance.notifications.tasks import deliver_notifications_task

    nobody = make_user("nobody", email="")
    ids = notifications.notify_many(
        [(alice, "test", {"note": n}, f"task:{n}") for n in range(3)]
        + [(nobody, "test", {}, "task:nobody")]
    )

    # Called in-process as a worker would run it; a replay of the same batch sends nothing.
    assert deliver_notifications_task(ids) == (3, 1)
    assert deliver_notifications_task(ids) == (0, 4)
    assert len(mail.outbox) == 3
    assert set(Notification.objects.values_list("status", flat=True)) == {
        Notification.Status.SENT,
        Notification.Status.FAILED,
    }
