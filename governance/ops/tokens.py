"""Bearer-token authentication for the JSON API."""

from django.utils import timezone

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
