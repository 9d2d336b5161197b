"""D9 §3.3 handoffs and the reminder sweeps: each side ticks its items, each mail goes once."""

import datetime
import zoneinfo
from io import StringIO

import icalendar
import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from governance.models import ApiToken, HandoffChecklistItem, Notification
from rotations import calendars, reminders, services
from rotations.models import Handoff, HandoffCheck, HandoffReminder


@pytest.fixture
def handoff(rotation):
    now = timezone.now()
    reminders.keep_generated(now=now)
    return Handoff.objects.filter(rotation=rotation, at__gt=now).order_by("at").first()


def outgoing_item():
    return HandoffChecklistItem.objects.filter(side="outgoing").first()


def test_every_week_boundary_has_a_handoff_with_both_sides(rotation, handoff):
    assert handoff.outgoing_primary and handoff.incoming_primary
    assert handoff.incoming_primary == handoff.outgoing_secondary  # round-robin
    assert Handoff.objects.filter(rotation=rotation).count() >= 8


def test_outgoing_items_are_ticked_by_the_outgoing_on_call(handoff):
    services.check_item(actor=handoff.outgoing_primary, handoff=handoff, item=outgoing_item())
    assert HandoffCheck.objects.filter(handoff=handoff).count() == 1


def test_incoming_on_call_cannot_tick_outgoing_items(handoff, outsider):
    incoming_only = handoff.incoming_secondary
    with pytest.raises(PermissionDenied, match="Only the Outgoing On-Call"):
        services.check_item(actor=incoming_only, handoff=handoff, item=outgoing_item())
    with pytest.raises(PermissionDenied):
        services.check_item(actor=outsider, handoff=handoff, item=outgoing_item())
    assert not HandoffCheck.objects.exists()


def test_handoff_page_refuses_a_tick_from_the_wrong_side_with_403(client, handoff, outsider):
    client.force_login(outsider)
    url = reverse("rotations:handoff", args=[handoff.pk])
    response = client.post(url, {"item": outgoing_item().pk, "checked": "1"})
    assert response.status_code == 403 and b"Only the Outgoing On-Call" in response.content
    assert not HandoffCheck.objects.exists()


def test_handoff_notes_are_saved_by_the_outgoing_on_call(client, handoff):
    client.force_login(handoff.outgoing_primary)
    url = reverse("rotations:handoff", args=[handoff.pk])
    client.post(url, {"status_summary": "All green", "ongoing_issues": "Slow uploads for ACME"})
    handoff.refresh_from_db()
    assert handoff.ongoing_issues == "Slow uploads for ACME"


def test_tick_twice_at_the_same_instant_sends_each_reminder_once(
    handoff, owner, settings, tmp_path
):
    settings.EMAIL_FILE_PATH = tmp_path
    day_before = handoff.at - datetime.timedelta(hours=23)
    reminders.send_handoff_reminders(now=day_before)
    reminders.send_handoff_reminders(now=day_before)
    people = {u.pk for u in handoff.people("outgoing") + handoff.people("incoming")}
    sent = Notification.objects.filter(template="rotations/handoff-reminder")
    assert sent.count() == len(people)

    reminders.send_handoff_reminders(now=handoff.at)
    reminders.send_handoff_reminders(now=handoff.at)
    assert sent.count() == 2 * len(people)

    later = handoff.at + datetime.timedelta(hours=1, minutes=1)
    reminders.send_handoff_reminders(now=later)
    reminders.send_handoff_reminders(now=later)
    mine = Notification.objects.filter(dedupe_key__startswith=f"rotations:handoff:{handoff.pk}:")
    assert mine.filter(template="rotations/handoff-open").count() == len(people)
    owner_mail = mine.filter(template="rotations/handoff-open-owner")
    assert list(owner_mail.values_list("recipient", flat=True)) == [owner.pk]


def test_after_downtime_passed_reminders_are_recorded_missed_once_never_mailed_late(handoff, owner):
    """Issue 12 point 8, D9 §3.3: the sweeps were down from two days before the handoff until
    three hours after it. The "24 hours before" and "at the handoff" moments passed: each is
    recorded missed, once, with no mail; the checklist still open is what is due now (one
    nag); a second tick changes nothing."""
    back = handoff.at + datetime.timedelta(hours=3)
    first = reminders.send_handoff_reminders(now=back)
    again = reminders.send_handoff_reminders(now=back + datetime.timedelta(minutes=1))
    mine = Notification.objects.filter(dedupe_key__startswith=f"rotations:handoff:{handoff.pk}:")
    assert not mine.filter(template="rotations/handoff-reminder").exists()
    people = {u.pk for u in handoff.people("outgoing") + handoff.people("incoming")}
    assert mine.filter(template="rotations/handoff-open").count() == len(people)
    rows = HandoffReminder.objects.filter(handoff=handoff)
    assert set(rows.filter(missed=True).values_list("kind", flat=True)) == {
        HandoffReminder.Kind.DAY_BEFORE,
        HandoffReminder.Kind.AT_HANDOFF,
    }
    assert rows.count() == 3
    assert "2 missed while the sweeps were down" in first
    assert "missed" not in again


