"""Client mail of D9 §7.2 through the outbox: one mail per subscriber per communication, with a
signed unsubscribe link and List-Unsubscribe headers; the delivery marks the communication sent.
"""

from datetime import datetime

from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef, Q

from governance.core.history import save_with_history
from governance.models import Notification, Urgency
from governance.notifications.outbox import notify_many
from incidents.models import (
    ClientCommunication,
    ClientMailDelivery,
    IncidentEvent,
    StatusSubscriber,
)
from incidents.status import links

TEMPLATE = "client-communication"


def active_subscribers(workspace_id: int | None):
    """Confirmed, not unsubscribed: the workspace's subscribers and the global ones (a global
    incident reaches every subscriber)."""
    subscribers = StatusSubscriber.objects.filter(
        confirmed_at__isnull=False, unsubscribed_at__isnull=True
    )
    if workspace_id is not None:
        subscribers = subscribers.filter(Q(workspace_id=workspace_id) | Q(workspace__isnull=True))
    return subscribers.order_by("pk")


def mails_by_channel(communication: ClientCommunication) -> bool:
    """D9 §7.2's channel column says whether the event goes by email ("Status page + email")
    or is on the status page only ("Outage communication": "Status page")."""
    return "email" in communication.rule.channel.lower()


def mail_communication(*, communication: ClientCommunication, at: datetime) -> int:
    """Record the mail of a published communication for every active subscriber, once each
    (the outbox's dedupe key and the delivery's unique key), in the caller's transaction.
    Returns how many subscribers it is addressed to. A fixed number of queries per call."""
    if not mails_by_channel(communication):
        return 0
    subscribers = list(active_subscribers(communication.incident.workspace_id))
    if not subscribers:
        return 0
    keys = {}
    items = []
    for subscriber in subscribers:
        key = f"client-mail:{communication.pk}:{subscriber.pk}"
        keys[key] = subscriber
        unsubscribe = links.unsubscribe_url(subscriber)
        items.append(
            (
                subscriber.email,
                TEMPLATE,
                {
                    "communication": communication,
                    "subscriber": subscriber,
                    "unsubscribe_url": unsubscribe,
                    "status_url": links.status_url("/status/"),
                },
                key,
                Urgency.INFO,
                {
                    "List-Unsubscribe": f"<{unsubscribe}>",
                    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                },
            )
        )
    notify_many(items)
    recorded = Notification.objects.filter(dedupe_key__in=list(keys)).values_list(
        "dedupe_key", "pk"
    )
    ClientMailDelivery.objects.bulk_create(
        [
            ClientMailDelivery(
                communication=communication, subscriber=keys[key], notification_id=pk
            )
            for key, pk in recorded
        ],
        ignore_conflicts=True,
    )
    return len(subscribers)


def mark_delivered(*, now: datetime) -> int:
    """The delivery sets "sent": a published communication whose every subscriber's mail the
    outbox has delivered is marked sent, at the last delivery's time. Selects only the
    communications still under way (indexed status)."""
    undelivered = ClientMailDelivery.objects.filter(communication=OuterRef("pk")).exclude(
        notification__status=Notification.Status.SENT
    )
    done = list(
        ClientCommunication.objects.filter(status=ClientCommunication.Status.APPROVED)
        .filter(~Exists(undelivered))
        .values_list("pk", flat=True)[:200]
    )
    marked = 0
    for pk in done:
        with transaction.atomic():
            communication = (
                ClientCommunication.objects.select_for_update()
                .filter(pk=pk, status=ClientCommunication.Status.APPROVED)
                .first()
            )
            if communication is None:
                continue
            deliveries = communication.deliveries.aggregate(
                last=Max("notification__sent_at"), count=Count("pk")
            )
            communication.status = ClientCommunication.Status.SENT
            communication.sent_at = deliveries["last"] or now
            # No person acts here: the outbox's deliveries do (the history names no user).
            save_with_history(communication, actor=None, reason="Every subscriber's mail delivered")
            IncidentEvent.objects.create(
                incident_id=communication.incident_id,
                kind=IncidentEvent.Kind.CLIENT_COMM,
                text=f"Client mail delivered to {deliveries['count']} subscriber(s); sent.",
                at=now,
            )
            marked += 1
    return marked
