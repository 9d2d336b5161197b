"""D9 §7.1 and §7.3: messages from the templates, mailed, every 30 min, overdue reminders."""

import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from governance.models import ApiToken, Notification
from incidents import services
from incidents.models import IncidentUpdate
from tests.incidents.conftest import START, minutes_after, sweep_at


def test_opening_posts_the_incident_start_message_exactly(crew, declare):
    incident = declare("P1", impact="Uploads failing for all clients")

    start = incident.updates.get(kind=IncidentUpdate.Kind.START)
    assert start.body == (
        "🔴 INCIDENT: Ingestion P1\n"
        "Time: 2030-01-16 10:00 GMT\n"
        "Impact: Uploads failing for all clients\n"
        "Status: Investigating\n"
        f"On-Call: {crew['primary'].get_full_name()}\n"
        "Next update: 2030-01-16 10:30 GMT"
    )
    assert Notification.objects.filter(
        address="ingestion-rollout@example.com", subject__startswith="🔴 INCIDENT"
    ).exists()


def test_an_update_uses_the_template_and_goes_to_the_list_and_everyone_paged(crew, declare, clock):
    incident = declare("P1")
    sweep_at(clock, minutes_after(incident, 16))
    clock.move_to(minutes_after(incident, 20), tick=False)

    update = services.post_update(
        incident=incident,
        actor=crew["primary"],
        status="mitigating",
        findings="Queue backlog",
        next_steps="Scale workers",
    )

    assert update.body == (
        "🟡 UPDATE: Ingestion P1\n"
        "Time: 2030-01-16 10:20 GMT\n"
        "Status: mitigating\n"
        "Findings: Queue backlog\n"
        "Next steps: Scale workers\n"
        "Next update: 2030-01-16 10:50 GMT"
    )
    mailed = set(
        Notification.objects.filter(
            template="incident-message", subject__startswith="🟡"
        ).values_list("address", flat=True)
    )
    assert mailed == {
        "ingestion-rollout@example.com",
        crew["primary"].email,
        crew["secondary"].email,
    }


def test_an_outsider_may_not_post_an_update(crew, declare, outsider):
    incident = declare("P1")
    with pytest.raises(PermissionDenied):
        services.post_update(
            incident=incident, actor=outsider, status="mitigating", findings="x", next_steps="y"
        )
    assert incident.updates.count() == 1


def test_an_overdue_update_reminds_the_on_call_once_per_missed_slot(crew, declare, clock):
    incident = declare("P1")

    def reminders():
        return Notification.objects.filter(
            template="incident-reminder", recipient=crew["primary"]
        ).count()

    sweep_at(clock, minutes_after(incident, 29))
    assert reminders() == 0
    sweep_at(clock, minutes_after(incident, 30))
    sweep_at(clock, minutes_after(incident, 45))
    assert reminders() == 1
    sweep_at(clock, minutes_after(incident, 60))
    assert reminders() == 2


def test_posting_an_update_moves_the_reminder_to_the_new_slot(crew, declare, clock):
    incident = declare("P2")
    clock.move_to(minutes_after(incident, 25), tick=False)
    services.post_update(
        incident=incident,
        actor=crew["primary"],
        status="investigating",
        findings="a",
        next_steps="b",
    )

    sweep_at(clock, minutes_after(incident, 54))
    assert not Notification.objects.filter(template="incident-reminder").exists()
    sweep_at(clock, minutes_after(incident, 55))
    assert Notification.objects.filter(template="incident-reminder").exists()


def test_resolving_needs_root_cause_and_resolution(crew, declare):
    incident = declare("P2")
    with pytest.raises(ValidationError) as error:
        services.resolve(incident=incident, actor=crew["primary"], root_cause="", resolution=" ")
    assert set(error.value.error_dict) == {"root_cause", "resolution"}
    incident.refresh_from_db()
    assert incident.is_open


def test_resolving_posts_the_resolved_message_exactly(crew, declare, clock):
    incident = declare("P2")
    clock.move_to(START + datetime.timedelta(hours=1, minutes=5), tick=False)

    services.resolve(
        incident=incident, actor=crew["primary"], root_cause="Bad config", resolution="Reverted"
    )

    assert incident.updates.get(kind=IncidentUpdate.Kind.RESOLVED).body == (
        "🟢 RESOLVED: Ingestion P2\n"
        "Time: 2030-01-16 11:05 GMT\n"
        "Duration: 1 hours 5 minutes\n"
        "Root cause: Bad config\n"
        "Resolution: Reverted\n"
        "Follow-up: N"
    )


def test_the_next_update_cannot_be_promised_later_than_the_policy_cadence(crew, declare, clock):
    """Issue 12 point 7, D9 §7.1 "Every 30 min": the service refuses a next update later than
    the cadence, naming the field; at the cadence it is accepted (the twin)."""
    incident = declare("P2")
    later = timezone.now() + datetime.timedelta(minutes=1440)
    with pytest.raises(ValidationError) as error:
        services.post_update(
            incident=incident,
            actor=crew["primary"],
            status="investigating",
            findings="a",
            next_steps="b",
            next_update_at=later,
        )
    assert "within 30 minutes" in error.value.message_dict["next_update_at"][0]
    assert not incident.updates.filter(kind=IncidentUpdate.Kind.UPDATE).exists()
    services.post_update(
        incident=incident,
        actor=crew["primary"],
        status="investigating",
        findings="a",
        next_steps="b",
        next_update_at=timezone.now() + datetime.timedelta(minutes=30),
    )
    assert incident.updates.filter(kind=IncidentUpdate.Kind.UPDATE).count() == 1


def test_the_update_form_refuses_1440_minutes_next_to_the_field(client, crew, declare, clock):
    """D9 §7.1 through the page: "Next update in (minutes)" accepts at most 30; 1440 is a
    400 with the error beside the field, and nothing is posted."""
    incident = declare("P2")
    client.force_login(crew["primary"])
    data = {"status": "investigating", "findings": "a", "next_steps": "b"}
    response = client.post(f"/incidents/{incident.pk}/update/", {**data, "next_update_in": 1440})
    assert response.status_code == 400
    assert "At most 30 minutes" in response.context["update_form"].errors["next_update_in"][0]
    assert not incident.updates.filter(kind=IncidentUpdate.Kind.UPDATE).exists()
    ok = client.post(f"/incidents/{incident.pk}/update/", {**data, "next_update_in": 30})
    assert ok.status_code == 302


def test_the_api_refuses_a_next_update_later_than_the_cadence_naming_the_field(
    client, crew, declare, clock
):
    """D9 §7.1 through the lifecycle API: a 400 naming `next_update_at`."""
    incident = declare("P2")
    later = (timezone.now() + datetime.timedelta(days=1)).isoformat()
    response = client.post(
        f"/api/incidents/{incident.pk}/updates/",
        data=json.dumps(
            {"status": "mitigating", "findings": "a", "next_steps": "b", "next_update_at": later}
        ),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(user=crew['primary'])[1]}",
    )
    assert response.status_code == 400 and response.json()["field"] == "next_update_at"
