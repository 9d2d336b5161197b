"""The home that knows you (issue 17 §1): your D9 roles now and until when, what waits on you
with its action in place (plain POST forms), then the team; the same queries at any size."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from governance import authority
from governance.models import RoleAssignment, Severity
from governance.portal import home
from incidents import selectors as incident_selectors
from incidents import services as incidents
from rotations import services as rotations
from rotations.models import SwapRequest

pytestmark = pytest.mark.django_db
# A Wednesday 10:00 UTC, away from the Monday 09:00 handoff.
START = datetime.datetime(2030, 1, 16, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


@pytest.fixture
def _open(make_user):
    """`_open(title, severity)`: an incident opened now by the alerting system."""
    alerter = make_user("alertmanager")

    def open_it(title="Uploads failing", severity="P2"):
        incident, _ = incidents.open_incident(
            actor=alerter, title=title, severity=Severity.objects.get(key=severity)
        )
        return incident

    return open_it


def _waiting(page: str) -> str:
    section = page[page.index('id="waiting"') :]
    return section[: section.index("</section>")]


def test_the_primary_reads_their_tier_until_the_handoff(client, primary, on_call_now):
    client.force_login(primary)
    page = client.get(reverse("dashboard")).content.decode()
    until = timezone.localtime(on_call_now.primary_until)
    assert f"You are <strong>On-Call Primary</strong> until {until:%a %-d %b %H:%M}" in page


def test_an_assigned_role_shows_its_last_day_and_an_outsider_holds_none(client, pm, outsider):
    RoleAssignment.objects.filter(role__key="product_manager").update(
        valid_to=datetime.date(2030, 3, 31)
    )
    client.force_login(pm)
    page = client.get(reverse("dashboard")).content.decode()
    assert "You are <strong>Product Manager</strong> until Sun 31 Mar" in page
    client.force_login(outsider)
    assert "You hold no D9 role right now." in client.get(reverse("dashboard")).content.decode()


def test_the_on_call_acknowledge_from_the_home_with_a_plain_form(_open, client, primary, secondary):
    incident = _open()
    for person in (primary, secondary):
        client.force_login(person)
        waiting = _waiting(client.get(reverse("dashboard")).content.decode())
        action = reverse("incidents:acknowledge", args=[incident.pk])
        assert f'action="{action}"' in waiting and f"Acknowledge #{incident.pk}" in waiting
    client.force_login(primary)
    assert client.post(reverse("incidents:acknowledge", args=[incident.pk])).status_code == 302
    incident.refresh_from_db()
    assert incident.acknowledged_by == primary
    assert "Nothing waits on you." in client.get(reverse("dashboard")).content.decode()


def test_someone_the_engine_refuses_gets_no_acknowledge_button(
    _open, client, primary, pm, outsider
):
    incident = _open()
    for person in (pm, outsider):
        assert not authority.decide(person, "incident.acknowledge", obj=incident)
        client.force_login(person)
        page = client.get(reverse("dashboard")).content.decode()
        assert reverse("incidents:acknowledge", args=[incident.pk]) not in _waiting(page)


def test_the_home_list_agrees_with_the_engine_for_every_incident_and_person(
    _open, people, db_owner, sre_lead
):
    open_ones = [_open(f"Incident {n}", severity) for n, severity in enumerate(["P1", "P2", "P3"])]
    resolved = _open("Already over")
    incidents.acknowledge(incident=resolved, actor=people["primary"])
    resolved.refresh_from_db()
    now = timezone.now()
    for person in [*people.values(), db_owner]:
        listed = {i.pk for i in incident_selectors.to_acknowledge(person, at=now)}
        allowed = {
            i.pk
            for i in [*open_ones, resolved]
            if authority.decide(person, "incident.acknowledge", obj=i, at=now)
            and not i.acknowledged_at
        }
        assert listed == allowed, person.username


def test_a_swap_asked_of_me_has_accept_and_decline_in_place(client, rotation, rotation_engineers):
    week = rotation.weeks.filter(starts_at__gt=timezone.now()).order_by("starts_at").first()
    colleague = next(
        e for e in rotation_engineers if e.pk not in (week.primary_id, week.secondary_id)
    )
    swap = rotations.request_swap(
        actor=week.primary,
        rotation=rotation,
        tier="primary",
        starts_at=week.starts_at,
        ends_at=week.ends_at,
        colleague=colleague,
    )
    client.force_login(colleague)
    waiting = _waiting(client.get(reverse("dashboard")).content.decode())
    assert f'action="{reverse("rotations:swap_detail", args=[swap.pk])}"' in waiting
    assert 'name="action" value="accept"' in waiting and 'value="decline"' in waiting
    client.post(reverse("rotations:swap_detail", args=[swap.pk]), {"action": "accept"})
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.ACCEPTED
    client.force_login(week.primary)
    assert 'value="accept"' not in _waiting(client.get(reverse("dashboard")).content.decode())


def test_the_coming_handoff_waits_on_its_outgoing_and_incoming_people(client, rotation, clock):
    weeks = rotation.weeks.filter(starts_at__gt=timezone.now()).order_by("starts_at")
    incoming = weeks[0]
    outgoing = rotation.weeks.get(ends_at=incoming.starts_at)
    clock.move_to(incoming.starts_at - datetime.timedelta(hours=2), tick=False)
    call_command("tick", stdout=StringIO())
    now = timezone.now()
    assert "incoming" in [h["side"] for h in home.waiting_on(incoming.primary, at=now).handoffs]
    waiting = home.waiting_on(outgoing.primary, at=now)
    assert "outgoing" in [h["side"] for h in waiting.handoffs]
    client.force_login(outgoing.primary)
    page = client.get(reverse("dashboard")).content.decode()
    assert reverse("rotations:handoff", args=[waiting.handoffs[0]["handoff"].pk]) in page
    clock.move_to(incoming.starts_at + datetime.timedelta(hours=2), tick=False)
    assert not home.waiting_on(outgoing.primary, at=timezone.now()).handoffs


def _home_queries(client, user) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("dashboard")).status_code == 200
    return len(queries)


def test_the_home_costs_the_same_queries_at_two_data_sizes(
    _open, client, primary, owner, make_user
):
    _open("First")
    _home_queries(client, primary)  # warm the per-process caches (content types, sites)
    small = _home_queries(client, primary), _home_queries(client, owner)
    for n in range(12):
        _open(f"Incident {n}", ["P1", "P2", "P3"][n % 3])
        make_user(f"bystander{n}")
    large = _home_queries(client, primary), _home_queries(client, owner)
    assert small == large


def test_the_demo_opens_calm_and_true(client, settings):
    settings.PORTAL_PRODUCTION = False
    call_command("seed_demo", stdout=StringIO())
    call_command("tick", stdout=StringIO())
    primary = authority.rotation_holders(timezone.now())["on_call_primary"]
    waiting = home.waiting_on(primary, at=timezone.now())
    assert not any(d["overdue"] for d in waiting.duties)
    assert [i.severity.key for i in waiting.incidents] == ["P3"]
    client.force_login(primary)
    page = client.get(reverse("dashboard")).content.decode()
    assert "overdue" not in page and "Time rules are not running" not in page
