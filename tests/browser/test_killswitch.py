"""Browser: On-Call pauses a workspace for error rate > 10%, the Owner approves, On-Call resumes
after ticking "test upload passes" (D9 §5.1, §5.3)."""

import pytest

from governance.models import KillSwitchActivation, Workspace

pytestmark = pytest.mark.django_db(transaction=True)


def test_on_call_pauses_owner_approves_on_call_resumes(page, login, primary, owner, pm):
    Workspace.objects.create(name="Acme", slug="acme")
    login(primary.username)
    page.goto("/kill-switch/activate/")
    page.select_option("#id_scenario", label="Error rate > 10%")
    page.select_option("#id_workspace", label="Acme")
    page.fill("#id_reason", "Error rate at 12% on Acme uploads")
    page.click("button[name=preview]")
    assert "Approval: Ingestion Owner by" in page.content()
    page.click("button[name=activate]")
    assert "Awaiting approval" in page.inner_text("#status")
    activation = KillSwitchActivation.objects.get()

    page.context.clear_cookies()
    login(owner.username)
    page.goto(f"/kill-switch/{activation.pk}/")
    page.fill("textarea[name=statement]", "Agreed: pause Acme")
    page.click("button[name=verdict][value=approve]")
    assert "Active (paused)" in page.inner_text("#status")

    page.context.clear_cookies()
    login(primary.username)
    page.goto(f"/kill-switch/{activation.pk}/")
    page.check("text=Test upload passes")
    page.click("text=Resume ingestion")
    assert "Resumed" in page.inner_text("#status")
    activation.refresh_from_db()
    assert activation.status == KillSwitchActivation.Status.RESUMED


def test_owner_vetoes_withdraws_and_approves_and_the_pause_is_in_force(
    page, login, primary, owner, pm, settings
):
    """Issue 12 point 3 as a user sees it: on an "Error rate > 10%" pause the Owner vetoes,
    withdraws the veto and approves with the page's buttons; the pause is in force and the §5.2
    log on the page says so (a screenshot is kept under var/test/screenshots)."""
    from pathlib import Path

    from governance.killswitch import services as killswitch
    from tests.helpers.killswitch import scenario, severity

    workspace = Workspace.objects.create(name="Acme", slug="acme")
    activation = killswitch.activate_kill_switch(
        actor=primary,
        scenario=scenario("error_rate_10"),
        severity=severity(),
        reason="Error rate at 12% on Acme uploads",
        workspace=workspace,
    )
    login(owner.username)
    page.goto(f"/kill-switch/{activation.pk}/")
    for verdict, words in (
        ("veto", "Not yet: wait for the next sample."),
        ("withdraw", "The next sample is at 13%."),
        ("approve", "Pause Acme."),
    ):
        page.fill("textarea[name=statement]", words)
        page.click(f"button[name=verdict][value={verdict}]")
    assert "Active (paused)" in page.inner_text("#status")
    assert "Veto withdrawn (approval pending again)" in page.content()
    shots = Path(settings.VAR_DIR) / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "killswitch-veto-withdraw-approve.png"), full_page=True)
