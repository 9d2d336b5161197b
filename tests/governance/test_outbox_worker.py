"""A real Celery worker against the configured broker (Redis on CI) delivers a mail once."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from governance.celery import app
from governance.models import Notification
from governance.notifications.outbox import notify


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_a_notification_exactly_once(make_user):
    alice = make_user("alice")
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        row = notify(alice, "test", {"note": "from the worker"}, "worker:1")  # autocommit: enqueued
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            row.refresh_from_db()
            if row.status == Notification.Status.SENT:
                break
            time.sleep(0.2)
        # A second enqueue of the same row (a replay) must not send it again.
        from governance.notifications.tasks import deliver_notification_task

        deliver_notification_task.delay(row.pk)
        time.sleep(1.5)

    row.refresh_from_db()
    assert row.status == Notification.Status.SENT
    assert row.attempts == 1
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]
