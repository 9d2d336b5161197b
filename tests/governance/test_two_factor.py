"""Two-factor authentication (django-otp): required for staff and the highest D9 authorities,
optional for everyone else; enrolment with a QR code, then a code at every login."""

import time
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from governance.models import KillSwitchActionRole, KillSwitchActivation
from governance.ops.two_factor import two_factor_required, two_factor_role_keys

ENROL = reverse("two_factor_enrol")
VERIFY = reverse("two_factor_verify")


@pytest.fixture(autouse=True)
def required(settings):
    settings.TWO_FACTOR_REQUIRED = True


def code_for(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


def logged_in(user) -> Client:
    client = Client()
    assert client.post(reverse("login"), {"username": user.username, "password": "pw"})
    return client


def enrol(client) -> tuple[TOTPDevice, list[str]]:
    page = client.get(ENROL)
    device = TOTPDevice.objects.get(user_id=client.session["_auth_user_id"], confirmed=False)
    done = client.post(ENROL, {"token": code_for(device), "next": "/"})
    assert done.status_code == 200, done.content.decode()
    assert page.status_code == 200
    return device, done.context["codes"]


def test_the_required_roles_come_from_the_policy_rows(db):
    """Global-disable approvers (§2.2), GA approvers (§6.1), non-immediate rollback deciders
    (§6.3) and the document approvers (§9): Owner, SRE Lead, PM; not the On-Call."""
    assert two_factor_role_keys() == {"ingestion_owner", "sre_lead", "product_manager"}

    KillSwitchActionRole.objects.filter(action__key="global_disable", role__key="sre_lead").delete()
    assert "sre_lead" in two_factor_role_keys()  # still a GA approver


def test_the_owner_must_enrol_before_reaching_any_page_or_action(owner):
    client = logged_in(owner)
    assert two_factor_required(owner, at=timezone.now())

    dashboard = client.get("/")
    assert dashboard.status_code == 302
    assert dashboard["Location"] == f"{ENROL}?next=%2F"

    pause = client.post(reverse("killswitch:activate"), {"scenario": "1", "reason": "x"})
    assert pause.status_code == 302 and pause["Location"].startswith(ENROL)
    assert not KillSwitchActivation.objects.exists()


def test_someone_without_high_authority_is_not_asked_for_a_second_factor(outsider):
    assert not two_factor_required(outsider, at=timezone.now())
    assert logged_in(outsider).get("/").status_code == 200


def test_staff_must_enrol_too_and_the_setting_turns_it_off(make_user, settings):
    staff = make_user("staffer", is_staff=True)
    assert logged_in(staff).get("/admin/").status_code == 302
    settings.TWO_FACTOR_REQUIRED = False
    assert not two_factor_required(staff, at=timezone.now())


def test_enrolment_shows_a_qr_code_and_confirms_only_with_a_right_code(owner):
    client = logged_in(owner)
    page = client.get(ENROL)
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and 'id="totp-secret"' in html

    wrong = client.post(ENROL, {"token": "000000"})
    assert wrong.status_code == 400
    assert "That code does not match" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=owner, confirmed=True).exists()

    device = TOTPDevice.objects.get(user=owner)
    device.throttle_reset()  # django-otp slows the next try after a failure
    done = client.post(ENROL, {"token": code_for(device), "next": "/"})
    assert done.status_code == 200
    assert len(done.context["codes"]) == 10
    assert 'id="backup-codes"' in done.content.decode()
    assert client.get("/").status_code == 200  # this session is verified


def test_the_next_login_asks_for_a_code_and_refuses_a_wrong_one(owner, time_machine):
    device, _ = enrol(logged_in(owner))
    time_machine.move_to(timezone.now() + timedelta(seconds=90))  # a fresh TOTP step

    client = logged_in(owner)
    page = client.get("/policy/")
    assert page.status_code == 302
    assert page["Location"] == f"{VERIFY}?next=%2Fpolicy%2F"

    wrong = client.post(VERIFY, {"token": "123456", "next": "/policy/"})
    assert wrong.status_code == 400
    assert client.get("/policy/").status_code == 302

    device.refresh_from_db()
    device.throttle_reset()  # django-otp slows the next try after a failure
    right = client.post(VERIFY, {"token": code_for(device), "next": "/policy/"})
    assert right.status_code == 302 and right["Location"] == "/policy/"
    assert client.get("/policy/").status_code == 200


def test_a_backup_code_works_once(owner):
    _, codes = enrol(logged_in(owner))
    first = logged_in(owner)
    assert first.post(VERIFY, {"token": codes[0], "next": "/"}).status_code == 302
    assert first.get("/").status_code == 200
    assert not StaticToken.objects.filter(token=codes[0]).exists()

    second = logged_in(owner)
    assert second.post(VERIFY, {"token": codes[0], "next": "/"}).status_code == 400


def test_a_password_alone_cannot_replace_an_enrolled_app(owner):
    enrol(logged_in(owner))
    thief = logged_in(owner)
    response = thief.get(ENROL)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=owner).count() == 1


def test_anyone_may_enrol_and_then_verifies_at_login(outsider, time_machine):
    enrol(logged_in(outsider))
    time_machine.move_to(timezone.now() + timedelta(seconds=90))
    assert logged_in(outsider).get("/").status_code == 302


def test_the_verify_page_refuses_an_offsite_next(owner):
    _, codes = enrol(logged_in(owner))
    client = logged_in(owner)
    response = client.post(VERIFY, {"token": codes[1], "next": "https://evil.example/"})
    assert response["Location"] == reverse("dashboard")
