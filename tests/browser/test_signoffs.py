"""Browser: the GA sign-off by Owner, PM and SRE Lead in turn; a rollback form filled and
printed (D9 §6.2, §6.4)."""

import pytest

from governance.models import Phase, RollbackSignOff
from governance.rollout import services as rollout
from tests.helpers.signoffs import future, set_phase

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def switch_to(page, login, username):
    page.context.clear_cookies()
    login(username)


def test_owner_pm_and_sre_lead_sign_ga_in_turn(page, login, owner, pm, sre_lead, db_owner):
    set_phase("P3")
    switch_to(page, login, "db_owner")
    page.goto("/rollout/")
    page.fill("#id_criteria", "Error rate < 0.1% for 14 days; clients accepted.")
    page.click("text=Ask to pass P3 → P4")
    page.wait_for_selector("text=Gate review opened")
    for username in ("owner", "pm", "sre_lead"):
        switch_to(page, login, username)
        page.goto("/rollout/sign-offs/")
        page.click("#waiting a")
        page.check("input[name=confirmed]")
        page.check("input[name=verdict][value=approve]")
        page.click("text=Record my decision")
        page.wait_for_selector("text=Your decision is recorded.")
    page.goto("/rollout/")
    assert page.inner_text("#current-phase") == "P4"
    assert rollout.current_rollout().phase == Phase.P4


def test_a_rollback_form_is_filled_and_printed(page, login, owner, pm):
    set_phase("P2")
    switch_to(page, login, "owner")
    page.goto("/rollout/rollback/")
    page.check("text=Planned (bug found)")
    page.select_option("#id_to_phase", "P1")
    page.check("text=Error rate exceeded threshold")
    page.check("text=Other")
    page.fill("#id_other_reason", "Duplicate rows")
    page.select_option("#id_approved_by", label="Priya Mehta")
    page.select_option("#id_investigation_assignee", label="Olivia Owner")
    page.fill("#id_re_ramp_on", future(10).isoformat())
    page.check("input[name=client_communication][value=required]")
    page.click("text=Sign and submit")
    page.wait_for_selector("#rollback-block")
    page.emulate_media(media="print")
    block = page.inner_text("#rollback-block")
    assert "Rolled back from: P2" in block
    assert "☒ Other: Duplicate rows" in block
    assert "Approved by: Priya Mehta (Role: Product Manager)" in block
    assert not page.is_visible("header")
    pdf = page.pdf()
    assert pdf.startswith(b"%PDF")
    assert RollbackSignOff.objects.get().status == RollbackSignOff.Status.PENDING
