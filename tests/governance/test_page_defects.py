"""The small page defects of issue 17 §7, each pinned: RACI shown, the chosen week carried,
no preselected verdict, the requester's GA sign-off printed, actions in words, the evidence
pack scoped to its incident, one incident per declare form."""

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from governance.approvals import services as approvals
from governance.authority import Requirement
from governance.compliance.incident_scope import incident_requests
from governance.launch import services as launch
from governance.models import DutyInstance, DutySchedule, GaConfirmation, Role, Severity
from governance.rollout import services as rollout
from incidents import services as incidents
from incidents.models import Incident
from tests.helpers.signoffs import set_phase

pytestmark = pytest.mark.django_db


def test_the_launch_checklist_shows_the_raci_of_every_item(client, owner, pm, sre_lead, support):
    checklist = launch.start_launch(actor=owner, name="EU launch")
    client.force_login(owner)
    page = client.get(reverse("launch:detail", args=[checklist.pk])).content.decode()
    assert page.count("A: Ingestion Owner") == checklist.items.count() - 1  # Test upload: no A
    assert "R: Product Manager" in page  # Go/No-Go decision


def test_the_duty_page_names_the_roles_of_each_letter(client, owner, rotation, primary):
    schedule = DutySchedule.objects.get(activity__key="daily_health_review")
    now = timezone.now()
    instance = DutyInstance.objects.create(
        schedule=schedule,
        due_at=now,
        deadline_at=now,
        escalate_at=now,
        responsible_role=Role.objects.get(key="on_call"),
        assignee=primary,
    )
    client.force_login(primary)
    page = client.get(reverse("duties:detail", args=[instance.pk])).content.decode()
    assert "D9 §2.1: R = On-Call; A = Ingestion Owner; C = SRE Lead; I = " in page


def test_ask_for_cover_carries_the_chosen_week(client, rotation, primary):
    later = rotation.weeks.filter(primary=primary, starts_at__gt=timezone.now())
    week = later.order_by("starts_at")[1]  # not the next week: the form's old default
    client.force_login(primary)
    shifts = client.get(reverse("rotations:my_shifts")).content.decode()
    link = f"{reverse('rotations:swap_new', args=[rotation.slug])}?week={week.pk}"
    assert f'href="{link}"' in shifts
    form = client.get(link).context["form"]
    local = week.starts_at.astimezone(rotation.zone).strftime("%Y-%m-%dT%H:%M")
    assert form.initial["starts_at"] == local and form.initial["tier"] == "primary"
    unknown = client.get(f"{reverse('rotations:swap_new', args=[rotation.slug])}?week=999999")
    assert unknown.status_code == 200  # a stale week falls back to the next one


def test_the_decision_form_preselects_nothing_even_right_after_a_veto(
    client, owner, pm, sre_lead, db_owner
):
    set_phase("P3")
    review = rollout.request_phase_advance(actor=db_owner, criteria="GA criteria met.")
    client.force_login(pm)
    client.post(
        reverse("rollout:decide", args=[review.approval.pk]),
        {"verdict": "veto", "statement": "Client feedback pending."},
    )
    page = client.get(reverse("rollout:signoff", args=[review.approval.pk])).content.decode()
    form = page[page.index("Your decision") :]
    assert 'name="verdict"' in form and "checked" not in form


def test_the_printed_ga_record_has_the_owners_own_sign_off(client, owner, pm, sre_lead):
    set_phase("P3")
    review = rollout.request_phase_advance(actor=owner, criteria="All met.", confirmed=True)
    client.force_login(pm)
    page = client.get(reverse("rollout:signoff_print", args=[review.approval.pk])).content
    row = page.decode().split('<tr class="requester">')[1].split("</tr>")[0]
    statement = GaConfirmation.objects.get(role__key="ingestion_owner").statement
    assert "Olivia Owner" in row and "Ingestion Owner" in row and "Approve (as requester)" in row
    assert statement in row


