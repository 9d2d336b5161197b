"""Signed links for clients, who have no login: confirming a subscription (double opt-in) and
unsubscribing. Django's signing (HMAC with SECRET_KEY) makes them unforgeable."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

CONFIRM_SALT = "incidents.status.confirm"
UNSUBSCRIBE_SALT = "incidents.status.unsubscribe"
# A confirmation link older than this is refused; subscribing again sends a new one.
CONFIRM_MAX_AGE_SECONDS = 7 * 24 * 3600


def status_url(path: str) -> str:
    """An absolute address on the status page's own domain (STATUS_PAGE_BASE_URL)."""
    return f"{settings.STATUS_PAGE_BASE_URL}{path}"


def confirm_token(subscriber) -> str:
    return signing.dumps(subscriber.pk, salt=CONFIRM_SALT, compress=True)


def unsubscribe_token(subscriber) -> str:
    # No expiry: an unsubscribe link in a year-old mail must still work.
    return signing.dumps(subscriber.pk, salt=UNSUBSCRIBE_SALT, compress=True)


def confirm_url(subscriber) -> str:
    return status_url(reverse("status:confirm", args=[confirm_token(subscriber)]))


def unsubscribe_url(subscriber) -> str:
    return status_url(reverse("status:unsubscribe", args=[unsubscribe_token(subscriber)]))


def subscriber_id(token: str, *, salt: str, max_age: int | None = None) -> int | None:
    """The subscriber id a token was signed for, or None for a forged or expired token."""
    try:
        value = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature:  # SignatureExpired is a BadSignature too
        return None
    return value if isinstance(value, int) else None
