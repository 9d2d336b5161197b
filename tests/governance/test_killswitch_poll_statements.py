"""Issue 16 point 6: the kill-switch poll is one statement on PostgreSQL — no per-request
connection health check on the persistent connection."""

import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.django_db


def test_persistent_connections_skip_the_per_request_health_check():
    database = settings.DATABASES["default"]
    assert database["CONN_MAX_AGE"] > 0
    assert database["CONN_HEALTH_CHECKS"] is False
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is False
