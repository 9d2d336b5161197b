"""The month grid of a rotation and of a person (issue 17 point 4, D9 §3.2): the current week
and gaps marked, overrides and swaps shown, "ask for cover" carrying the week, "take this
shift" through the override service; flat in the number of weeks shown."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rotations import services
from rotations.models import Override

# Wednesday 16 Jan 2030 10:00 UTC (10:00 in London): inside the week from Monday 14 Jan 09:00.
NOW = datetime.datetime(2030, 1, 16, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def later_week(rotation):
    """The week from Monday 28 Jan 2030."""
    return rotation.weeks.get(starts_at=datetime.datetime(2030, 1, 28, 9, 0, tzinfo=datetime.UTC))


@pytest.fixture
def gap(later_week):
    """Nobody is On-Call Secondary in the week from 28 Jan."""
    services.set_week_holders(
        week=later_week, primary=later_week.primary, secondary=None, actor=None, reason="Test gap"
    )
    return later_week


def grid(client, user, path="/rotations/ingestion/", **query):
    client.force_login(user)
    response = client.get(path, query)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def cell(page: str, day: str) -> str:
    """The grid cell of `day` (YYYY-MM-DD)."""
    start = page.index(f'data-day="{day}"')
    return page[start : page.index("</td>", start)]


def test_the_month_grid_marks_this_week_and_today(rotation, primary, client):
    page = grid(client, primary)
    assert "January 2030" in page
    assert page.count('id="this-week"') == 1
    assert page.count('class="current-week"') == 1
    assert 'today" data-day="2030-01-16"' in page
    # The grid names the holders on each day.
    assert primary.get_full_name() in page


def test_a_gap_is_marked_and_a_roster_member_may_take_it(rotation, gap, rotation_engineers, client):
    engineer = next(e for e in rotation_engineers if e.pk != gap.primary_id)
    page = grid(client, engineer)
    assert "nobody (gap)" in cell(page, "2030-01-30")
    assert 'class="badge badge-gap">Gap' in page
    assert f'name="week" value="{gap.pk}"' in page

    response = client.post(
        reverse("rotations:take_shift", args=["ingestion"]), {"week": gap.pk, "tier": "secondary"}
    )
    assert response.status_code == 302 and "month=2030-01" in response.url
    override = Override.objects.get(rotation=rotation, tier="secondary")
    assert (override.user, override.starts_at, override.ends_at) == (
        engineer,
        gap.starts_at,
        gap.ends_at,
    )
    page = grid(client, engineer)
    assert "nobody (gap)" not in cell(page, "2030-01-30")
    assert ">override" in cell(page, "2030-01-30")


def test_an_outsider_may_not_take_a_shift_and_sees_no_button(rotation, gap, outsider, client):
    page = grid(client, outsider)
    assert "nobody (gap)" in cell(page, "2030-01-30") and "Take this shift" not in page
    with pytest.raises(PermissionDenied, match="roster"):
        services.take_shift(actor=outsider, week=gap, tier="secondary")
    response = client.post(
        reverse("rotations:take_shift", args=["ingestion"]), {"week": gap.pk, "tier": "secondary"}
    )
    assert response.status_code == 403
    assert not Override.objects.exists()


def test_a_covered_shift_cannot_be_taken(rotation, later_week, rotation_engineers):
    engineer = next(
        e
        for e in rotation_engineers
        if e.pk not in (later_week.primary_id, later_week.secondary_id)
    )
    with pytest.raises(ValidationError, match="covered"):
        services.take_shift(actor=engineer, week=later_week, tier="primary")
    assert not Override.objects.exists()


def test_overrides_and_open_swaps_show_in_their_days(
    rotation, later_week, rotation_engineers, client
):
    others = [
        e
        for e in rotation_engineers
        if e.pk not in (later_week.primary_id, later_week.secondary_id)
    ]
    services.create_override(
        actor=None,
        rotation=rotation,
        tier="primary",
        starts_at=later_week.starts_at + datetime.timedelta(days=1),
        ends_at=later_week.starts_at + datetime.timedelta(days=2),
        user=others[0],
        replaces=later_week.primary,
    )
    services.request_swap(
        actor=later_week.secondary,
        rotation=rotation,
        tier="secondary",
        starts_at=later_week.starts_at,
        ends_at=later_week.ends_at,
        colleague=others[1],
        reason="Holiday",
    )
    page = grid(client, others[0])
    assert f"override for {later_week.primary.get_full_name()}" in page
    assert "Swap asked" in page and others[1].get_full_name() in page


def test_ask_for_cover_carries_the_chosen_week_and_tier(rotation, later_week, client):
    holder = later_week.primary
    page = grid(client, holder)
    link = (
        f"{reverse('rotations:swap_new', args=['ingestion'])}?week={later_week.pk}&amp;tier=primary"
    )
    assert link in page
    form = client.get(link.replace("&amp;", "&")).content.decode()
    assert 'value="2030-01-28T09:00"' in form and 'value="2030-02-04T09:00"' in form
    assert '<option value="primary" selected>' in form


def test_my_calendar_shows_my_days_on_every_rotation(rotation, later_week, client):
    holder = later_week.primary
    page = grid(client, holder, reverse("rotations:person_calendar"))
    assert page.count("Ingestion Primary:") >= 7  # the days of the week from 28 Jan
    assert f"?week={later_week.pk}&amp;tier=primary" in page


@pytest.mark.parametrize("path", ["/rotations/ingestion/", "/rotations/mine/calendar/"])
def test_the_grid_costs_the_same_queries_for_one_month_and_three(rotation, primary, client, path):
    client.force_login(primary)
    counts = []
    for months in (1, 3):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path, {"month": "2030-01", "months": months}).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_my_calendar_costs_the_same_queries_on_one_rotation_and_on_three(
    rotation, primary, rotation_engineers, client
):
    """Issue 16 point 2: a person's grid reads every rotation's weeks, overrides and swaps at
    once, not per rotation."""
    client.force_login(primary)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("rotations:person_calendar"), {"month": "2030-01"})
            assert response.status_code == 200
        return len(queries)

    counts = [count()]
    for n in (1, 2):
        other = services.create_rotation(
            actor=None,
            name=f"Other {n}",
            slug=f"other-{n}",
            time_zone="America/New_York",
            members=rotation_engineers,
        )
        services.generate_weeks(
            rotation=other,
            actor=None,
            start=NOW - datetime.timedelta(weeks=2),
            until=NOW + datetime.timedelta(weeks=8),
        )
    page = client.get(reverse("rotations:person_calendar"), {"month": "2030-01"}).content.decode()
    assert "Other 1" in page and "Other 2" in page
    counts.append(count())
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize(
    "query, message",
    [({"months": "9"}, "one to 3 months"), ({"month": "January"}, "YYYY-MM")],
)
def test_a_bad_month_is_refused_with_its_reason(rotation, primary, client, query, message):
    client.force_login(primary)
    response = client.get("/rotations/ingestion/", query)
    assert response.status_code == 400 and message in response.content.decode()
