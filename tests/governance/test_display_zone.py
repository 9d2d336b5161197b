"""Each person reads times in their own zone (issue 12 point 9): a setting on their page beside
/account/channels/, activated for every request; a rotation's pages keep the rotation's local
time (D9 §3.2 "Monday 09:00 local time")."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from governance.models import DisplayZone, Severity
from governance.notifications import services
from incidents import services as incidents
from rotations import reminders
from rotations.models import Handoff

pytestmark = pytest.mark.django_db


def test_a_person_sets_their_own_zone_and_nobody_else_does(make_user, outsider):
    """The denied twin: another person cannot set it; a bad zone names the field."""
    alice = make_user("alice")
    services.set_display_zone(actor=alice, user=alice, time_zone="America/New_York")
    assert DisplayZone.objects.get(user=alice).time_zone == "America/New_York"
    with pytest.raises(PermissionDenied, match="Only the person themselves"):
        services.set_display_zone(actor=outsider, user=alice, time_zone="Asia/Tokyo")
    with pytest.raises(ValidationError) as error:
        services.set_display_zone(actor=alice, user=alice, time_zone="Mars/Olympus")
    assert "time_zone" in error.value.message_dict
    assert DisplayZone.objects.get(user=alice).time_zone == "America/New_York"
    services.set_display_zone(actor=alice, user=alice, time_zone="")
    assert not DisplayZone.objects.filter(user=alice).exists()


def test_the_page_sets_the_zone_and_pages_show_times_in_it(client, rotation, primary, outsider):
    """The page beside /account/channels/; an incident page then shows New York times, while
    the rotation's handoff page keeps London's (the rotation's zone)."""
    incident, _ = incidents.open_incident(
        actor=outsider, title="Uploads failing", severity=Severity.objects.get(key="P2")
    )
    client.force_login(outsider)
    assert "The zone I read times in" in client.get("/account/channels/").content.decode()
    bad = client.post("/account/time-zone/", {"time_zone": "Nowhere/Else"})
    assert bad.status_code == 400 and "is not a time zone" in bad.content.decode()
    assert client.post("/account/time-zone/", {"time_zone": "America/New_York"}).status_code == 302
    opened = incident.opened_at.astimezone(zoneinfo.ZoneInfo("America/New_York"))
    page = client.get(incident.get_absolute_url()).content.decode()
    assert f"{opened:%Y-%m-%d %H:%M} EST" in page

    reminders.keep_generated(now=timezone.now())
    handoff = Handoff.objects.filter(rotation=rotation, at__gt=timezone.now()).first()
    local = handoff.at.astimezone(rotation.zone)
    handoff_page = client.get(reverse("rotations:handoff", args=[handoff.pk])).content.decode()
    assert f"{local:%H:%M} ({rotation.time_zone})" in handoff_page
    assert local.hour == 9 and datetime.time(9) == rotation.handoff_time
