"""Integrations in the admin: adding one shows its key once (only the hash is stored), the
mapping is validated, every edit is kept in history, keys can be rotated and revoked."""

import pytest
from django.urls import reverse

from governance.models import Severity
from incidents.models import Integration

pytestmark = pytest.mark.django_db

ADD = reverse("admin:incidents_integration_add")


@pytest.fixture
def superuser(make_user):
    return make_user("root", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def form(**fields):
    data = {
        "name": "Prometheus staging",
        "kind": "alertmanager",
        "enabled": "on",
        "default_severity": Severity.objects.get(key="P3").pk,
        "severity_label": "severity",
        "severity_map": '{"critical": "P1", "warning": "P2"}',
        "workspace_label": "workspace",
        "stop_paging_when_cleared": "on",
    }
    data.update(fields)
    return data


def test_adding_an_integration_shows_its_key_once_and_stores_only_the_hash(admin_client, superuser):
    response = admin_client.post(ADD, form(), follow=True)

    integration = Integration.objects.get(name="Prometheus staging")
    shown = [str(m) for m in response.context["messages"]]
    key = next(word for text in shown for word in text.split() if word.startswith("gi_"))
    assert Integration.hash_key(key) == integration.key_hash
    assert key not in str(Integration.objects.filter(pk=integration.pk).values().get())
    assert integration.acts_as.has_usable_password() is False
    assert integration.history.get().history_user == superuser
    assert integration.stats.accepted == 0
    page = admin_client.get(reverse("admin:incidents_integration_change", args=[integration.pk]))
    assert key not in page.content.decode()


def test_a_mapping_to_an_unknown_severity_is_refused_next_to_the_field(admin_client):
    response = admin_client.post(ADD, form(severity_map='{"critical": "P9"}'))

    assert response.status_code == 200
    assert "Unknown D9 severity P9" in str(response.context["adminform"].form.errors)
    assert not Integration.objects.exists()


def test_rotating_the_key_shows_a_new_one_and_the_old_one_stops_working(admin_client, alertmanager):
    integration, old_key = alertmanager

    response = admin_client.post(
        reverse("admin:incidents_integration_changelist"),
        {"action": "rotate_key", "_selected_action": [integration.pk]},
        follow=True,
    )

    integration.refresh_from_db()
    assert integration.key_hash != Integration.hash_key(old_key)
    assert any("gi_" in str(m) for m in response.context["messages"])
    assert integration.history.first().history_change_reason == "Key rotated"


def test_staff_without_the_integration_permission_cannot_see_keys(client, make_user):
    client.force_login(make_user("clerk", is_staff=True))

    assert client.get(ADD).status_code == 403
