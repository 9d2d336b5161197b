"""The outbox: `notify` records an event's messages in the caller's transaction (mail, and
each Apprise channel of the person's rules or the team); workers deliver them.

A broker, SMTP or channel outage delays a message, never loses it: the row is written with the
event, delivery claims it with a compare-and-set update carrying a lease, failures retry with
backoff, and a sweep re-queues rows whose enqueue was lost or whose lease ran out. A worker
crash doubles at most the one message in flight, with the same Message-ID.
"""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.template.context import make_context
from django.template.loader import get_template
from django.utils import timezone

from governance.models import (
    ContactMethod,
    Notification,
    NotificationRule,
    OnCallTier,
    Team,
    Urgency,
)
from governance.notifications import channels

log = logging.getLogger(__name__)
# A pending row this overdue has lost its enqueue (broker down); the sweep re-queues it.
LOST_ENQUEUE = timedelta(seconds=60)
# Ids per delivery task: even slow SMTP sends of a whole task end well inside its time limit.
DELIVERY_BATCH = 50


def render_mail(
    template: str, context: dict, *, loaded: dict | None = None
) -> tuple[str, str, str]:
    """Render `emails/<template>-subject.txt`, `-body.txt` and `-body.html`.

    The subject and the text body are plain text, rendered without HTML escaping (a subject
    reads "Error rate > 20%", never "&gt;"); only the HTML part is escaped. This is the one
    place mail is rendered, so no template needs its own `{% autoescape off %}`.
    `loaded` caches the three compiled templates across the mails of one batch.
    """
    subject_t, text_t, html_t = _templates(template, loaded if loaded is not None else {})
    context = {"base_url": settings.PORTAL_BASE_URL, **context}
    subject = " ".join(_plain(subject_t, context).split())
    return subject[:255], _plain(text_t, context), html_t.render(context)


def _plain(compiled, context: dict) -> str:
    """`compiled` (a Django backend template) rendered as plain text: no HTML escaping."""
    return compiled.template.render(make_context(context, autoescape=False))


def _templates(template: str, loaded: dict) -> tuple:
    if template not in loaded:
        loaded[template] = tuple(
            get_template(f"emails/{template}-{part}")
            for part in ("subject.txt", "body.txt", "body.html")
        )
    return loaded[template]


def _content(recipient_user, template: str, context: dict, *, loaded: dict) -> dict:
    subject, body_text, body_html = render_mail(
        template, {"recipient": recipient_user, **context}, loaded=loaded
    )
    return {
        "template": template,
        "subject": subject,
        "body_text": body_text,
        "body_html": body_html,
    }


class _Plan:
    """Where one batch's messages go: each person's rules (or the defaults), each team's
    channels. Loads rules, methods and teams once per batch, whatever its size."""

    def __init__(self, items: list[tuple]):
        users = {r.pk for r, *_ in items if not isinstance(r, str | Team)}
        self.rules: dict[tuple[int, str], list[tuple]] = {}
        for rule in NotificationRule.objects.filter(user__in=users).select_related("method"):
            if rule.method_id is None or rule.method.active:
                self.rules.setdefault((rule.user_id, rule.urgency), []).append(
                    (rule.method, rule.delay_minutes)
                )
        self.verified: dict[int, list[ContactMethod]] = {}
        for method in ContactMethod.objects.filter(
            user__in=users, active=True, verified_at__isnull=False
        ).order_by("created_at", "id"):
            self.verified.setdefault(method.user_id, []).append(method)
        teams = {r.pk for r, *_ in items if isinstance(r, Team)}
        self.team_channels: dict[int, list[ContactMethod]] = {}
        if teams:
            for method in ContactMethod.objects.filter(team__in=teams, active=True).order_by("id"):
                self.team_channels.setdefault(method.team_id, []).append(method)
        self._step: int | None = None

    def repage_step(self) -> int:
        """D9 §3.1: the shortest tier response time; an unanswered page moves to the next
        method after it."""
        if self._step is None:
            shortest = OnCallTier.objects.order_by("response_minutes").first()
            self._step = shortest.response_minutes if shortest else 5
        return self._step

    def targets(self, recipient, urgency: str) -> list[tuple]:
        """(user, method or None for plain mail, address, delay in minutes) per message."""
        if isinstance(recipient, str):
            return [(None, None, recipient, 0)]
        if isinstance(recipient, Team):
            return [
                (None, method, method.masked_url, 0)
                for method in self.team_channels.get(recipient.pk, [])
            ]
        rules = self.rules.get((recipient.pk, urgency))
        if rules is None:
            # The defaults: mail at once, and for a page the person's verified methods, the
            # first at once and each further one a §3.1 response time later.
            rules = [(None, 0)]
            for position, method in enumerate(self.verified.get(recipient.pk, [])):
                if urgency == Urgency.PAGE or position == 0:
                    delay = position * self.repage_step() if urgency == Urgency.PAGE else 0
                    rules.append((method, delay))
        targets = []
        for method, delay in rules:
            if method is not None and urgency == Urgency.PAGE and method.verified_at is None:
                continue  # an unverified method never carries a page
            address = recipient.email if method is None else method.masked_url
            targets.append((recipient, method, address, delay))
        return targets


