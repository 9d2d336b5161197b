"""/healthz and /readyz: JSON with each check's state; a fresh deployment is healthy as soon as
beat has started, and an hourly sweep is not "late" in its first hour."""

from datetime import timedelta

import pytest
from celery.signals import beat_init
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from governance.celery import app
from governance.models import SweepHeartbeat
from governance.ops.sweeps import SWEEPS


def readyz(client=None):
    response = (client or Client()).get("/readyz")
    return response.status_code, response.json()


def test_healthz_answers_a_probe_by_address_over_plain_http(db, settings):
    """Probes come with the pod's address as Host and without TLS."""
    settings.SECURE_SSL_REDIRECT = True
    response = Client().get("/healthz", HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert list(body["checks"]) == ["database"] and body["checks"]["database"]["ok"] is True
    assert response["Cache-Control"] == "no-store"


def test_readyz_fails_until_beat_has_started_and_names_the_reason(db):
    status, body = readyz()
    assert status == 503
    assert body["status"] == "failing"
    assert body["checks"]["broker"]["ok"] is True
    assert body["checks"]["sweeps"] == {
        "ok": False,
        "detail": "No sweep has ever run: is Celery beat running?",
        "parts": {name: "never scheduled" for name in SWEEPS},
    }


def test_right_after_beat_starts_the_portal_is_ready_before_any_sweep_ran(db, time_machine):
    beat_init.send(sender=None)  # what `celery beat` sends when it starts
    status, body = readyz()
    assert status == 200, body
    assert set(body["checks"]["sweeps"]["parts"].values()) == {"not yet due"}

    # One minute sweeps are due by now; nobody ran them (no worker): late.
    time_machine.move_to(timezone.now() + timedelta(minutes=3))
    status, body = readyz()
    assert status == 503
    assert body["checks"]["sweeps"]["parts"]["outbox.requeue"] == "late"
    assert "is a Celery worker running?" in body["checks"]["sweeps"]["detail"]


def test_an_hourly_sweep_is_not_late_within_its_first_hour_after_a_healthy_start(db, time_machine):
    beat_init.send(sender=None)
    start = timezone.now()
    for minutes in (2, 30, 59):
        time_machine.move_to(start + timedelta(minutes=minutes))
        call_command("tick")  # the worker runs the short sweeps; pretend the hourly never ran
        SweepHeartbeat.objects.filter(name="rotations.generate").update(
            last_finished_at=None, last_started_at=None
        )
        status, body = readyz()
        assert body["checks"]["sweeps"]["parts"]["rotations.generate"] == "not yet due"
        assert status == 200, body

    time_machine.move_to(start + timedelta(minutes=62))
    SweepHeartbeat.objects.filter(name="rotations.generate").update(last_finished_at=None)
    assert readyz()[1]["checks"]["sweeps"]["parts"]["rotations.generate"] == "late"


def test_a_restarted_beat_is_not_reported_late_for_sweeps_that_ran_long_ago(db, time_machine):
    call_command("tick")
    time_machine.move_to(timezone.now() + timedelta(hours=3))
    assert readyz()[0] == 503  # beat was down for three hours: late, loudly

    beat_init.send(sender=None)
    status, body = readyz()
    assert status == 200, body


def test_readyz_names_an_unreachable_broker(db):
    call_command("tick")
    previous = app.conf.broker_write_url
    app.conf.broker_write_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        status, body = readyz()
    finally:
        app.conf.broker_write_url = previous
    assert status == 503
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


def test_portal_health_runs_the_same_checks(db, capsys):
    beat_init.send(sender=None)
    call_command("portal_health")
    out = capsys.readouterr().out
    assert "OK database" in out and "OK broker" in out and "OK sweeps" in out


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_needs_no_login_and_reveals_no_data(db, path):
    body = Client().get(path).json()
    assert set(body) == {"status", "checks"}
