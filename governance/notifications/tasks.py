"""Celery tasks: thin wrappers that load by id and call a service."""

from celery import shared_task

from governance.notifications import outbox as notifications


@shared_task(name="governance.deliver_notification", acks_late=True)
def deliver_notification_task(notification_id: int) -> bool:
    return notifications.deliver_notification(notification_id)


@shared_task(name="governance.deliver_notifications", acks_late=True)
def deliver_notifications_task(notification_ids: list[int]) -> tuple[int, int]:
    """One batch of `notify_many`; rows left unsent (time limit, outage) are re-queued later."""
    return notifications.deliver_many(notification_ids)
