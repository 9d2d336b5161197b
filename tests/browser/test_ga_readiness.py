"""In a real browser, without JavaScript: the GA gate page shows the evidence beside each
D9 §6.2 statement, and the SRE Lead records "on-call trained" there (issue 17 point 6);
screenshots at 1280 and 390 px, no sideways overflow on a phone."""

import pytest

from governance.models import OnCallTrainedAttestation
from governance.rollout import services as rollout
from tests.helpers.screens import WIDTHS, shoot, signed_in_page, with_password
from tests.helpers.signoffs import set_phase


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_gate_page_shows_ga_readiness_and_takes_the_attestation(
    browser, live_server, settings, rotation, owner, pm, sre_lead, db_owner
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with_password(sre_lead, pm)
    set_phase("P3")
    request = rollout.request_phase_advance(actor=db_owner, criteria="GA criteria met.").approval
    gate = f"/rollout/sign-offs/{request.pk}/"

    page = signed_in_page(browser, live_server.url, sre_lead.username)
    page.goto(gate)
    assert "On-call readiness (D9 §3.4)" in page.inner_text("#statement-sre_lead")
    page.fill("#id_attest_statement", "All four engineers shadowed a shift and reviewed D8.")
    page.click("#attest-form button")
    page.wait_for_selector("text=attestation is recorded")
    assert "shadowed a shift" in page.inner_text("#attestations")
    page.context.close()
    assert OnCallTrainedAttestation.objects.get().attested_by == sre_lead

    for width in WIDTHS:
        page = signed_in_page(browser, live_server.url, pm.username, width=width)
        page.goto(gate)
        assert page.locator("#phase-figures").count() == 1
        assert not shoot(page, "ga-gate"), f"overflows sideways at {width} px"
        page.context.close()
