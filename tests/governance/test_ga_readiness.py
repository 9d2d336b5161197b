"""GA readiness on the gate page (issue 17 point 6, D9 §6.2): time in each phase, incidents and
MTTA/MTTR per phase, open follow-ups and reviews, the SRE Lead's "on-call trained" attestation
and the launch checklist, beside the statements they back; the figures come from the incidents
and rotations apps through the readiness-source registry."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from governance.models import OnCallTrainedAttestation, PhaseTransition, Severity
from governance.rollout import readiness
from governance.rollout import services as rollout
from incidents.models import Incident
from tests.helpers.signoffs import set_phase

pytestmark = pytest.mark.django_db

START = datetime.datetime(2030, 1, 1, 9, 0, tzinfo=datetime.UTC)
NOW = START + datetime.timedelta(days=20)


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def phases(owner):
    """P0 from 1 Jan 09:00, P1 from 11 Jan 09:00 (ten days later), still in P1."""
    current = rollout.current_rollout()
    current.created_at = START
    current.phase = "P1"
    current.save()
    PhaseTransition.objects.create(
        rollout=current,
        from_phase="P0",
        to_phase="P1",
        kind=PhaseTransition.Kind.ADVANCE,
        at=START + datetime.timedelta(days=10),
        actor=owner,
    )
    return current


def incident(opened, ack_minutes=None, resolve_minutes=None, severity="P2"):
    return Incident.objects.create(
        title="Uploads failing",
        severity=Severity.objects.get(key=severity),
        opened_at=opened,
        ladder_started_at=opened,
        acknowledged_at=opened + datetime.timedelta(minutes=ack_minutes) if ack_minutes else None,
        resolved_at=opened + datetime.timedelta(minutes=resolve_minutes)
        if resolve_minutes
        else None,
        status="resolved" if resolve_minutes else "investigating",
    )


def test_time_incidents_and_mtta_mttr_in_each_phase(phases):
    incident(START + datetime.timedelta(days=1), 10, 60, "P1")
    incident(START + datetime.timedelta(days=2), 20, 120)
    incident(START + datetime.timedelta(days=12), 4, 30)

    result = readiness.ga_readiness(phases)
    rows = {
        span.phase: (time, {f.label: f.value for f in figures})
        for span, time, figures in result.phase_rows
    }
    assert rows["P0"] == (
        "10 d 0 h",
        {"Incidents": "2 (P1 1, P2 1)", "MTTA": "15 min", "MTTR": "1 h 30 min"},
    )
    assert rows["P1"] == ("10 d 0 h", {"Incidents": "1 (P2 1)", "MTTA": "4 min", "MTTR": "30 min"})


def facts_of(result, role_key):
    return {
        fact.label: fact.value
        for confirmation, facts in result.statements
        if confirmation.role.key == role_key
        for fact in facts
    }


def test_each_statement_has_its_evidence_beside_it(phases, rotation, owner, sre_lead, pm, client):
    incident(NOW - datetime.timedelta(hours=1))  # still open
    result = readiness.ga_readiness(phases)
    owner_facts = facts_of(result, "ingestion_owner")
    assert owner_facts["Open incidents now"] == "1"
    assert owner_facts["Open follow-up tickets"] == "0"
    assert owner_facts["Launch checklist"] == "no launch started"
    assert (
        "4 of 4 roster engineer(s)" in facts_of(result, "sre_lead")["On-call readiness (D9 §3.4)"]
    )
    assert facts_of(result, "sre_lead")["“On-call trained” attestation"] == "not recorded yet"
    assert facts_of(result, "product_manager")["Blockers now"] != "none"  # the open P2 blocks

    client.force_login(pm)
    page = client.get(reverse("rollout:overview")).content.decode()
    assert 'id="statement-sre_lead"' in page and "On-call readiness (D9 §3.4)" in page
    assert 'id="phase-figures"' in page and "10 d 0 h" in page


def test_the_sre_lead_records_on_call_trained_from_the_gate_page(
    phases, rotation, sre_lead, client
):
    client.force_login(sre_lead)
    response = client.post(
        reverse("rollout:attest_on_call_trained"), {"statement": "All four shadowed a shift."}
    )
    assert response.status_code == 302
    attestation = OnCallTrainedAttestation.objects.get()
    assert attestation.attested_by == sre_lead
    assert "4 of 4 roster engineer(s)" in attestation.evidence
    assert attestation.history.get().history_user == sre_lead
    page = client.get(reverse("rollout:overview")).content.decode()
    assert "All four shadowed a shift." in page


def test_only_the_sre_lead_attests_on_call_trained(phases, owner, pm, client):
    for person in (owner, pm):
        with pytest.raises(PermissionDenied, match="Only the SRE Lead"):
            readiness.attest_on_call_trained(rollout=phases, actor=person, statement="Trained.")
        client.force_login(person)
        assert 'id="attest-form"' not in client.get(reverse("rollout:overview")).content.decode()
        response = client.post(
            reverse("rollout:attest_on_call_trained"), {"statement": "Trained."}, follow=True
        )
        assert "Only the SRE Lead" in response.content.decode()
    assert not OnCallTrainedAttestation.objects.exists()


def test_an_empty_attestation_is_refused_with_its_reason(phases, sre_lead, client):
    client.force_login(sre_lead)
    response = client.post(
        reverse("rollout:attest_on_call_trained"), {"statement": " "}, follow=True
    )
    assert "Write what you attest" in response.content.decode()
    assert not OnCallTrainedAttestation.objects.exists()


def test_the_ga_gate_page_shows_the_evidence(owner, pm, sre_lead, db_owner, client):
    set_phase("P3")
    request = rollout.request_phase_advance(actor=db_owner, criteria="GA criteria met.").approval
    client.force_login(pm)
    page = client.get(reverse("rollout:signoff", args=[request.pk])).content.decode()
    assert 'id="ga-readiness"' in page and "Launch checklist" in page


def test_the_evidence_costs_the_same_queries_for_few_or_many_incidents(phases, rotation):
    counts = []
    for count in (2, 20):
        for number in range(count):
            incident(START + datetime.timedelta(days=number % 19, hours=1), 5, 50)
        with CaptureQueriesContext(connection) as queries:
            readiness.ga_readiness(phases)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