def _rows(items: list[tuple], *, now: datetime) -> list[Notification]:
    """One outbox row per target of each item; the first target of an event keeps the event's
    own key (so rows recorded before channels existed still dedupe), the others add the
    method's id."""
    plan = _Plan(items)
    loaded: dict = {}
    rows = []
    for recipient, template, context, dedupe_key, urgency, headers in items:
        for user, method, address, delay in plan.targets(recipient, urgency):
            key = dedupe_key if method is None else f"{dedupe_key}#m{method.pk}"[:255]
            row = Notification(
                recipient=user,
                method=method,
                address=address or "",
                dedupe_key=key,
                event_key=dedupe_key,
                urgency=urgency,
                headers=headers,
                next_attempt_at=now + timedelta(minutes=delay),
                **_content(user, template, context, loaded=loaded),
            )
            if not address:
                row.status = Notification.Status.FAILED
                row.last_error = "Recipient has no address."
            rows.append(row)
    return rows


def notify(
    recipient, template: str, context: dict, dedupe_key: str, *, urgency: str = Urgency.INFO
):
    """Record the messages of one event for `recipient` (a user, a team or a plain mail
    address) once per `dedupe_key`: a user's go to the methods of their notification rules,
    a team's to its channels. Returns the first row (the mail of a user).

    Runs inside the caller's transaction, so the messages exist exactly when the event does;
    delivery is enqueued only after commit.
    """
    notify_many([(recipient, template, context, dedupe_key, urgency, {})])
    return Notification.objects.filter(event_key=dedupe_key[:255]).order_by("id").first()


