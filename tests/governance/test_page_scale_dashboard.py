"""Issue 16 point 2: the home lists the first approvals waiting on you and the first pauses in
force, with a link to all of them; its cost is the same with few or many of either."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from governance.approvals import services as approvals
from governance.portal import home
from governance.templatetags import killswitch_tags
from tests.governance.test_authority_memo import _pause

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _small_cards(monkeypatch):
    # Cards of three keep the data small; the home reads the sizes on every request.
    monkeypatch.setattr(home, "APPROVALS_SHOWN", 3)
    monkeypatch.setattr(killswitch_tags, "LIVE_SHOWN", 3)


def _home(client) -> tuple[int, str]:
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_the_home_costs_the_same_with_two_or_eight_pending_approvals(client, people):
    client.force_login(people["owner"])
    for number in range(2):
        _pause(people["primary"], number)
    small, html = _home(client)
    assert "approvals-more" not in html and "kill-switch-more" not in html
    for number in range(2, 8):
        _pause(people["primary"], number)
    large, html = _home(client)
    assert large == small
    assert html.count("Review and decide") == 3
    assert "5 more approvals wait on you." in html
    assert f'href="{reverse("rollout:inbox")}">See all 8 in My sign-offs' in html
    start = html.index('id="waiting"')
    waiting = html[start : html.index("</section>", start)]
    assert '<span class="badge pending">8</span>' in waiting
    assert "The latest 3 of 8 pauses in force." in html
    assert f'href="{reverse("killswitch:overview")}">See all on the kill-switch page' in html


def test_the_inbox_behind_the_link_lists_every_pending_approval(client, people):
    for number in range(5):
        _pause(people["primary"], number)
    client.force_login(people["owner"])
    inbox = client.get(reverse("rollout:inbox")).content.decode()
    pending = approvals.pending_for(people["owner"])
    assert len(pending) == 5
    assert all(approvals.approval_url(request) in inbox for request in pending)
