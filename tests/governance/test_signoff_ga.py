"""D9 §6.2 GA sign-off: each of Owner, PM and SRE Lead confirms their statement (GaConfirmation
rows); any single veto blocks; GA declaration notifies per D9 §7.1/7.2."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from governance.models import ApprovalDecision, GaConfirmation, PhaseAdvance
from governance.rollout import services as rollout
from tests.helpers.signoffs import mails, phase, set_phase

pytestmark = pytest.mark.django_db


@pytest.fixture
def ga_review(owner, pm, sre_lead, db_owner):
    set_phase("P3")
    return rollout.request_phase_advance(actor=db_owner, criteria="GA criteria met.")


def statement_of(role_key: str) -> str:
    return GaConfirmation.objects.get(role__key=role_key).statement


def test_each_ga_approver_confirms_their_own_statement(ga_review, owner, pm, sre_lead):
    for person in (owner, pm, sre_lead):
        rollout.sign(request=ga_review.approval, actor=person, confirmed=True)
    decisions = {d.role.key: d.statement for d in ApprovalDecision.objects.all()}
    for key in ("ingestion_owner", "product_manager", "sre_lead"):
        assert statement_of(key) in decisions[key]
    assert phase() == "P4"
    assert rollout.current_rollout().ga_declared_at is not None


def test_a_ga_sign_off_without_confirming_the_statement_is_refused(ga_review, pm):
    with pytest.raises(ValidationError, match="Client feedback acceptable, no blockers"):
        rollout.sign(request=ga_review.approval, actor=pm, confirmed=False)
    assert not ApprovalDecision.objects.exists()


def test_the_statement_follows_the_policy_row(ga_review, pm):
    row = GaConfirmation.objects.get(role__key="product_manager")
    row.statement = "Clients signed the acceptance letter"
    row.save()
    rollout.sign(request=ga_review.approval, actor=pm, confirmed=True)
    assert "Clients signed the acceptance letter" in ApprovalDecision.objects.get().statement


@pytest.mark.parametrize("vetoer", ["owner", "pm", "sre_lead"])
def test_any_single_veto_blocks_ga(ga_review, owner, pm, sre_lead, vetoer):
    people = {"owner": owner, "pm": pm, "sre_lead": sre_lead}
    rollout.veto(request=ga_review.approval, actor=people[vetoer], reason="Not ready.")
    for name, person in people.items():
        if name != vetoer:
            rollout.sign(request=ga_review.approval, actor=person, confirmed=True)
    ga_review.refresh_from_db()
    assert ga_review.status == PhaseAdvance.Status.VETOED
    assert phase() == "P3"


def test_a_non_ga_approver_cannot_sign_ga(ga_review, support):
    with pytest.raises(PermissionDenied):
        rollout.sign(request=ga_review.approval, actor=support, confirmed=True)
    assert not ApprovalDecision.objects.exists()


def test_ga_declaration_mails_stakeholders_and_asks_the_pm_to_announce(
    ga_review, owner, pm, sre_lead, support
):
    for person in (owner, pm, sre_lead):
        rollout.sign(request=ga_review.approval, actor=person, confirmed=True)
    for person in (owner, pm, sre_lead, support):
        assert mails("ga-declared", person).count() == 1
    asks = mails("ga-communicate", pm)
    assert sorted(n.subject for n in asks) == [
        "Your part: GA announcement (Blog + email)",
        "Your part: GA declaration (#general + email)",
    ]
    assert not mails("ga-communicate", owner).exists()


def test_the_ga_page_shows_my_statement_and_requires_the_tick(client, ga_review, sre_lead):
    client.force_login(sre_lead)
    url = reverse("rollout:signoff", args=[ga_review.approval_id])
    page = client.get(url)
    assert "I confirm: Infra stable, monitoring adequate, on-call trained" in page.text
    response = client.post(
        reverse("rollout:decide", args=[ga_review.approval_id]), {"verdict": "approve"}
    )
    assert response.status_code == 400
    assert "Confirm your GA statement" in response.text
    assert not ApprovalDecision.objects.exists()
    response = client.post(
        reverse("rollout:decide", args=[ga_review.approval_id]),
        {"verdict": "approve", "confirmed": "on"},
    )
    assert response.status_code == 302
    assert ApprovalDecision.objects.get().person == sre_lead