def notify_many(items: Iterable[tuple]) -> list[int]:
    """Record many events' messages at once: `items` are `(recipient, template, context,
    dedupe_key)`, optionally with a fifth element, the urgency, as for `notify`, and a sixth,
    that message's extra mail headers (a dict, e.g. a per-recipient List-Unsubscribe). Returns
    the ids of the rows this call recorded.

    The sweeps' form of `notify`, with the same guarantees at a fixed number of queries per
    batch: one read of the keys already recorded, one read each of rules and methods (and of
    team channels when teams are addressed), one bulk insert that skips existing keys, one
    read of the new ids, and one enqueue after commit. Within a batch the first item of a key
    wins. Each compiled template is loaded once per batch and only new messages are rendered.
    """
    wanted = {}
    for item in items:
        recipient, template, context, dedupe_key, *rest = item
        urgency = rest[0] if rest else Urgency.INFO
        headers = rest[1] if len(rest) > 1 else {}
        wanted.setdefault(dedupe_key[:255], (recipient, template, context, urgency, headers))
    if not wanted:
        return []
    recorded = set(
        Notification.objects.filter(event_key__in=list(wanted)).values_list("event_key", flat=True)
    )
    now = timezone.now()
    rows = _rows(
        [
            (recipient, template, context, key, urgency, headers)
            for key, (recipient, template, context, urgency, headers) in wanted.items()
            if key not in recorded
        ],
        now=now,
    )
    if not rows:
        return []
    # A key another transaction records between the read and the insert is skipped here (on
    # PostgreSQL the insert waits for that transaction); its id may then be enqueued twice,
    # which the delivery's compare-and-set claim makes harmless.
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    new = list(
        Notification.objects.filter(dedupe_key__in=[row.dedupe_key for row in rows])
        .order_by("id")
        .values_list("id", "status", "next_attempt_at")
    )
    pending = [
        pk for pk, status, due in new if status == Notification.Status.PENDING and due <= now
    ]
    if pending:
        transaction.on_commit(lambda: enqueue_deliveries(pending))
    return [pk for pk, *_ in new]


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


def _send(notification: Notification) -> None:
    """One SMTP or Apprise call. Raises on failure."""
    method = notification.method
    if method is not None and method.kind == ContactMethod.Kind.APPRISE:
        outcome = channels.send(
            channels.unseal(method.sealed_url),
            title=notification.subject,
            body=notification.body_text,
            message_id=notification.message_id,
        )
        if not outcome.sent:
            raise ChannelError(outcome.error)
        return
    address = channels.unseal(method.sealed_url) if method is not None else notification.address
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=notification.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        headers={
            **notification.headers,
            "Message-ID": notification.message_id,
            "X-Portal-Notification": notification.dedupe_key,
        },
    )
    if notification.body_html:
        message.attach_alternative(notification.body_html, "text/html")
    message.send()


class ChannelError(Exception):
    """An Apprise channel refused or could not be reached; the reason is Apprise's."""


