"""tick, portal_health, the .eml backend and API tokens."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from governance.models import ApiToken, Notification, SweepHeartbeat
from governance.notifications import outbox as notifications
from governance.notifications.backends import EmlFileBackend
from governance.ops.sweeps import SWEEPS


def test_tick_runs_every_sweep_and_delivers_pending_mail(make_user, capsys):
    alice = make_user("alice")
    notifications.notify(alice, "test", {}, "tick:1")

    call_command("tick")

    out = capsys.readouterr().out
    for name in SWEEPS:
        assert f"{name}:" in out
    assert "mail: 1 sent, 0 not sent" in out
    assert set(SweepHeartbeat.objects.values_list("name", flat=True)) == set(SWEEPS)
    assert Notification.objects.get().status == Notification.Status.SENT


def test_portal_health_fails_when_a_sweep_never_ran(db, capsys):
    with pytest.raises(SystemExit) as exit_info:
        call_command("portal_health")
    assert exit_info.value.code == 1
    assert "PROBLEM sweeps: No sweep has ever run" in capsys.readouterr().err


def test_portal_health_passes_right_after_a_tick_and_fails_when_late(db, capsys, time_machine):
    call_command("tick")
    call_command("portal_health")
    assert "OK" in capsys.readouterr().out

    time_machine.move_to(timezone.now() + timedelta(minutes=10))
    with pytest.raises(SystemExit):
        call_command("portal_health")
    assert "Sweep outbox.requeue is late" in capsys.readouterr().err


def test_portal_health_names_stuck_mail(make_user, capsys):
    alice = make_user("alice")
    call_command("tick")
    row = notifications.notify(alice, "test", {}, "health:stuck")
    Notification.objects.filter(pk=row.pk).update(status=Notification.Status.FAILED)
    with pytest.raises(SystemExit):
        call_command("portal_health")
    assert "1 notification(s) failed" in capsys.readouterr().err


def test_the_default_backend_writes_one_eml_file_per_message(make_user, settings, tmp_path):
    settings.EMAIL_BACKEND = "governance.notifications.backends.EmlFileBackend"
    settings.EMAIL_FILE_PATH = tmp_path
    alice = make_user("alice")
    notifications.notify(alice, "test", {"note": "on disk"}, "eml:1")
    notifications.notify(alice, "test", {"note": "on disk"}, "eml:2")
    assert notifications.deliver_due() == (2, 0)
    files = sorted(tmp_path.glob("*.eml"))
    assert len(files) == 2
    text = files[0].read_text()
    assert "To: alice@example.com" in text and "Subject: Test message" in text
    assert isinstance(EmlFileBackend(), EmlFileBackend)


def test_create_api_token_prints_a_token_stored_only_as_a_hash(make_user, capsys):
    make_user("alertmanager")
    call_command("create_api_token", "alertmanager")
    key = capsys.readouterr().out.strip()
    token = ApiToken.objects.get()
    assert key.startswith("gp_") and len(key) > 40
    assert token.key_hash == ApiToken.hash_key(key) and key not in token.key_hash


def test_create_api_token_refuses_an_unknown_user(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No active user named 'ghost'"):
        call_command("create_api_token", "ghost")


def test_the_dashboard_needs_a_login_and_shows_late_sweeps(make_user):
    client = Client()
    assert client.get("/").status_code == 302
    client.force_login(make_user("alice"))
    page = client.get("/")
    assert page.status_code == 200
    assert "Time rules are not running on time" in page.content.decode()
