"""Downtime does not become a mail storm (issue 12 point 8): after an outage of the sweeps, an
open incident gets one D9 §7.1 "update overdue" reminder for the latest missed slot, the earlier
slots are recorded missed on its timeline once, and the next reminder is the next slot ahead."""

import datetime

from governance.models import Notification
from incidents.escalation import update_cadence
from incidents.models import IncidentEvent, IncidentStep
from tests.incidents.conftest import minutes_after, sweep_at


def update_reminders(person):
    return Notification.objects.filter(
        template="incident-reminder", recipient=person, method=None
    ).order_by("id")


def test_eleven_days_without_sweeps_send_one_reminder_for_the_latest_slot(
    crew, declare, clock, on_call_at_fixture
):
    """D9 §7.1 "Incident update … Every 30 min": sweep at T, then at T + 11 days (and again
    every 30 s after): one reminder per on-call person, naming the latest slot."""
    incident = declare("P2")
    sweep_at(clock, minutes_after(incident, 1))
    back = minutes_after(incident, 11 * 24 * 60 + 10)
    sweep_at(clock, back)
    for seconds in (30, 60, 90, 120):
        sweep_at(clock, back + datetime.timedelta(seconds=seconds))

    cadence = update_cadence()
    latest_slot = incident.opened_at + cadence * ((back - incident.opened_at) // cadence)
    on_call = on_call_at_fixture(back)
    assert on_call.primary is not None
    for person in (on_call.primary, on_call.secondary):
        mails = list(update_reminders(person))
        assert len(mails) == 1, person
        assert f":update:{latest_slot.isoformat()}:" in mails[0].dedupe_key
        assert f"the slot of {latest_slot:%H:%M}" in mails[0].body_text
    overdue = IncidentEvent.objects.filter(
        incident=incident, kind=IncidentEvent.Kind.UPDATE_OVERDUE
    )
    assert overdue.count() == 1
    missed = (back - incident.opened_at) // cadence - 1
    assert f"({missed} earlier slot(s) since" in overdue.get().text
    pending = IncidentStep.objects.get(
        incident=incident, kind=IncidentStep.Kind.UPDATE, fired_at__isnull=True
    )
    assert pending.due_at == latest_slot + cadence


def test_the_next_slot_after_the_catch_up_reminds_once_more(
    crew, declare, clock, on_call_at_fixture
):
    """D9 §7.1: after the catch-up the cadence resumes: the next slot reminds once."""
    incident = declare("P2")
    back = minutes_after(incident, 11 * 24 * 60 + 10)
    primary = on_call_at_fixture(back).primary
    sweep_at(clock, back)
    assert update_reminders(primary).count() == 1
    sweep_at(clock, back + datetime.timedelta(minutes=19))
    assert update_reminders(primary).count() == 1
    sweep_at(clock, back + datetime.timedelta(minutes=20))
    assert update_reminders(primary).count() == 2


def test_a_sweep_on_time_still_reminds_once_per_slot(crew, declare, clock):
    """D9 §7.1, no downtime: each missed slot reminds once, as before."""
    incident = declare("P1")
    for minute in (30, 30.5, 60, 90):
        sweep_at(clock, minutes_after(incident, minute))
    assert update_reminders(crew["primary"]).count() == 3
    assert "earlier slot" not in " ".join(
        IncidentEvent.objects.filter(kind=IncidentEvent.Kind.UPDATE_OVERDUE).values_list(
            "text", flat=True
        )
    )
