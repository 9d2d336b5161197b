"""Acknowledge from the page (D9 §3.1): a signed, expiring, single-use link in the page that
acknowledges after login, recorded as "from the page"; a bad link is refused, nothing changes."""

import datetime
import re

import pytest
from django.utils import timezone

from governance.models import ContactMethod, Notification, NotificationRule, Urgency
from governance.notifications import channels
from tests.incidents.conftest import minutes_after, sweep_at


@pytest.fixture
def paged(crew, declare, clock):
    """A P1 whose page reached the primary; returns (incident, the link's path)."""
    incident = declare("P1")
    sweep_at(clock, minutes_after(incident, 0))
    page = Notification.objects.get(
        recipient=crew["primary"], urgency=Urgency.PAGE, method__isnull=True
    )
    assert page.subject.startswith(f"[P1 #{incident.pk}] PAGE: ")
    path = re.search(r"http://[^/\s]+(/incidents/ack/\S+/)", page.body_text).group(1)
    assert path in page.body_html
    return incident, path


def acknowledged(incident) -> bool:
    incident.refresh_from_db()
    return incident.acknowledged_at is not None


def test_the_link_acknowledges_from_the_page_after_login(client, crew, paged):
    incident, path = paged
    client.force_login(crew["primary"])

    shown = client.get(path)  # a mail scanner following the link changes nothing
    assert shown.status_code == 200
    assert f"Acknowledge incident #{incident.pk}" in shown.content.decode()
    assert not acknowledged(incident)

    done = client.post(path)
    assert done.status_code == 302 and done.url == incident.get_absolute_url()
    assert acknowledged(incident) and incident.acknowledged_by == crew["primary"]
    event = incident.events.get(kind="acknowledged")
    assert "from the page" in event.text


def test_a_used_link_is_refused_and_changes_nothing(client, crew, paged):
    incident, path = paged
    client.force_login(crew["primary"])
    client.post(path)
    events = incident.events.count()

    again = client.post(path)
    assert again.status_code == 400
    assert "already used" in again.content.decode()
    assert incident.events.count() == events


def test_a_tampered_link_is_refused_and_changes_nothing(client, crew, paged):
    incident, path = paged
    client.force_login(crew["primary"])
    tampered = path.replace("/ack/", "/ack/x")

    response = client.post(tampered)
    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    assert not acknowledged(incident)


def test_an_expired_link_is_refused_and_changes_nothing(client, crew, paged, clock):
    incident, path = paged
    client.force_login(crew["primary"])
    clock.shift(datetime.timedelta(hours=13))

    response = client.post(path)
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    assert not acknowledged(incident)


def test_someone_elses_link_is_refused(client, crew, paged):
    incident, path = paged
    client.force_login(crew["secondary"])

    assert client.post(path).status_code == 403
    assert not acknowledged(incident)


def test_the_link_asks_for_login_first(client, paged):
    incident, path = paged
    response = client.get(path)
    assert response.status_code == 302 and "/login/" in response.url
    assert not acknowledged(incident)


def test_a_link_to_an_incident_acknowledged_meanwhile_opens_the_incident(client, crew, paged):
    from incidents import services

    incident, path = paged
    services.acknowledge(incident=incident, actor=crew["secondary"])
    client.force_login(crew["primary"])

    response = client.get(path)
    assert response.status_code == 302 and response.url == incident.get_absolute_url()


def test_acknowledging_cancels_the_pages_still_waiting_for_a_later_method(crew, declare, clock):
    from incidents import services

    primary = crew["primary"]
    push = ContactMethod.objects.create(
        user=primary,
        name="primary-push",
        kind=ContactMethod.Kind.APPRISE,
        sealed_url=channels.seal("json://127.0.0.1:9/"),
        masked_url="json://127.0.0.1:9/",
        verified_at=timezone.now(),
    )
    NotificationRule.objects.create(user=primary, urgency=Urgency.PAGE, method=None)
    NotificationRule.objects.create(
        user=primary, urgency=Urgency.PAGE, method=push, delay_minutes=2
    )
    incident = declare("P1")
    sweep_at(clock, minutes_after(incident, 0))
    waiting = Notification.objects.get(method=push, urgency=Urgency.PAGE)
    assert waiting.status == Notification.Status.PENDING

    services.acknowledge(incident=incident, actor=primary)

    waiting.refresh_from_db()
    assert waiting.status == Notification.Status.CANCELLED
