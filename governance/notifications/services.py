"""Writes of contact methods and team channels (D9 §4.4 how to reach a role, §7.1 the
`#ingestion-rollout` channel). Messages themselves go through the outbox (`outbox.notify`)."""

import zoneinfo
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction

from governance.core.history import save_with_history
from governance.models import ContactMethod, DisplayZone, Team
from governance.notifications import channels

TEST_TITLE = "Test message from the governance portal"


def _kind_of(url: str) -> tuple[str, str]:
    """(kind, the address or URL as stored): a plain or mailto: address is mail, anything
    else must be an Apprise URL."""
    candidate = url.strip().removeprefix("mailto:")
    if "://" not in candidate and "@" in candidate:
        try:
            validate_email(candidate)
        except ValidationError:
            raise ValidationError({"url": f"{candidate!r} is not a valid mail address."}) from None
        return ContactMethod.Kind.EMAIL, candidate
    channels.parsed(url)
    return ContactMethod.Kind.APPRISE, url.strip()


def probe(*, kind: str, url: str, name: str) -> str:
    """Send a test message now and return "" when it arrived, else the reason in words.

    A probe is sent directly, not through the outbox: whoever adds or tests a channel needs
    the answer at once, and a failed probe loses nothing (nothing is saved or re-sent)."""
    body = f"This is a test of the contact method {name!r}. If you read this, it works."
    if kind == ContactMethod.Kind.EMAIL:
        try:
            EmailMessage(TEST_TITLE, body, settings.DEFAULT_FROM_EMAIL, [url]).send()
        except Exception as error:  # SMTP and backend failures of every kind, in words
            return f"{type(error).__name__}: {error}"
        return ""
    outcome = channels.send(url, title=TEST_TITLE, body=body, message_id=f"<probe-{name}>")
    return outcome.error


def add_contact_method(
    *, actor, at: datetime, name: str, url: str, user=None, team: Team | None = None
) -> ContactMethod:
    """D9 §4.4: a person's (or a team's) way to be reached. The URL must parse and a test
    message must reach it before anything is saved, so a page never rides on an unverified
    method; the URL is stored sealed and shown masked from then on."""
    if (user is None) == (team is None):
        raise ValidationError({"owner": "Give exactly one of a user or a team."})
    kind, value = _kind_of(url)
    if ContactMethod.objects.filter(name=name).exists():
        raise ValidationError({"name": f"A contact method named {name!r} exists already."})
    reason = probe(kind=kind, url=value, name=name)
    shown = value if kind == ContactMethod.Kind.EMAIL else channels.masked(value)
    if reason:
        raise ValidationError({"url": f"The test message to {shown} failed: {reason}"})
    method = ContactMethod(
        user=user,
        team=team,
        name=name,
        kind=kind,
        sealed_url=channels.seal(value),
        masked_url=shown,
        verified_at=at,
    )
    with transaction.atomic():
        save_with_history(method, actor=actor, reason="Contact method added and verified")
    return method


def verify_contact_method(*, method: ContactMethod, actor, at: datetime) -> str:
    """Send a test message to a saved method; on success it is (again) verified. Returns ""
    or the reason it failed (the method is then unverified and carries no pages)."""
    reason = probe(kind=method.kind, url=channels.unseal(method.sealed_url), name=method.name)
    method.verified_at = None if reason else at
    with transaction.atomic():
        save_with_history(
            method,
            actor=actor,
            reason=f"Test message failed: {reason}"[:500] if reason else "Test message delivered",
        )
    return reason


def set_display_zone(*, actor, user, time_zone: str, at: datetime | None = None) -> DisplayZone:
    """Issue 12 point 9: the zone `user` reads times in outside rotation pages (those keep the
    rotation's D9 §3.2 local time). Only the person sets their own; an empty zone goes back to
    the portal's."""
    if actor is None or actor.pk != user.pk:
        raise PermissionDenied("Only the person themselves sets the zone they read times in.")
    time_zone = (time_zone or "").strip()
    if time_zone and time_zone not in zoneinfo.available_timezones():
        raise ValidationError(
            {"time_zone": f"{time_zone!r} is not a time zone (e.g. Europe/Paris)."}
        )
    with transaction.atomic():
        if not time_zone:
            DisplayZone.objects.filter(user=user).delete()
            return DisplayZone(user=user, time_zone=settings.TIME_ZONE)
        zone, _ = DisplayZone.objects.update_or_create(user=user, defaults={"time_zone": time_zone})
    return zone
