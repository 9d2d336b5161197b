"""Local time is the rotation's local time (issue 12 point 9, D9 §3.2 "Monday 09:00 local
time"): a New York rotation's handoff reminder mails, handoff page and calendar show 09:00 on
New York's wall clock on both sides of a DST change, whatever the portal's zone."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from governance.models import Notification
from rotations import reminders, services
from rotations.models import Handoff

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


@pytest.fixture
def new_york(rotation, rotation_engineers):
    """A New York rotation (Monday 09:00 local), generated across the March DST change."""
    nyc = services.create_rotation(
        actor=None,
        name="Ingestion NYC",
        slug="nyc",
        time_zone="America/New_York",
        members=rotation_engineers,
    )
    now = timezone.now()
    services.generate_weeks(
        rotation=nyc, actor=None, start=now, until=now + datetime.timedelta(weeks=26)
    )
    reminders.keep_generated(now=now)
    return nyc


def handoffs_either_side_of_dst(rotation) -> list[Handoff]:
    """One handoff in winter time (EST) and one in summer time (EDT)."""
    handoffs = list(Handoff.objects.filter(rotation=rotation, at__gt=timezone.now()))
    winter = next(h for h in handoffs if h.at.astimezone(NEW_YORK).utcoffset().seconds == 68400)
    summer = next(h for h in handoffs if h.at.astimezone(NEW_YORK).utcoffset().seconds == 72000)
    return [winter, summer]


def test_handoff_reminders_show_new_york_wall_clock_across_dst(new_york, time_machine):
    """D9 §3.2, §3.3: the "handoff is now" mail says 09:00 (America/New_York) in winter and
    in summer, though the UTC instants differ by an hour."""
    for handoff in handoffs_either_side_of_dst(new_york):
        assert handoff.at.astimezone(NEW_YORK).hour == 9
        time_machine.move_to(handoff.at + datetime.timedelta(minutes=1), tick=False)
        reminders.send_handoff_reminders(now=timezone.now())
        mails = Notification.objects.filter(
            template="rotations/handoff-reminder",
            method=None,
            dedupe_key__startswith=f"rotations:handoff:{handoff.pk}:at_handoff:",
        )
        assert mails.exists()
        for mail in mails:
            assert ", 09:00 (America/New_York)" in mail.body_text, mail.body_text
            assert "Mon 09:00" in mail.subject, mail.subject


def test_the_handoff_page_and_calendar_show_new_york_wall_clock(client, new_york, outsider):
    """D9 §3.2: the handoff page's heading and the month grid's handoffs read 09:00."""
    client.force_login(outsider)
    for handoff in handoffs_either_side_of_dst(new_york):
        page = client.get(reverse("rotations:handoff", args=[handoff.pk])).content.decode()
        assert "09:00 (America/New_York)" in page
    calendar = client.get(reverse("rotations:calendar", args=[new_york.slug])).content.decode()
    assert " at 09:00" in calendar
    assert " at 14:00" not in calendar and " at 13:00" not in calendar
