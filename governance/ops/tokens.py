"""Bearer-token authentication for the JSON API, and the services that issue and revoke
tokens (issue 18: a token belongs to one person for good; revoking is one-way)."""

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from ninja.security import HttpBearer

from governance.models import ApiToken


def user_from_bearer(request):
    """The active user behind a valid, unrevoked `Authorization: Bearer` token, else None."""
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=ApiToken.hash_key(key.strip()), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 300:
        # Written at most every five minutes, so polling clients do not write on every call.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def api_user(request):
    """The session user if logged in, otherwise the Bearer token's user, otherwise None."""
    if request.user.is_authenticated:
        return request.user
    return user_from_bearer(request)


def issue_token(*, actor, user, name: str = "") -> tuple[ApiToken, str]:
    """A new token for `user`, issued by that user or a superuser; the plain key is returned
    once and never stored (DESIGN "Security": API tokens hashed at rest)."""
    if actor.pk != user.pk and not actor.is_superuser:
        raise PermissionDenied("Only the token's owner or a superuser may create it.")
    return ApiToken.issue(user=user, name=(name or "").strip()[:100])


def revoke_token(*, actor, token: ApiToken, at: datetime | None = None) -> bool:
    """Revoke `token` for good: a revoked token never answers again. False if it already was.
    `actor` is the staff member with the change permission, or the token's owner."""
    at = at or timezone.now()
    return bool(ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=at))


class BearerToken(HttpBearer):
    """The same tokens as django-ninja's Bearer scheme, so the OpenAPI document names the
    security scheme and each operation declaring it gets `request.auth` = the token's user."""

    def authenticate(self, request, token: str):
        return user_from_bearer(request)
