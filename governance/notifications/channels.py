"""Channels through Apprise: one URL syntax for Slack, Teams, Mattermost, Matrix, Discord,
Telegram, ntfy, Gotify, Pushover, SMS gateways, JSON webhooks and more (D9 §4.4).

Apprise is the sender; this module only keeps its URLs secret at rest (Fernet, keyed from
SECRET_KEY, older keys from SECRET_KEY_FALLBACKS still open old rows) and shows them masked
with Apprise's own privacy rendering.
"""

import base64
import hashlib
from dataclasses import dataclass

import apprise
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ValidationError


def _fernet() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet(
        [
            Fernet(base64.urlsafe_b64encode(hashlib.sha256(f"channels:{key}".encode()).digest()))
            for key in keys
        ]
    )


def seal(url: str) -> str:
    return _fernet().encrypt(url.encode()).decode()


def unseal(sealed: str) -> str:
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken as error:
        raise ValueError(
            "The channel URL cannot be decrypted (SECRET_KEY changed without a fallback); "
            "add the channel again."
        ) from error


def parsed(url: str):
    """The Apprise plugin for `url`, or a ValidationError saying why it is not usable."""
    url = (url or "").strip()
    if not url or "\x00" in url:
        raise ValidationError({"url": "Give an Apprise URL such as json://host/ or slack://…"})
    plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    if plugin is None:
        scheme = url.split("://", 1)[0] if "://" in url else url[:20]
        raise ValidationError(
            {"url": f"Apprise does not understand this URL (scheme {scheme!r} or its fields)."}
        )
    return plugin


def masked(url: str) -> str:
    """The URL as Apprise prints it with privacy on: tokens and passwords elided."""
    return parsed(url).url(privacy=True)[:500]


@dataclass(frozen=True)
class Outcome:
    sent: bool
    error: str = ""


def send(url: str, *, title: str, body: str, message_id: str) -> Outcome:
    """Send one message through Apprise. Webhook-style plugins (json, xml, form) carry the
    outbox Message-ID as the `X-Message-ID` header, so a receiver can drop a duplicate."""
    plugin = parsed(url)
    if isinstance(getattr(plugin, "headers", None), dict):
        plugin.headers["X-Message-ID"] = message_id
    with apprise.LogCapture(level=apprise.logging.WARNING) as captured:
        sent = plugin.notify(title=title, body=body)
    if sent:
        return Outcome(sent=True)
    # Apprise's log lines read "<time> - WARNING - <reason>"; keep the reasons only.
    lines = [line.split(" - ", 2)[-1] for line in captured.getvalue().splitlines()]
    reason = " ".join(lines)[-500:] or "Apprise reported a failure."
    return Outcome(sent=False, error=reason)
