"""The outbox: `notify` records a mail in the caller's transaction; workers deliver it.

A broker or SMTP outage delays mail, never loses or doubles it: the row is written with the
event, delivery claims it with a compare-and-set update, failures retry with backoff, and a
sweep re-queues rows whose enqueue was lost.
"""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import get_template
from django.utils import timezone

from governance.models import Notification

log = logging.getLogger(__name__)
# A row claimed this long ago whose worker never reported back is handed out again.
STALE_CLAIM = timedelta(minutes=10)
# A pending row this overdue has lost its enqueue (broker down); the sweep re-queues it.
LOST_ENQUEUE = timedelta(seconds=60)
# Ids per delivery task: even slow SMTP sends of a whole task end well inside its time limit.
DELIVERY_BATCH = 50


def render_mail(
    template: str, context: dict, *, loaded: dict | None = None
) -> tuple[str, str, str]:
    """Render `emails/<template>-subject.txt`, `-body.txt` and `-body.html`.

    `loaded` caches the three compiled templates across the mails of one batch.
    """
    subject_t, text_t, html_t = _templates(template, loaded if loaded is not None else {})
    context = {"base_url": settings.PORTAL_BASE_URL, **context}
    subject = " ".join(subject_t.render(context).split())
    return subject[:255], text_t.render(context), html_t.render(context)


def _templates(template: str, loaded: dict) -> tuple:
    if template not in loaded:
        loaded[template] = tuple(
            get_template(f"emails/{template}-{part}")
            for part in ("subject.txt", "body.txt", "body.html")
        )
    return loaded[template]


def _mail_fields(
    recipient, template: str, context: dict, *, loaded: dict, headers: dict | None = None
) -> dict:
    """The outbox row's fields for one mail to `recipient` (a user or a plain address)."""
    if isinstance(recipient, str):
        user, address = None, recipient
    else:
        user, address = recipient, recipient.email
    subject, body_text, body_html = render_mail(
        template, {"recipient": user, **context}, loaded=loaded
    )
    fields = {
        "recipient": user,
        "address": address or "",
        "template": template,
        "subject": subject,
        "body_text": body_text,
        "body_html": body_html,
        "headers": headers or {},
    }
    if not address:
        fields.update(status=Notification.Status.FAILED, last_error="Recipient has no address.")
    return fields


def notify(recipient, template: str, context: dict, dedupe_key: str) -> Notification:
    """Record one mail for `recipient` (a user or a plain address) once per `dedupe_key`.

    Runs inside the caller's transaction, so the mail exists exactly when the event does;
    delivery is enqueued only after commit.
    """
    notification, created = Notification.objects.get_or_create(
        dedupe_key=dedupe_key[:255],
        defaults=_mail_fields(recipient, template, context, loaded={}),
    )
    if created and notification.status == Notification.Status.PENDING:
        transaction.on_commit(lambda: enqueue_delivery(notification.pk))
    return notification


def notify_many(items: Iterable[tuple]) -> list[int]:
    """Record many mails at once: `items` are `(recipient, template, context, dedupe_key)`, as
    for `notify`, optionally with a fifth element: that mail's extra headers (a dict, e.g. a
    per-recipient List-Unsubscribe). Returns the ids of the rows this call recorded.

    The sweeps' form of `notify`, with the same guarantees at a fixed number of queries per
    batch: one read of the keys already recorded, one bulk insert that skips existing keys, one
    read of the new ids, and one enqueue after commit. Within a batch the first item of a key
    wins. Each compiled template is loaded once per batch and only new mails are rendered.
    """
    wanted = {}
    for recipient, template, context, dedupe_key, *headers in items:
        wanted.setdefault(dedupe_key[:255], (recipient, template, context, *headers))
    if not wanted:
        return []
    recorded = set(
        Notification.objects.filter(dedupe_key__in=list(wanted)).values_list(
            "dedupe_key", flat=True
        )
    )
    loaded: dict = {}
    rows = [
        Notification(
            dedupe_key=key,
            **_mail_fields(
                recipient, template, context, loaded=loaded, headers=headers[0] if headers else None
            ),
        )
        for key, (recipient, template, context, *headers) in wanted.items()
        if key not in recorded
    ]
    if not rows:
        return []
    # A key another transaction records between the read and the insert is skipped here (on
    # PostgreSQL the insert waits for that transaction); its id may then be enqueued twice,
    # which the delivery's compare-and-set claim makes harmless.
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    new = list(
        Notification.objects.filter(dedupe_key__in=[row.dedupe_key for row in rows])
        .order_by("id")
        .values_list("id", "status")
    )
    pending = [pk for pk, status in new if status == Notification.Status.PENDING]
    if pending:
        transaction.on_commit(lambda: enqueue_deliveries(pending))
    return [pk for pk, _ in new]


def enqueue_delivery(notification_id: int) -> None:
    """Hand the row to a worker. A broker outage is logged; the requeue sweep recovers it."""
    from governance.notifications.tasks import deliver_notification_task

    try:
        deliver_notification_task.delay(notification_id)
    except Exception:  # any broker failure: the row stays pending and is re-queued later
        log.warning("Could not enqueue notification %s; the sweep will retry.", notification_id)