def test_the_evidence_pack_holds_only_its_own_incidents_decisions(crew_for_comms):
    first, second = crew_for_comms["incidents"]
    pack_of = {i.pk: incident_requests(i) for i in (first, second)}
    own = crew_for_comms["requests"]
    assert set(pack_of[first.pk]) == {own[first.pk]}
    assert set(pack_of[second.pk]) == {own[second.pk]}


@pytest.fixture
def crew_for_comms(make_user, owner):
    """Two overlapping incidents, each with an approval request about its own object."""
    from governance.models import CommunicationRule
    from incidents.models import ClientCommunication

    alerter = make_user("alertmanager")
    opened = [
        incidents.open_incident(
            actor=alerter, title=f"Incident {n}", severity=Severity.objects.get(key="P2")
        )[0]
        for n in (1, 2)
    ]
    requests = {}
    for incident in opened:
        communication = ClientCommunication.objects.create(
            incident=incident,
            rule=CommunicationRule.objects.first(),
            title=incident.title,
            status_page_text="We are investigating.",
            email_text="We are investigating.",
            drafted_at=timezone.now(),
            drafted_by=owner,
        )
        requests[incident.pk] = approvals.request_approval(
            kind="incident.client_comm",
            target=communication,
            title=f"Client communication of #{incident.pk}",
            requester=owner,
            requirements=[Requirement(role="ingestion_owner")],
        )
    return {"incidents": opened, "requests": requests}


def test_back_and_resubmit_declares_one_incident(client, rotation, primary, outsider):
    client.force_login(outsider)
    page = client.get(reverse("incidents:declare")).content.decode()
    token = page.split('name="declare_token" value="')[1].split('"')[0]
    form = {"title": "Uploads stuck", "severity": "P2", "impact": "Two", "declare_token": token}
    first = client.post(reverse("incidents:declare"), form)
    again = client.post(reverse("incidents:declare"), form, follow=True)
    incident = Incident.objects.get()
    assert first.url == again.redirect_chain[-1][0] == incident.get_absolute_url()
    assert "already declared" in again.content.decode()
    other = client.get(reverse("incidents:declare")).content.decode()
    assert token not in other  # a fresh form, a fresh token


def test_the_service_opens_one_incident_per_token_and_person(make_user, primary):
    alice, bob = make_user("alice"), make_user("bob")
    token = uuid.uuid4().hex
    p2 = Severity.objects.get(key="P2")
    first, created = incidents.open_incident(
        actor=alice, title="x", severity=p2, declare_token=token
    )
    assert created
    incidents.acknowledge(incident=first, actor=primary)
    again, created = incidents.open_incident(
        actor=alice, title="x", severity=p2, declare_token=token
    )
    assert again == first and not created
    theirs, created = incidents.open_incident(
        actor=bob, title="x", severity=p2, declare_token=token
    )
    assert created and theirs != first


def test_declaring_without_the_token_is_refused_next_to_the_form(client, outsider):
    client.force_login(outsider)
    response = client.post(
        reverse("incidents:declare"), {"title": "x", "severity": "P2", "impact": "y"}
    )
    assert response.status_code == 200 and "one-time token" in response.content.decode()
    assert not Incident.objects.exists()


def test_who_may_lists_actions_in_words_never_codes(client, outsider):
    client.force_login(outsider)
    page = client.get(reverse("who_may")).content.decode()
    assert ">Decide an approval request<" in page and ">approval.decide<" not in page
    assert ">Decide: Schema change (D9 §8)<" in page
    answer = client.get(reverse("who_may"), {"action": "approval.decide"}).content.decode()
    assert "Decide an approval request: you" in answer and "Name the approval request" in answer


def test_every_registered_action_has_its_words():
    from governance.authority.engine import RULES
    from governance.authority.labels import ACTION_LABELS

    assert set(RULES) - set(ACTION_LABELS) == set()
