"""Integrations (alert sources): issuing, rotating and revoking their keys, and finding the
integration a delivery's key belongs to. Only the key's hash is stored; the key is returned once.
"""

import secrets

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from governance.core.history import save_with_history
from governance.models import Severity, Workspace
from incidents.models import Integration, IntegrationStats


def _new_key() -> tuple[str, str, str]:
    key = Integration.KEY_PREFIX + secrets.token_urlsafe(32)
    return key, Integration.hash_key(key), key[:10]


def create_integration(
    *,
    actor,
    name: str,
    kind: str,
    default_severity: Severity,
    default_workspace: Workspace | None = None,
    **options,
) -> tuple[Integration, str]:
    """Register an alert source (D9 §4.3 "Alert fires") with a service user to act as; returns
    the integration and the only plain-text copy of its key."""
    key, key_hash, hint = _new_key()
    with transaction.atomic():
        user = get_user_model()(
            username=f"integration-{slugify(name)[:120]}",
            first_name=name[:150],
            last_name="(integration)",
        )
        # A service user never logs in: its alerts arrive with the integration's key.
        user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
        integration = Integration(
            name=name,
            kind=kind,
            acts_as=user,
            key_hash=key_hash,
            key_hint=hint,
            default_severity=default_severity,
            default_workspace=default_workspace,
            **options,
        )
        save_with_history(integration, actor=actor, reason="Integration created")
        IntegrationStats.objects.create(integration=integration)
    return integration, key


def rotate_key(*, integration: Integration, actor) -> str:
    """Issue a new key (the former one stops working at once); returns it, shown once."""
    key, key_hash, hint = _new_key()
    integration.key_hash, integration.key_hint, integration.key_revoked_at = key_hash, hint, None
    save_with_history(integration, actor=actor, reason="Key rotated")
    return key


def revoke_key(*, integration: Integration, actor) -> Integration:
    """Revoke the key: deliveries with it get 401 until a new key is issued."""
    if integration.key_revoked_at is None:
        integration.key_revoked_at = timezone.now()
        save_with_history(integration, actor=actor, reason="Key revoked")
    return integration


def integration_for_key(key: str, *, kind: str) -> Integration | None:
    """The enabled integration of `kind` whose unrevoked key is `key`, else None."""
    if not key:
        return None
    return (
        Integration.objects.select_related("acts_as", "default_severity", "default_workspace")
        .filter(
            key_hash=Integration.hash_key(key),
            kind=kind,
            enabled=True,
            key_revoked_at__isnull=True,
        )
        .first()
    )