def test_a_completed_checklist_is_not_nagged(handoff, owner):
    for item in HandoffChecklistItem.objects.all():
        actor = handoff.people(item.side)[0]
        services.check_item(actor=actor, handoff=handoff, item=item)
    reminders.send_handoff_reminders(now=handoff.at + datetime.timedelta(hours=2))
    mine = Notification.objects.filter(dedupe_key__startswith=f"rotations:handoff:{handoff.pk}:")
    assert not mine.filter(template="rotations/handoff-open").exists()


def test_manage_py_tick_twice_writes_each_mail_once(handoff, owner, settings, tmp_path):
    import time_machine

    settings.EMAIL_BACKEND = "governance.notifications.backends.EmlFileBackend"
    settings.EMAIL_FILE_PATH = tmp_path
    with time_machine.travel(handoff.at - datetime.timedelta(hours=1), tick=False):
        call_command("tick", stdout=StringIO())
        call_command("tick", stdout=StringIO())
    files = list(tmp_path.glob("*.eml"))
    reminder_files = [f for f in files if "Subject: Tomorrow: on-call handoff" in f.read_text()]
    assert len(reminder_files) == len(
        {u.pk for u in handoff.people("outgoing") + handoff.people("incoming")}
    )


def test_shift_change_of_a_future_week_mails_the_people_concerned(rotation, rotation_engineers):
    week = rotation.weeks.filter(starts_at__gt=timezone.now()).order_by("starts_at").last()
    old_primary = week.primary
    newcomer = next(
        e for e in rotation_engineers if e.pk not in (week.primary_id, week.secondary_id)
    )
    services.set_week_holders(
        week=week, primary=newcomer, secondary=week.secondary, actor=None, reason="test"
    )
    mailed = set(
        Notification.objects.filter(template="rotations/shift-changed").values_list(
            "recipient", flat=True
        )
    )
    assert {old_primary.pk, newcomer.pk} <= mailed


def test_coverage_gaps_are_mailed_to_the_owner_once_a_week(rotation, owner):
    week = rotation.weeks.filter(starts_at__gt=timezone.now()).order_by("starts_at").first()
    services.set_week_holders(
        week=week, primary=week.primary, secondary=None, actor=None, reason="test"
    )
    now = timezone.now()
    reminders.report_coverage_gaps(now=now)
    reminders.report_coverage_gaps(now=now)
    gaps = Notification.objects.filter(template="rotations/coverage-gaps")
    assert gaps.count() == 1 and "Secondary" in gaps.get().body_text


def test_ical_feed_parses_back_and_starts_at_nine_local(client, rotation):
    response = client.get(calendars.rotation_feed_path(rotation))
    assert response.status_code == 200
    calendar = icalendar.Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert events
    for event in events:
        start = event.decoded("dtstart")
        assert str(start.tzinfo) == "Europe/London"
        assert event["dtstart"].params["TZID"] == "Europe/London"
        assert (start.hour, start.minute) == (9, 0)
    assert calendar.walk("VTIMEZONE")


def test_revoked_calendar_address_stops_working(client, rotation):
    old = calendars.rotation_feed_path(rotation)
    services.revoke_rotation_calendar(actor=None, rotation=rotation)
    assert client.get(old).status_code == 404
    assert client.get(calendars.rotation_feed_path(rotation)).status_code == 200


def test_personal_feed_lists_only_my_shifts(client, rotation, primary):
    feed = services.personal_calendar(actor=primary, user=primary)
    events = icalendar.Calendar.from_ical(
        client.get(calendars.person_feed_path(feed)).content
    ).walk("VEVENT")
    assert events and all("On-Call" in str(e["summary"]) for e in events)
    london = zoneinfo.ZoneInfo("Europe/London")
    assert all(
        e.decoded("dtstart").astimezone(london).hour == 9
        for e in events
        if e.decoded("dtstart").astimezone(london).weekday() == 0
    )
    services.revoke_personal_calendar(actor=primary, user=primary)
    assert client.get(calendars.person_feed_path(feed)).status_code == 404


def test_nobody_revokes_someone_elses_calendar(primary, secondary):
    with pytest.raises(PermissionDenied):
        services.revoke_personal_calendar(actor=secondary, user=primary)


def test_api_oncall_answers_a_bearer_token_and_refuses_anonymous(client, rotation, primary, owner):
    assert client.get("/api/oncall/").status_code == 401
    _, key = ApiToken.issue(user=owner)
    data = client.get("/api/oncall/", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert data["primary"]["username"] == primary.username
    assert data["ingestion_owner"]["username"] == owner.username
    assert set(data["primary"]) == {"username", "name", "email", "until"}


def test_oncall_command_prints_every_tier(rotation, primary, secondary, owner):
    out = StringIO()
    call_command("oncall", stdout=out)
    text = out.getvalue()
    assert primary.get_full_name() in text and secondary.get_full_name() in text
    assert owner.get_full_name() in text


def test_dashboard_shows_who_is_on_call(client, rotation, primary, outsider):
    client.force_login(outsider)
    assert primary.get_full_name() in client.get(reverse("dashboard")).content.decode()


@pytest.mark.parametrize("name", ["list", "my_shifts", "swaps", "readiness", "my_calendar"])
def test_pages_render_for_an_engineer(client, rotation, primary, name):
    client.force_login(primary)
    assert client.get(reverse(f"rotations:{name}")).status_code == 200
