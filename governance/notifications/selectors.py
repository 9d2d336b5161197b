"""Reads of contact methods and team channels."""

from django.conf import settings
from django.db.models import Count, Q, QuerySet

from governance.models import ContactMethod, Notification, Team


def rollout_channel_team() -> Team | None:
    """The team whose channels stand for D9's `#ingestion-rollout` (§5.2, §7.1)."""
    return Team.objects.filter(slug=settings.ROLLOUT_CHANNEL_TEAM).first()


def contact_methods() -> QuerySet[ContactMethod]:
    """Every method with its owner and its count of messages failed for good and sent."""
    failed = Q(notifications__status=Notification.Status.FAILED)
    sent = Q(notifications__status=Notification.Status.SENT)
    return (
        ContactMethod.objects.select_related("user", "team")
        .annotate(
            failed=Count("notifications", filter=failed), sent=Count("notifications", filter=sent)
        )
        .order_by("name")
    )


def methods_of(user) -> QuerySet[ContactMethod]:
    """The person's own contact methods with their sent and failed counts (their profile)."""
    return contact_methods().filter(user=user)


def recent_failures_of(user, *, limit: int = 20) -> QuerySet[Notification]:
    """The person's latest messages that failed for good, newest first, with the reason."""
    return (
        Notification.objects.select_related("method")
        .filter(recipient=user, status=Notification.Status.FAILED)
        .order_by("-id")[:limit]
    )
