"""Freeze the ladder, look people up live; severity changes; each step fires once."""

import datetime

import pytest
from django.utils import timezone

from governance.models import EscalationStep, Notification, RoleAssignment, Severity
from incidents import services
from incidents.escalation import escalate_due
from incidents.models import IncidentEvent, IncidentStep
from tests.conftest import assign
from tests.incidents.conftest import minutes_after, sweep_at


def pages_to(person, incident):
    return Notification.objects.filter(
        recipient=person, dedupe_key=f"incident:{incident.pk}:page:{person.pk}"
    )


def test_the_ladder_is_copied_onto_the_incident_at_opening(crew, declare):
    incident = declare("P1")
    ladder = incident.steps.filter(kind="ladder").order_by("due_at", "id")

    assert [(s.at_minute, s.label) for s in ladder] == [
        (0, "Primary acks"),
        (15, "Secondary joins"),
        (30, "Ingestion Owner joins"),
        (60, "SRE Lead"),
        (60, "PM"),
    ]


def test_a_policy_edit_after_opening_does_not_change_an_incident_in_flight(crew, declare, clock):
    incident = declare("P1")
    step = EscalationStep.objects.get(severity__key="P1", role__key="on_call_secondary")
    step.at_minute = 45
    step.save()

    sweep_at(clock, minutes_after(incident, 15))

    assert pages_to(crew["secondary"], incident).count() == 1
    later = declare("P1", title="Second")
    assert later.steps.get(key="ladder:on_call_secondary:joins").at_minute == 45


def test_the_person_paged_is_whoever_holds_the_role_when_the_step_fires(
    crew, declare, clock, make_user
):
    incident = declare("P1")
    new_owner = make_user("new_owner")
    assign("ingestion_owner", new_owner)

    sweep_at(clock, minutes_after(incident, 30))

    assert pages_to(new_owner, incident).count() == 1
    assert not pages_to(crew["owner"], incident).exists()


def test_the_backup_is_paged_while_the_primary_is_unavailable(crew, declare, clock, owner_backup):
    incident = declare("P1")
    RoleAssignment.objects.filter(role__key="ingestion_owner").update(
        primary_unavailable_until=timezone.now() + datetime.timedelta(days=1)
    )

    sweep_at(clock, minutes_after(incident, 30))

    assert pages_to(owner_backup, incident).count() == 1
    assert not pages_to(crew["owner"], incident).exists()


def test_a_step_fires_once_however_often_the_sweep_runs(crew, declare, clock):
    incident = declare("P1")
    for minute in (15, 15, 16, 30, 31):
        sweep_at(clock, minutes_after(incident, minute))

    assert pages_to(crew["secondary"], incident).count() == 1
    step = incident.steps.get(key="ladder:on_call_secondary:joins")
    assert IncidentEvent.objects.filter(step=step).count() == 1


def test_the_secondary_is_paged_once_although_two_tracks_name_them_at_fifteen(crew, declare, clock):
    incident = declare("P1")
    sweep_at(clock, minutes_after(incident, 16))

    assert pages_to(crew["secondary"], incident).count() == 1
    assert incident.steps.filter(fired_at__isnull=False, role__key="on_call_secondary").count() == 2


def test_upgrading_applies_the_new_ladder_from_the_upgrade_without_repeating_fired_steps(
    crew, declare, clock
):
    incident = declare("P2")
    services.acknowledge(incident=incident, actor=crew["primary"])
    sweep_at(clock, minutes_after(incident, 20))
    clock.move_to(minutes_after(incident, 20), tick=False)

    services.change_severity(
        incident=incident, actor=crew["primary"], severity=Severity.objects.get(key="P1")
    )

    upgrade = minutes_after(incident, 20)
    # "Primary acks" fired under P2: not repeated.
    assert pages_to(crew["primary"], incident).count() == 1
    sweep_at(clock, upgrade + datetime.timedelta(minutes=14))
    assert not pages_to(crew["secondary"], incident).exists()
    sweep_at(clock, upgrade + datetime.timedelta(minutes=15))
    assert pages_to(crew["secondary"], incident).count() == 1
    sweep_at(clock, upgrade + datetime.timedelta(minutes=30))
    assert pages_to(crew["owner"], incident).count() == 1
    # The P2 "Secondary notified at 30" no longer applies.
    assert incident.steps.get(key="ladder:on_call_secondary:notified").state == "cancelled"


def test_resolving_stops_both_tracks(crew, declare, clock):
    incident = declare("P1")
    clock.move_to(minutes_after(incident, 5), tick=False)
    services.resolve(
        incident=incident, actor=crew["primary"], root_cause="Bad deploy", resolution="Rollback"
    )

    sweep_at(clock, minutes_after(incident, 300))

    assert not pages_to(crew["secondary"], incident).exists()
    assert not incident.steps.filter(
        kind__in=["ladder", "response", "update"], fired_at__isnull=True, cancelled_at=None
    ).exists()


def test_nobody_holding_a_role_tells_the_list(declare, rotation, primary, secondary, clock):
    incident = declare("P1")
    sweep_at(clock, minutes_after(incident, 30))

    event = incident.events.get(step__key="ladder:ingestion_owner:joins")
    assert "nobody holds Ingestion Owner" in event.text
    assert Notification.objects.filter(
        address="ingestion-rollout@example.com", template="incident-escalation"
    ).exists()


@pytest.mark.parametrize("open_incidents", [1, 40])
def test_a_sweep_with_nothing_due_is_one_query_whatever_is_open(
    crew, declare, clock, django_assert_max_num_queries, open_incidents
):
    for number in range(open_incidents):
        declare("P3", title=f"Incident {number}")
    clock.move_to(timezone.now() + datetime.timedelta(minutes=5), tick=False)

    with django_assert_max_num_queries(2):
        assert escalate_due(now=timezone.now()) == "nothing due"


def test_sweep_cost_follows_what_is_due_not_what_is_open(
    crew, declare, clock, django_assert_max_num_queries
):
    incidents = [declare("P3", title=f"Incident {n}") for n in range(30)]
    IncidentStep.objects.filter(incident__in=incidents[1:]).update(
        due_at=timezone.now() + datetime.timedelta(days=1)
    )
    clock.move_to(minutes_after(incidents[0], 15), tick=False)

    # One incident with two due steps (primary resolves, response page): a fixed handful.
    with django_assert_max_num_queries(30):
        escalate_due(now=timezone.now())
