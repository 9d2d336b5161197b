"""A free loopback port for a real server a test starts (Alertmanager, gunicorn, SMTP, Celery)."""

import socket


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
