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
