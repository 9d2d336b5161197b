"""Safe defaults for production: no demo admin on a real deployment, mail links on the served
port, settings that fail loudly, log lines a shipper can read."""

import json
import logging
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from governance.ops.logs import JsonLinesFormatter
from tests.governance.test_settings import PRODUCTION, run_manage

ROOT = Path(__file__).resolve().parents[2]


def test_seed_demo_refuses_on_production_and_creates_no_admin(db, settings):
    settings.PORTAL_PRODUCTION = True
    with pytest.raises(CommandError, match="refuses with DEBUG=false"):
        call_command("seed_demo")
    assert not get_user_model().objects.filter(username="admin").exists()


def test_seed_demo_on_production_when_told_so(db, settings, capsys):
    settings.PORTAL_PRODUCTION = True
    call_command("seed_demo", "--i-know-this-is-production")
    assert get_user_model().objects.get(username="admin").is_superuser


def test_make_run_points_mail_links_at_its_port():
    result = subprocess.run(
        ["make", "-s", "--eval", "show-base-url: ; @echo $$PORTAL_BASE_URL", "show-base-url"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PORT": "8101"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.stdout.strip() == "http://127.0.0.1:8101"


def test_an_explicit_base_url_wins_over_the_port():
    result = subprocess.run(
        ["make", "-s", "--eval", "show-base-url: ; @echo $$PORTAL_BASE_URL", "show-base-url"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PORT": "8101", "PORTAL_BASE_URL": "https://p.example"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.stdout.strip() == "https://p.example"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("CACHE_URL", "memcached://x", "CACHE_URL must be a redis:// URL"),
        ("LOG_FORMAT", "xml", "LOG_FORMAT must be text or json"),
        ("TRUSTED_PROXY_COUNT", "two", "TRUSTED_PROXY_COUNT must be a whole number"),
    ],
)
def test_a_bad_production_setting_stops_start_up_naming_it(tmp_path, variable, value, message):
    result = run_manage("check", env={**PRODUCTION, variable: value}, tmp_path=tmp_path)
    assert result.returncode == 1
    assert message in result.stderr


def test_json_log_lines_carry_level_logger_and_message():
    record = logging.LogRecord("portal", logging.WARNING, __file__, 1, "late %s", ("sweep",), None)
    line = json.loads(JsonLinesFormatter().format(record))
    assert line["level"] == "WARNING" and line["logger"] == "portal"
    assert line["message"] == "late sweep"
