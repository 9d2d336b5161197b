"""Policy rows the authority, approval and kill-switch tests name; the kill-switch poll."""

import io
import sys

from django.core.handlers.wsgi import WSGIHandler

from governance.killswitch import services as killswitch
from governance.models import KillSwitchScenario, Severity


def scenario(key: str) -> KillSwitchScenario:
    return KillSwitchScenario.objects.get(key=key)


def severity(key: str = "P2") -> Severity:
    return Severity.objects.get(key=key)


def activate(user, key="error_rate_20", ws=None, **kwargs):
    """Press the kill switch as `user` for scenario `key` (global unless `ws`)."""
    return killswitch.activate_kill_switch(
        actor=user,
        scenario=scenario(key),
        severity=severity(),
        reason="errors",
        workspace=ws,
        **kwargs,
    )


def poll(token: str | None, query: str = "workspace=acme", host: str = "testserver"):
    """GET /api/kill-switch/ through the WSGI handler: (status, headers, body)."""
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/api/kill-switch/",
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": host,
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
    }
    if token is not None:
        environ["HTTP_AUTHORIZATION"] = token
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer.update(status=int(status.split()[0]), headers=dict(headers))

    result = WSGIHandler()(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        result.close()  # request_finished: Django's end-of-request connection handling
    return answer["status"], answer["headers"], body
