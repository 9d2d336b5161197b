"""D9 §3.3 "Check current system status": the handoff page shows open incidents and pauses."""

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import Incident
from rotations import reminders
from rotations.models import Handoff
from tests.helpers.signoffs import active_pause, open_incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def handoff_url(rotation):
    now = timezone.now()
    reminders.keep_generated(now=now)
    handoff = Handoff.objects.filter(rotation=rotation, at__gt=now).order_by("at").first()
    return reverse("rotations:handoff", args=[handoff.pk])


def test_handoff_page_links_open_incidents_and_active_pauses(client, handoff_url, owner, outsider):
    incident = open_incident("P1", title="Uploads failing for Acme")
    resolved = open_incident("P2", title="Old slowness")
    resolved.status = Incident.Status.RESOLVED
    resolved.save()
    pause = active_pause(owner)

    client.force_login(outsider)
    page = client.get(handoff_url).content.decode()

    assert reverse("incidents:detail", args=[incident.pk]) in page
    assert "Uploads failing for Acme" in page
    assert "Old slowness" not in page
    assert reverse("killswitch:detail", args=[pause.pk]) in page
    assert "No open incidents." not in page and "No kill-switch pause in force." not in page


def test_handoff_page_says_when_nothing_is_open_or_paused(client, handoff_url, outsider):
    client.force_login(outsider)
    page = client.get(handoff_url).content.decode()
    assert "No open incidents." in page
    assert "No kill-switch pause in force." in page


def test_handoff_page_shows_nothing_to_an_anonymous_visitor(client, handoff_url, owner):
    open_incident("P1", title="Uploads failing for Acme")
    response = client.get(handoff_url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert b"Uploads failing for Acme" not in response.content