def enqueue_deliveries(notification_ids: list[int]) -> None:
    """Hand rows to workers in tasks of at most DELIVERY_BATCH ids, so that a task's sends fit
    well inside its time limit. A broker outage is logged; the requeue sweep recovers them."""
    from governance.notifications.tasks import deliver_notifications_task

    for start in range(0, len(notification_ids), DELIVERY_BATCH):
        batch = notification_ids[start : start + DELIVERY_BATCH]
        try:
            deliver_notifications_task.delay(batch)
        except Exception:  # any broker failure: the rows stay pending and are re-queued later
            log.warning("Could not enqueue %s notification(s); the sweep will retry.", len(batch))
            return


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0))


def deliver_notification(notification_id: int, *, now: datetime | None = None) -> bool:
    """Send one pending, due notification. Returns True when this call sent it."""
    now = now or timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id, status=Notification.Status.PENDING, next_attempt_at__lte=now
    ).update(status=Notification.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return False
    notification = Notification.objects.get(pk=notification_id)
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=notification.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.address],
        headers={**notification.headers, "X-Portal-Notification": notification.dedupe_key},
    )
    if notification.body_html:
        message.attach_alternative(notification.body_html, "text/html")
    try:
        message.send()
    except Exception as error:  # SMTP and backend failures of every kind are retried
        failed = notification.attempts >= settings.OUTBOX_MAX_ATTEMPTS
        Notification.objects.filter(pk=notification_id, status=Notification.Status.SENDING).update(
            status=Notification.Status.FAILED if failed else Notification.Status.PENDING,
            next_attempt_at=now + retry_delay(notification.attempts),
            last_error=f"{type(error).__name__}: {error}"[:2000],
        )
        log.warning(
            "Notification %s not sent (attempt %s): %s",
            notification_id,
            notification.attempts,
            error,
        )
        return False
    Notification.objects.filter(pk=notification_id, status=Notification.Status.SENDING).update(
        status=Notification.Status.SENT, sent_at=timezone.now(), last_error=""
    )
    return True


def due_notification_ids(*, now: datetime, limit: int = 500) -> list[int]:
    return list(
        Notification.objects.filter(status=Notification.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )


def deliver_many(notification_ids: list[int], *, now: datetime | None = None) -> tuple[int, int]:
    """Send each of the given rows that is pending and due. Returns (sent, not sent)."""
    now = now or timezone.now()
    sent = failed = 0
    for notification_id in notification_ids:
        if deliver_notification(notification_id, now=now):
            sent += 1
        else:
            failed += 1
    return sent, failed


def deliver_due(*, now: datetime | None = None, limit: int = 500) -> tuple[int, int]:
    """Send every due notification in this process. Returns (sent, not sent)."""
    now = now or timezone.now()
    return deliver_many(due_notification_ids(now=now, limit=limit), now=now)


def release_stale_claims(*, now: datetime) -> int:
    """Return rows claimed by a worker that died mid-send to the pending pool."""
    return Notification.objects.filter(
        status=Notification.Status.SENDING, claimed_at__lt=now - STALE_CLAIM
    ).update(status=Notification.Status.PENDING, next_attempt_at=now)


def requeue_lost(*, now: datetime) -> int:
    """Enqueue delivery for pending rows that should have been sent by now."""
    released = release_stale_claims(now=now)
    ids = list(
        Notification.objects.filter(
            status=Notification.Status.PENDING, next_attempt_at__lte=now - LOST_ENQUEUE
        ).values_list("id", flat=True)[:500]
    )
    enqueue_deliveries(ids)
    return released + len(ids)


def retry_now(notifications) -> int:
    """Admin action: put failed or pending rows back at the head of the queue."""
    now = timezone.now()
    ids = list(
        notifications.filter(
            Q(status=Notification.Status.FAILED) | Q(status=Notification.Status.PENDING)
        ).values_list("id", flat=True)
    )
    Notification.objects.filter(pk__in=ids).update(
        status=Notification.Status.PENDING, next_attempt_at=now, attempts=0
    )
    if ids:
        transaction.on_commit(lambda: enqueue_deliveries(ids))
    return len(ids)


def stuck_mail(*, now: datetime) -> list[str]:
    """Plain-words findings for portal_health: failed mail, and pending mail long overdue."""
    findings = []
    failed = Notification.objects.filter(status=Notification.Status.FAILED).count()
    if failed:
        findings.append(f"{failed} notification(s) failed; see the admin's outbox, status Failed.")
    overdue = Notification.objects.filter(
        status=Notification.Status.PENDING, next_attempt_at__lt=now - timedelta(minutes=15)
    ).count()
    if overdue:
        findings.append(f"{overdue} notification(s) pending for over 15 minutes past due.")
    stale = Notification.objects.filter(
        status=Notification.Status.SENDING, claimed_at__lt=now - STALE_CLAIM
    ).count()
    if stale:
        findings.append(f"{stale} notification(s) stuck in Sending for over 10 minutes.")
    return findings
