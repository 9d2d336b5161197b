"""Issue 16 point 2: the rotations list shows a page of rotations with who is on call now on
each, whatever their number; page links and the search work without JavaScript."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rotations import reminders, selectors, services, views
from rotations.models import Rotation

pytestmark = pytest.mark.django_db

PER_PAGE = 3


@pytest.fixture(autouse=True)
def _small_pages(monkeypatch):
    # A page of three keeps the two data sizes small; the view reads the constant per request.
    monkeypatch.setattr(views, "ROTATIONS_PER_PAGE", PER_PAGE)


def _add_rotations(make_user, start: int, stop: int):
    for number in range(start, stop):
        members = [make_user(f"eng{number}-{k}", first_name=f"E{number}{k}") for k in range(2)]
        services.create_rotation(
            actor=None, name=f"Team {number:02d}", slug=f"team-{number:02d}", members=members
        )
    reminders.keep_generated(now=timezone.now())


def _queries(client, url) -> tuple[int, str]:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_the_list_shows_one_page_and_costs_the_same_for_four_or_eleven_rotations(
    client, make_user, owner
):
    client.force_login(owner)
    _add_rotations(make_user, 0, 4)
    small, html = _queries(client, reverse("rotations:list"))
    assert html.count("<tr>") == PER_PAGE + 1
    _add_rotations(make_user, 4, 11)
    large, html = _queries(client, reverse("rotations:list"))
    assert large == small
    assert html.count("<tr>") == PER_PAGE + 1
    assert "Page 1 of 4 (11 rotations)" in html
    assert '<a href="?q=&amp;page=2">Next →</a>' in html


def test_each_page_names_who_is_on_call_now_on_its_rotations(client, make_user, owner):
    client.force_login(owner)
    _add_rotations(make_user, 0, 5)
    html = client.get(reverse("rotations:list"), {"page": 2}).content.decode()
    assert "Team 03" in html and "Team 04" in html and "Team 00" not in html
    for slug in ("team-03", "team-04"):
        on_call = selectors.on_call_at(timezone.now(), rotation=Rotation.objects.get(slug=slug))
        assert on_call.primary and on_call.secondary
        assert on_call.primary.get_full_name() in html
        assert on_call.secondary.get_full_name() in html
    assert "← Previous" in html and "Next →" not in html


def test_the_search_keeps_matching_rotations_and_its_page_links_keep_the_search(
    client, make_user, owner
):
    client.force_login(owner)
    _add_rotations(make_user, 0, 12)
    html = client.get(reverse("rotations:list"), {"q": "team 1"}).content.decode()
    assert "Team 10" in html and "Team 11" in html
    assert "Team 09" not in html and "Page 1" not in html
    html = client.get(reverse("rotations:list"), {"q": "team-0"}).content.decode()
    assert "Page 1 of 4 (10 rotations)" in html
    assert '<a href="?q=team-0&amp;page=2">' in html
    html = client.get(reverse("rotations:list"), {"q": "nothing like it"}).content.decode()
    assert "No active rotation matches" in html
