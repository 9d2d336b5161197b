"""One-click acknowledge links carried by pages (D9 §3.1): signed with SECRET_KEY
(`django.core.signing`), bound to one incident and one person, expiring after
ACKNOWLEDGE_LINK_MAX_AGE_HOURS, and usable once (`services.acknowledge_from_link` spends them)."""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from incidents.models import AcknowledgeLinkUse, Incident

SALT = "incidents.acknowledge-link"


def link_for(*, incident: Incident, user) -> str:
    """The path of the acknowledge link for `user` paged on `incident`."""
    token = signing.dumps({"incident": incident.pk, "user": user.pk}, salt=SALT)
    return reverse("incidents:acknowledge_link", args=[token])


@dataclass(frozen=True)
class Link:
    incident: Incident
    digest: str


def read(token: str, *, user) -> Link:
    """The link's incident, or ValidationError (tampered, expired, used) / PermissionDenied
    (the link was sent to someone else), in words."""
    try:
        data = signing.loads(
            token, salt=SALT, max_age=settings.ACKNOWLEDGE_LINK_MAX_AGE_HOURS * 3600
        )
    except signing.SignatureExpired:
        raise ValidationError(
            "This acknowledge link has expired; open the incident and acknowledge there."
        ) from None
    except signing.BadSignature:
        raise ValidationError("This acknowledge link is not valid (it was altered).") from None
    if data.get("user") != user.pk:
        raise PermissionDenied("This acknowledge link was sent to someone else.")
    incident = Incident.objects.filter(pk=data.get("incident")).select_related("severity").first()
    if incident is None:
        raise ValidationError("The incident of this link no longer exists.")
    digest = hashlib.sha256(token.encode()).hexdigest()
    if AcknowledgeLinkUse.objects.filter(token_digest=digest).exists():
        raise ValidationError("This acknowledge link was already used.")
    return Link(incident=incident, digest=digest)
