"""Issue 16 point 2: the incident page shows one page of its timeline (the latest by default)
and of its client communications (drafts awaiting approval first), with page links that work
without JavaScript; its cost is the same with few or many of either."""

import re

import pytest

from incidents import selectors, services
from tests.helpers.pages import post_update, warm_queries

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _small_pages(monkeypatch):
    # Pages of three keep the data small; the selectors read the sizes on every call.
    monkeypatch.setattr(selectors, "TIMELINE_PAGE", 3)
    monkeypatch.setattr(selectors, "COMMUNICATIONS_PAGE", 3)


def _draft(incident, crew, number: int):
    return services.draft_client_communication(
        incident=incident,
        actor=crew["support"],
        title=f"Uploads delayed {number}",
        status_page_text="Uploads are delayed.",
        email_text="Dear client, uploads are delayed.",
    )


def _timeline(html: str) -> list[str]:
    block = html[html.index('<ol id="timeline"') : html.index("</ol>", html.index("timeline"))]
    return re.findall(r"<li>.*?</li>", block, re.DOTALL)


def test_the_page_costs_the_same_with_pages_of_events_and_communications(crew, declare, client):
    incident = declare("P1", client_facing=True)
    client.force_login(crew["pm"])
    url = incident.get_absolute_url()
    _draft(incident, crew, 0)
    small, html = warm_queries(client, url)
    for number in range(1, 8):
        _draft(incident, crew, number)
        post_update(incident, crew, number)
    large, html = warm_queries(client, url)
    assert incident.events.count() > 9
    assert len(_timeline(html)) == 3
    assert html.count("Approve and publish") == 3
    assert large == small


def test_the_timeline_opens_on_its_latest_events_and_pages_back(crew, declare, client):
    incident = declare("P2")
    for number in range(6):
        post_update(incident, crew, number)
    events = list(incident.events.order_by("at", "id"))
    pages = (len(events) + 2) // 3
    client.force_login(crew["pm"])
    html = client.get(incident.get_absolute_url()).content.decode()
    shown = _timeline(html)
    assert len(shown) == 3
    assert all(e.get_kind_display() in li for e, li in zip(events[-3:], shown, strict=True))
    assert f"{len(events)} events; the latest 3, oldest first." in html
    assert f"Timeline page 1 of {pages}" in html
    assert 'href="?timeline=2#timeline-card">← Earlier' in html
    html = client.get(incident.get_absolute_url(), {"timeline": pages}).content.decode()
    assert events[0].get_kind_display() in _timeline(html)[0]
    assert "← Earlier" not in html and "Later →" in html
    assert 'href="?#timeline-card">Latest' in html


def test_drafts_awaiting_approval_come_first_and_older_ones_are_a_link_away(crew, declare, client):
    incident = declare("P1", client_facing=True)
    drafts = [_draft(incident, crew, number) for number in range(5)]
    services.approve_client_communication(communication=drafts[4], actor=crew["pm"])
    drafts[4].refresh_from_db()
    assert drafts[4].published_at
    client.force_login(crew["pm"])
    html = client.get(incident.get_absolute_url()).content.decode()
    first = [f"Uploads delayed {n}" for n in (3, 2, 1)]
    assert [title for title in re.findall(r"“(Uploads delayed \d)”", html)] == first
    assert html.count("Approve and publish") == 3
    assert "5 communications: drafts awaiting approval first, then the newest." in html
    assert 'href="?comms=2#communications">Older' in html
    html = client.get(incident.get_absolute_url(), {"comms": 2}).content.decode()
    assert re.findall(r"“(Uploads delayed \d)”", html) == ["Uploads delayed 0", "Uploads delayed 4"]
    assert html.count("Approve and publish") == 1
