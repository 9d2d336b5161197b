"""Two-factor authentication (django-otp: TOTP from an authenticator app, static backup codes).

Optional for everyone; with TWO_FACTOR_REQUIRED on (the production default) it is required for
staff and for whoever holds a role with the highest D9 authorities. Which roles those are is read
from the policy rows, so an edit of the policy moves the requirement with it:

- D9 §2.2 "Global disable": the roles that must approve it;
- D9 §6.1 the GA gate (P3 → P4): its required approvers;
- D9 §6.3 rollbacks: the decision makers and approvers of every rollback that is not immediate;
- D9 §9 document control: the roles that approve a policy version (a policy change).

A signed-in user who must use a second factor reaches nothing but the enrolment and verify pages
until the session is verified, so every page and form those roles act on is covered. Which step
a login needs is decided once, at login, and kept in the session: pages pay no queries for it,
and a role given mid-session applies from the next login.
"""

from datetime import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from governance.core.roles import ON_CALL
from governance.models import (
    DocumentApproval,
    KillSwitchActionRole,
    PhaseGateApprover,
    RollbackDecisionMaker,
    RollbackType,
)
from governance.policy.models.base import Phase
from governance.policy.selectors import roles_held_by

SECOND_STEP_SESSION_KEY = "two_factor_step"
VERIFY, ENROL, NONE = "verify", "enrol", ""
BACKUP_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"


def two_factor_role_keys() -> set[str]:
    """The role keys whose holders must use a second factor (module docstring, D9 §2.2, §6.1,
    §6.3, §9)."""
    keys = set(
        KillSwitchActionRole.objects.filter(
            action__key="global_disable", duty=KillSwitchActionRole.Duty.APPROVE
        ).values_list("role__key", flat=True)
    )
    keys |= set(
        PhaseGateApprover.objects.filter(gate__to_phase=Phase.P4).values_list(
            "role__key", flat=True
        )
    )
    keys |= set(
        RollbackDecisionMaker.objects.filter(rollback_type__immediate=False).values_list(
            "role__key", flat=True
        )
    )
    keys |= set(
        RollbackType.objects.filter(consultation=RollbackType.Consultation.APPROVAL).values_list(
            "consultation_role__key", flat=True
        )
    )
    keys |= set(DocumentApproval.objects.values_list("role__key", flat=True))
    # The on-call tiers decide only immediate rollbacks; they are excluded in the query above,
    # and rotation roles are never static assignments anyway.
    keys.discard(ON_CALL)
    return keys


def two_factor_required(user, *, at: datetime) -> bool:
    """Must `user` verify a second factor to use the portal at `at`?"""
    if not settings.TWO_FACTOR_REQUIRED or not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    required = two_factor_role_keys()
    return any(role.key in required for role in roles_held_by(user, at=at))


def pending_app_device(user) -> TOTPDevice:
    """The user's unconfirmed authenticator-app device, made on first visit to the enrolment
    page; confirmed only once a code from the app matches."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def confirm_enrolment(*, request, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm `device` when `token` matches it: the user then holds one app and a fresh set of
    backup codes (returned, shown once), and this session counts as verified. None when the code
    does not match (nothing changed)."""
    if not device.verify_token(token):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    StaticDevice.objects.filter(user=device.user).delete()
    backup = StaticDevice.objects.create(user=device.user, name=BACKUP_DEVICE_NAME)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=backup, token=code) for code in codes)
    otp_login(request, device)
    return codes


@transaction.atomic
def verify_second_factor(*, request, token: str) -> bool:
    """Verify this session with a code from the app or an unused backup code (used up). The
    devices are locked while checked, and each throttles its own failures (django-otp), so
    parallel guesses neither race nor speed up."""
    token = token.strip().replace(" ", "")
    for device in devices_for_user(request.user, for_verify=True):
        if device.verify_token(token):
            otp_login(request, device)
            return True
    return False


def second_step(user, *, at: datetime) -> str:
    """What a login of `user` needs next: a code from their device, an enrolment, or nothing."""
    if user_has_device(user):
        return VERIFY
    return ENROL if two_factor_required(user, at=at) else NONE


@receiver(user_logged_in)
def decide_second_step(sender, request, user, **kwargs):
    if request is not None:
        request.session[SECOND_STEP_SESSION_KEY] = second_step(user, at=timezone.now())


class TwoFactorRequiredMiddleware:
    """Send a signed-in user who has a second factor to the verify page, and one who must have
    one but has none to the enrolment page, until this session is verified."""

    TARGETS = {VERIFY: "two_factor_verify", ENROL: "two_factor_enrol"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified() and not self.exempt(request):
            step = request.session.get(SECOND_STEP_SESSION_KEY)
            if step is None:  # a session from before this check existed
                step = request.session[SECOND_STEP_SESSION_KEY] = second_step(
                    user, at=timezone.now()
                )
            if step in self.TARGETS:
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse(self.TARGETS[step])}?{query}")
        return self.get_response(request)

    @staticmethod
    def exempt(request) -> bool:
        path = request.path_info
        open_paths = [reverse(name) for name in ("two_factor_verify", "two_factor_enrol", "logout")]
        return path in open_paths or path.startswith("/" + settings.STATIC_URL.lstrip("/"))
