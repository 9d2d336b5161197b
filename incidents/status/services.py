"""Writes of the status page's subscriptions (issue 21, D9 §7.2 "Status page + email").

Clients have no login: they subscribe on the status page and confirm by a signed link (double
opt-in), and unsubscribe by the signed link in every mail. Support and the Account Manager add
clients they know directly (confirmed at once).
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from governance import authority
from governance.core.history import save_with_history
from governance.models import Workspace
from governance.notifications.outbox import notify
from incidents.models import StatusSubscriber
from incidents.status import links


def _clean_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": "Enter a valid email address."}) from None
    return email


def _existing(email: str, workspace: Workspace | None) -> StatusSubscriber | None:
    return (
        StatusSubscriber.objects.select_for_update()
        .filter(email=email, workspace=workspace)
        .first()
    )


def add_subscriber(
    *, actor, email: str, workspace: Workspace | None, at: datetime | None = None
) -> StatusSubscriber:
    """Issue 21 / D9 §7.2: Support or the Account Manager adds a client to a workspace's client
    mail (empty workspace: every workspace's); confirmed at once, since they know the client.
    Adding an address that had unsubscribed subscribes it again."""
    at = at or timezone.now()
    authority.require(actor, "status.subscriber.add", obj=workspace, at=at)
    email = _clean_email(email)
    with transaction.atomic():
        subscriber = _existing(email, workspace) or StatusSubscriber(
            email=email, workspace=workspace, created_at=at, added_by=actor
        )
        if subscriber.is_active:
            return subscriber
        subscriber.confirmed_at = at
        subscriber.unsubscribed_at = None
        try:
            with transaction.atomic():
                save_with_history(subscriber, actor=actor, reason="Added by Support / AM")
        except IntegrityError:  # the same address added at the same instant: one row
            return StatusSubscriber.objects.get(email=email, workspace=workspace)
    return subscriber


def subscribe(*, email: str, workspace: Workspace | None, at: datetime | None = None):
    """A client subscribes on the status page: the row waits for confirmation and a mail with
    the signed confirmation link goes out (at most one a day per address and workspace, so the
    form cannot be used to flood someone's inbox). Says nothing about whether the address was
    already subscribed."""
    at = at or timezone.now()
    email = _clean_email(email)
    with transaction.atomic():
        subscriber = _existing(email, workspace)
        if subscriber is None:
            subscriber = StatusSubscriber(email=email, workspace=workspace, created_at=at)
            try:
                with transaction.atomic():
                    save_with_history(subscriber, actor=None, reason="Subscribed on the page")
            except IntegrityError:
                return
        if subscriber.is_active:
            return
        notify(
            subscriber.email,
            "status-confirm",
            {
                "subscriber": subscriber,
                "confirm_url": links.confirm_url(subscriber),
                "status_url": links.status_url("/status/"),
            },
            dedupe_key=f"status-confirm:{subscriber.pk}:{at:%Y-%m-%d}",
        )


def confirm(*, token: str, at: datetime | None = None) -> StatusSubscriber:
    """The signed link of the confirmation mail activates the subscription (double opt-in).
    A forged or expired link is refused and changes nothing."""
    at = at or timezone.now()
    pk = links.subscriber_id(token, salt=links.CONFIRM_SALT, max_age=links.CONFIRM_MAX_AGE_SECONDS)
    with transaction.atomic():
        subscriber = StatusSubscriber.objects.select_for_update().filter(pk=pk).first()
        if pk is None or subscriber is None:
            raise ValidationError("This confirmation link is not valid or has expired.")
        if subscriber.is_active:
            return subscriber
        subscriber.confirmed_at = at
        subscriber.unsubscribed_at = None
        save_with_history(subscriber, actor=None, reason="Confirmed by the subscriber's link")
    return subscriber


def unsubscribe(*, token: str, at: datetime | None = None) -> StatusSubscriber:
    """The signed link in every client mail (and its List-Unsubscribe header) ends the
    subscription; the row stays for the record. A forged link is refused and changes nothing."""
    at = at or timezone.now()
    pk = links.subscriber_id(token, salt=links.UNSUBSCRIBE_SALT)
    with transaction.atomic():
        subscriber = StatusSubscriber.objects.select_for_update().filter(pk=pk).first()
        if pk is None or subscriber is None:
            raise ValidationError("This unsubscribe link is not valid.")
        if subscriber.unsubscribed_at:
            return subscriber
        subscriber.unsubscribed_at = at
        save_with_history(subscriber, actor=None, reason="Unsubscribed by the subscriber's link")
    return subscriber
