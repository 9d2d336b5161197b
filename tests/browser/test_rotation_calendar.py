"""In a real browser, without JavaScript: the rotation's month grid marks this week and a gap,
a roster engineer takes the uncovered shift from its cell, the holder of a week asks for cover
from theirs and the swap form opens on that week (issue 17 point 4); screenshots at 1280 and
390 px, no sideways overflow on a phone."""

import pytest
from django.utils import timezone

from rotations import services
from rotations.models import Override
from tests.helpers.screens import WIDTHS, shoot, signed_in_page, with_password


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_take_a_gap_and_ask_for_cover_from_the_month_grid(
    browser, live_server, settings, rotation, rotation_engineers
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with_password(*rotation_engineers)
    week = rotation.weeks.filter(starts_at__gt=timezone.now()).order_by("starts_at")[1]
    services.set_week_holders(
        week=week, primary=week.primary, secondary=None, actor=None, reason="Gap for the test"
    )
    later = rotation.weeks.filter(starts_at__gt=week.starts_at).order_by("starts_at")[1]
    services.set_week_holders(
        week=later, primary=None, secondary=later.secondary, actor=None, reason="An open gap"
    )
    taker = next(e for e in rotation_engineers if e.pk != week.primary_id)
    month = f"{week.starts_at.astimezone(rotation.zone):%Y-%m}"
    later_month = f"{later.starts_at.astimezone(rotation.zone):%Y-%m}"

    page = signed_in_page(browser, live_server.url, taker.username)
    page.goto(f"/rotations/ingestion/?month={month}")
    assert page.locator("#this-week").count() <= 1
    page.click(f"form.take-shift:has(input[name=week][value='{week.pk}']) button")
    page.wait_for_selector("text=You are On-Call Secondary")
    page.context.close()
    assert Override.objects.get(tier="secondary").user == taker

    page = signed_in_page(browser, live_server.url, week.primary.username)
    page.goto(f"/rotations/ingestion/?month={month}")
    page.click(f"a.ask-cover[href*='week={week.pk}']")
    start = week.starts_at.astimezone(rotation.zone).strftime("%Y-%m-%dT%H:%M")
    assert page.input_value("#id_starts_at") == start
    page.context.close()

    for width in WIDTHS:
        page = signed_in_page(browser, live_server.url, taker.username, width=width)
        page.goto(f"/rotations/ingestion/?month={later_month}")
        assert page.locator("text=nobody (gap)").count() >= 7
        assert not shoot(page, "rotation-calendar"), f"overflows sideways at {width} px"
        page.goto("/rotations/mine/calendar/")
        assert not shoot(page, "my-calendar"), f"my calendar overflows at {width} px"
        page.context.close()
