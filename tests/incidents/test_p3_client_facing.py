"""D9 §4.3 "P3: Resolve or ticket — No escalation unless client-facing" (issue 12 point 6): an
unacknowledged P3 that is not client-facing pages nobody above the On-Call; a client-facing P3
(declared so, or marked so later by someone involved) escalates as the §3.1 track says."""

import uuid

import pytest
from django.core.exceptions import PermissionDenied

from governance.models import Notification
from incidents import services
from incidents.models import Incident, IncidentEvent
from tests.incidents.conftest import minutes_after, sweep_at


def paged(person, incident) -> bool:
    return Notification.objects.filter(
        recipient=person, dedupe_key__startswith=f"incident:{incident.pk}:"
    ).exists()


def test_an_unacknowledged_p3_pages_nobody_above_the_on_call(crew, declare, clock):
    """D9 §4.3: minute 45 (Owner) and 105 (SRE Lead) of the §3.1 track pass without a page;
    the secondary, an On-Call tier, is still paged at 15; the timeline says why."""
    incident = declare("P3")
    for minute in (15, 45, 60, 105, 200):
        sweep_at(clock, minutes_after(incident, minute))
    assert paged(crew["secondary"], incident)
    assert not paged(crew["owner"], incident) and not paged(crew["sre_lead"], incident)
    held = IncidentEvent.objects.filter(incident=incident, text__contains="D9 §4.3 P3")
    assert held.count() == 2


def test_a_client_facing_p3_escalates(crew, declare, clock):
    """D9 §4.3, the twin: declared client-facing, the P3 pages the Owner at 45 min."""
    incident = declare("P3", client_facing=True)
    sweep_at(clock, minutes_after(incident, 44))
    assert not paged(crew["owner"], incident)
    sweep_at(clock, minutes_after(incident, 45))
    assert paged(crew["owner"], incident)


def test_a_p3_marked_client_facing_before_minute_45_escalates(crew, declare, clock):
    """D9 §4.3: marked client-facing at minute 30 by the primary, the Owner is paged at 45."""
    incident = declare("P3")
    clock.move_to(minutes_after(incident, 30), tick=False)
    services.mark_client_facing(incident=incident, actor=crew["primary"])
    sweep_at(clock, minutes_after(incident, 45))
    assert paged(crew["owner"], incident)
    assert IncidentEvent.objects.filter(
        incident=incident, kind=IncidentEvent.Kind.CLIENT_FACING
    ).exists()


def test_someone_not_involved_may_not_mark_it_client_facing(crew, declare, outsider):
    """The denied twin (D9 §7.1 involvement, as for an update)."""
    incident = declare("P3")
    with pytest.raises(PermissionDenied, match="Only people involved"):
        services.mark_client_facing(incident=incident, actor=outsider)
    assert not Incident.objects.get(pk=incident.pk).client_facing


def test_the_incident_page_marks_it_client_facing_and_refuses_an_outsider(
    client, crew, declare, outsider
):
    """Through the page's form: the On-Call marks it; an outsider gets 403 with the reason."""
    incident = declare("P3")
    url = f"/incidents/{incident.pk}/client-facing/"
    client.force_login(outsider)
    denied = client.post(url)
    assert denied.status_code == 403 and "Only people involved" in denied.content.decode()
    assert not Incident.objects.get(pk=incident.pk).client_facing
    client.force_login(crew["primary"])
    assert 'id="client-facing-form"' in client.get(incident.get_absolute_url()).content.decode()
    assert client.post(url).status_code == 302
    assert Incident.objects.get(pk=incident.pk).client_facing


def test_the_declare_page_sets_client_facing(client, crew):
    """D9 §4.3: the declare page's field is the incident's."""
    client.force_login(crew["primary"])
    client.post(
        "/incidents/declare/",
        {
            "title": "One upload stuck",
            "severity": "P3",
            "impact": "acme",
            "client_facing": "on",
            "declare_token": uuid.uuid4().hex,
        },
    )
    assert Incident.objects.get(title="One upload stuck").client_facing
