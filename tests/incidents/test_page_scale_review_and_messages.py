"""Issue 16 point 2: the post-incident review page shows one page of the incident's timeline
and the incident page one page of its messages (the latest by default), with Earlier / Later /
Latest links that work without JavaScript and keep the page's other lists where they were; the
cost of either page is the same with few or many events and messages."""

import re

import pytest
from django.urls import reverse

from incidents import selectors, services
from incidents.models import PostIncidentReview
from tests.helpers.pages import post_update, warm_queries

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _small_pages(monkeypatch):
    # Pages of three keep the data small; the selectors read the sizes on every call.
    monkeypatch.setattr(selectors, "TIMELINE_PAGE", 3)
    monkeypatch.setattr(selectors, "MESSAGES_PAGE", 3)


def _reviewed(crew, declare, updates: int) -> PostIncidentReview:
    """The open review of a P1 with `updates` messages posted before it was resolved."""
    incident = declare("P1")
    services.acknowledge(incident=incident, actor=crew["primary"])
    for number in range(updates):
        post_update(incident, crew, number)
    services.resolve(
        incident=incident, actor=crew["primary"], root_cause="Bad deploy", resolution="Rolled back"
    )
    return PostIncidentReview.objects.get(incident=incident)


def _review_events(html: str) -> list[str]:
    block = html[
        html.index('<ol id="review-events"') : html.index("</ol>", html.index("review-events"))
    ]
    return re.findall(r"<li>.*?</li>", block, re.DOTALL)


def _messages(html: str) -> list[str]:
    block = html[html.index('id="messages"') : html.index("</div>", html.index('id="messages"'))]
    return re.findall(
        r'<pre style="font-family: inherit" class="message">(.*?)</pre>', block, re.DOTALL
    )


def test_the_review_page_costs_the_same_with_few_or_many_events(crew, declare, client):
    client.force_login(crew["owner"])
    few = _reviewed(crew, declare, 0)
    small, _ = warm_queries(client, reverse("incidents:review_page", args=[few.incident_id]))
    many = _reviewed(crew, declare, 8)
    large, html = warm_queries(client, reverse("incidents:review_page", args=[many.incident_id]))
    assert many.incident.events.count() > few.incident.events.count() + 6
    assert len(_review_events(html)) == 3
    assert large == small


def test_the_review_timeline_opens_on_its_latest_events_and_pages_back(crew, declare, client):
    review = _reviewed(crew, declare, 6)
    events = list(review.incident.events.order_by("at", "id"))
    pages = (len(events) + 2) // 3
    url = reverse("incidents:review_page", args=[review.incident_id])
    client.force_login(crew["owner"])
    html = client.get(url).content.decode()
    shown = _review_events(html)
    assert len(shown) == 3
    assert all(e.get_kind_display() in li for e, li in zip(events[-3:], shown, strict=True))
    assert f"{len(events)} events; the latest 3, oldest first." in html
    assert f"Timeline page 1 of {pages}" in html
    assert 'href="?timeline=2#review-timeline">← Earlier' in html
    html = client.get(url, {"timeline": pages}).content.decode()
    assert events[0].get_kind_display() in _review_events(html)[0]
    assert "← Earlier" not in html
    assert f'href="?timeline={pages - 1}#review-timeline">Later →' in html
    assert 'href="?#review-timeline">Latest' in html


def test_the_incident_page_costs_the_same_with_few_or_many_messages(crew, declare, client):
    incident = declare("P2")
    post_update(incident, crew, 0)
    client.force_login(crew["pm"])
    small, _ = warm_queries(client, incident.get_absolute_url())
    for number in range(1, 9):
        post_update(incident, crew, number)
    large, html = warm_queries(client, incident.get_absolute_url())
    assert incident.updates.count() == 10  # the declaration's message and nine updates
    assert len(_messages(html)) == 3
    assert large == small


def test_the_messages_open_on_the_latest_and_page_back_keeping_the_timeline(crew, declare, client):
    incident = declare("P2")
    for number in range(6):
        post_update(incident, crew, number)
    updates = list(incident.updates.order_by("posted_at", "id"))
    assert len(updates) == 7  # the declaration's message and six updates
    client.force_login(crew["pm"])
    html = client.get(incident.get_absolute_url()).content.decode()
    assert _messages(html) == [u.body for u in updates[-3:]]
    assert "7 messages; the latest 3, oldest first." in html
    assert "Messages page 1 of 3" in html
    assert 'href="?messages=2#messages">← Earlier' in html
    html = client.get(incident.get_absolute_url(), {"messages": 3, "timeline": 2}).content.decode()
    assert _messages(html) == [updates[0].body]
    assert "Timeline page 2 of" in html
    assert 'href="?messages=2&amp;timeline=2#messages">Later →' in html
    assert 'href="?timeline=2#messages">Latest' in html


def test_each_list_of_the_incident_page_keeps_the_others_pages(crew, declare, client, monkeypatch):
    monkeypatch.setattr(selectors, "COMMUNICATIONS_PAGE", 3)
    incident = declare("P1", client_facing=True)
    for number in range(6):
        post_update(incident, crew, number)
        services.draft_client_communication(
            incident=incident,
            actor=crew["support"],
            title=f"Uploads delayed {number}",
            status_page_text="Uploads are delayed.",
            email_text="Dear client, uploads are delayed.",
        )
    client.force_login(crew["pm"])
    query = {"timeline": 2, "messages": 2, "comms": 2}
    html = client.get(incident.get_absolute_url(), query).content.decode()
    assert 'href="?timeline=3&amp;messages=2&amp;comms=2#timeline-card">← Earlier' in html
    assert 'href="?timeline=2&amp;messages=2&amp;comms=1#communications">← Newer' in html
    assert 'href="?timeline=2&amp;comms=2#messages">Later →' in html
