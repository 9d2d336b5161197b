"""D9 §4.2 and §3.1 by time travel: each step at its minute, not a minute before."""

import pytest

from governance.models import Notification
from incidents import services
from tests.incidents.conftest import minutes_after, sweep_at

# severity, minute, who, the step as D9 §4.2 prints it
LADDER = [
    ("P1", 0, "primary", "Primary acks"),
    ("P1", 15, "secondary", "Secondary joins"),
    ("P1", 30, "owner", "Ingestion Owner joins"),
    ("P1", 60, "sre_lead", "SRE Lead"),
    ("P1", 60, "pm", "PM"),
    ("P2", 0, "primary", "Primary acks"),
    ("P2", 15, "primary", "Primary investigates"),
    ("P2", 30, "secondary", "Secondary notified"),
    ("P2", 60, "owner", "Ingestion Owner if unresolved"),
    ("P3", 0, "primary", "Primary acks"),
    ("P3", 15, "primary", "Primary resolves"),
    ("P3", 60, "primary", "Ticket if unresolved"),
]

# tier that did not acknowledge, minute, who is paged (D9 §3.1, clocks run one after the other)
RESPONSE = [
    ("Primary", 15, "secondary", "Secondary"),
    ("Secondary", 45, "owner", "Ingestion Owner"),
    ("Ingestion Owner", 105, "sre_lead", "SRE Lead"),
]


def step_mail(person, incident, label):
    return Notification.objects.filter(
        recipient=person,
        template="incident-escalation",
        dedupe_key__startswith=f"incident:{incident.pk}:",
        subject__endswith=f"— {label}",
    )


@pytest.mark.parametrize(("severity", "minute", "who", "label"), LADDER)
def test_each_ladder_step_fires_at_its_minute_and_not_a_minute_before(
    crew, declare, clock, severity, minute, who, label
):
    incident = declare(severity)
    # Acknowledged at once, so only the ladder (not the §3.1 response track) is at work.
    services.acknowledge(incident=incident, actor=crew["primary"])
    person = crew[who]
    if minute:
        sweep_at(clock, minutes_after(incident, minute - 1))
        assert not step_mail(person, incident, label).exists()
    sweep_at(clock, minutes_after(incident, minute))

    assert step_mail(person, incident, label).count() == 1
    assert incident.events.filter(step__label=label, step__kind="ladder").count() == 1


@pytest.mark.parametrize(("tier", "minute", "who", "target"), RESPONSE)
def test_a_tier_that_does_not_acknowledge_in_time_pages_the_next_tier(
    crew, declare, clock, tier, minute, who, target
):
    # A P3 ladder pages nobody beyond the primary, so these pages come from §3.1 alone; it is
    # client-facing, or D9 §4.3 would keep it with the On-Call (tests/incidents/test_p3_…).
    incident = declare("P3", client_facing=True)
    label = f"{tier} has not acknowledged within"

    sweep_at(clock, minutes_after(incident, minute - 1))
    assert not Notification.objects.filter(recipient=crew[who], subject__contains=label).exists()
    sweep_at(clock, minutes_after(incident, minute))

    mail = Notification.objects.get(recipient=crew[who], subject__contains=label)
    assert mail.subject.endswith(f"page {target}")
    assert mail.subject.startswith(f"[P3 #{incident.pk}] PAGE: ")


def test_acknowledging_stops_the_response_track_but_not_the_ladder(crew, declare, clock):
    incident = declare("P1")
    clock.move_to(minutes_after(incident, 10), tick=False)
    services.acknowledge(incident=incident, actor=crew["primary"])

    sweep_at(clock, minutes_after(incident, 200))

    assert not Notification.objects.filter(subject__contains="has not acknowledged").exists()
    assert step_mail(crew["sre_lead"], incident, "SRE Lead").count() == 1


def test_if_unresolved_steps_do_not_fire_once_resolved(crew, declare, clock):
    incident = declare("P2")
    services.acknowledge(incident=incident, actor=crew["primary"])
    clock.move_to(minutes_after(incident, 59), tick=False)
    services.resolve(
        incident=incident, actor=crew["primary"], root_cause="Disk full", resolution="Freed"
    )

    sweep_at(clock, minutes_after(incident, 120))

    assert not step_mail(crew["owner"], incident, "Ingestion Owner if unresolved").exists()
    assert not incident.steps.filter(fired_at__isnull=True, cancelled_at__isnull=True).exists()


def test_a_p3_unresolved_at_sixty_minutes_gets_a_follow_up_ticket(crew, declare, clock):
    incident = declare("P3")
    services.acknowledge(incident=incident, actor=crew["primary"])
    sweep_at(clock, minutes_after(incident, 60))

    incident.refresh_from_db()
    assert incident.tickets.get(review=None).assignee == crew["primary"]
    sweep_at(clock, minutes_after(incident, 90))
    assert step_mail(crew["primary"], incident, "Ticket if unresolved").count() == 1
