"""What an operator runs: with DEBUG=false, `collectstatic`, then gunicorn alone serves the admin
with its stylesheet (WhiteNoise: hashed names, compressed) and answers /healthz."""

import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.helpers.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def get(url: str, **headers):
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, dict(response.headers), response.read()


@pytest.fixture(scope="module")
def production_server(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("production")
    port = free_port()
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
        },
        "DEBUG": "false",
        "SECRET_KEY": "s" + "k3J9vQ2mX8pL5wR7tY1uN4bC6dF0gH2jK9sA3zE5xV7nM1qW8eT4yU6iO0pP2",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "PORTAL_VAR_DIR": str(tmp_path),
        "PORT": str(port),
    }
    collected = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert collected.returncode == 0, collected.stderr
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "python:governance.gunicorn_conf", "governance.wsgi"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT), "WEB_CONCURRENCY": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                get(base + "/healthz")
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail(server.stderr.read().decode())
                time.sleep(0.5)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_gunicorn_alone_serves_the_admin_with_its_stylesheet(production_server):
    status, _, body = get(production_server + "/admin/login/")
    assert status == 200
    stylesheet = re.search(rb'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', body)
    assert stylesheet, "the admin links its stylesheet by a hashed name"

    status, headers, css = get(production_server + stylesheet.group(1).decode())
    assert status == 200
    assert headers["Content-Type"].startswith("text/css")
    assert "immutable" in headers["Cache-Control"]
    assert b"body" in css

    _, gzipped, _ = get(
        production_server + stylesheet.group(1).decode(), **{"Accept-Encoding": "gzip"}
    )
    assert gzipped.get("Content-Encoding") == "gzip"


def test_gunicorn_answers_the_liveness_probe(production_server):
    status, headers, body = get(production_server + "/healthz")
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert b'"status": "ok"' in body