def deliver_notification(notification_id: int, *, now: datetime | None = None) -> bool:
    """Send one pending, due notification. Returns True when this call sent it.

    The claim is a compare-and-set with a lease; the row is marked sent right after its own
    send, so a worker killed mid-batch leaves at most the one message it was sending in doubt,
    handed out again only after the lease, with the same Message-ID (D9 §4.2 pages must
    arrive, and arrive once).
    """
    now = now or timezone.now()
    claimed_at = timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id, status=Notification.Status.PENDING, next_attempt_at__lte=now
    ).update(
        status=Notification.Status.SENDING,
        claimed_at=claimed_at,
        lease_until=claimed_at + timedelta(seconds=settings.OUTBOX_CLAIM_LEASE_SECONDS),
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related("method").get(pk=notification_id)
    try:
        _send(notification)
    except Exception as error:  # SMTP, Apprise and backend failures of every kind are retried
        _record_failure(notification, error=error, now=now)
        return False
    Notification.objects.filter(pk=notification_id, status=Notification.Status.SENDING).update(
        status=Notification.Status.SENT, sent_at=timezone.now(), lease_until=None, last_error=""
    )
    return True


def _record_failure(notification: Notification, *, error: Exception, now: datetime) -> None:
    exhausted = notification.attempts >= settings.OUTBOX_MAX_ATTEMPTS
    Notification.objects.filter(pk=notification.pk, status=Notification.Status.SENDING).update(
        status=Notification.Status.FAILED if exhausted else Notification.Status.PENDING,
        next_attempt_at=now + retry_delay(notification.attempts),
        lease_until=None,
        last_error=f"{type(error).__name__}: {error}"[:2000],
    )
    log.warning(
        "Notification %s to %s not sent (attempt %s): %s",
        notification.pk,
        notification.address,  # a mail address or a masked channel URL, never a secret
        notification.attempts,
        error,
    )
    if exhausted and notification.urgency == Urgency.PAGE:
        escalate_undelivered_page(notification, now=now)


def escalate_undelivered_page(notification: Notification, *, now: datetime) -> int:
    """A page that exhausted its retries on one method moves at once to the person's next
    methods for the same event instead of waiting out their delays; it stays on the dashboard
    and in portal_health as undelivered (`undelivered_pages`). Returns the rows moved up."""
    later = list(
        Notification.objects.filter(
            event_key=notification.event_key,
            status=Notification.Status.PENDING,
            next_attempt_at__gt=now,
        ).values_list("id", flat=True)
    )
    Notification.objects.filter(pk__in=later).update(next_attempt_at=now)
    if later:
        transaction.on_commit(lambda: enqueue_deliveries(later))
    log.error(
        "Page %s to %s undelivered after %s attempts; %s further method(s) tried now.",
        notification.event_key,
        notification.address,
        notification.attempts,
        len(later),
    )
    return len(later)


def cancel_pages(*, event_key_prefix: str, actor, at: datetime) -> int:
    """D9 §3.1: acknowledging stops the response track, so the pages still waiting for their
    method's delay are cancelled. `actor` is who acknowledged. Returns the rows cancelled."""
    return Notification.objects.filter(
        event_key__startswith=event_key_prefix,
        urgency=Urgency.PAGE,
        status=Notification.Status.PENDING,
    ).update(
        status=Notification.Status.CANCELLED,
        last_error=f"Acknowledged by {actor.get_username()} at {at:%Y-%m-%d %H:%M} UTC.",
    )


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
    """Return rows whose claim's lease ran out (the worker died mid-send) to the pending pool.
    At most the one message that worker was sending may have gone out; it goes again with the
    same Message-ID."""
    return Notification.objects.filter(
        status=Notification.Status.SENDING, lease_until__lt=now
    ).update(status=Notification.Status.PENDING, next_attempt_at=now, lease_until=None)


def requeue_lost(*, now: datetime) -> int:
    """Enqueue delivery for pending rows that should have been sent by now."""
    released = release_stale_claims(now=now)
    # A page whose method's delay has passed is due now; other rows get a grace period for
    # their own enqueue, which is in flight.
    ids = list(
        Notification.objects.filter(status=Notification.Status.PENDING)
        .filter(
            Q(next_attempt_at__lte=now - LOST_ENQUEUE)
            | Q(next_attempt_at__lte=now, urgency=Urgency.PAGE)
        )
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:500]
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
        status=Notification.Status.SENDING, lease_until__lt=now
    ).count()
    if stale:
        findings.append(f"{stale} notification(s) stuck in Sending past their claim's lease.")
    return findings + undelivered_pages() + method_failures()


def undelivered_pages(*, limit: int = 10) -> list[str]:
    """Plain words for every page that exhausted its retries on a method."""
    rows = (
        Notification.objects.filter(status=Notification.Status.FAILED, urgency=Urgency.PAGE)
        .select_related("recipient")
        .order_by("-created_at")[:limit]
    )
    return [
        f"PAGE UNDELIVERED: {row.subject} to "
        f"{row.recipient.get_username() if row.recipient else row.address} via "
        f"{row.address} after {row.attempts} attempt(s): {row.last_error[:200]}"
        for row in rows
    ]


def method_failures() -> list[str]:
    """Per contact method or channel, how many messages failed for good, and the last reason
    (one query, however many methods fail)."""
    failed = Notification.objects.filter(method=OuterRef("pk"), status=Notification.Status.FAILED)
    failing = (
        ContactMethod.objects.filter(notifications__status=Notification.Status.FAILED)
        .annotate(
            failed=Count("notifications"),
            last=Subquery(failed.order_by("-next_attempt_at").values("last_error")[:1]),
        )
        .order_by("name")
    )
    return [
        f"Channel {method.name} ({method.masked_url}): {method.failed} message(s) failed; "
        f"last: {(method.last or '')[:200]}"
        for method in failing
    ]
