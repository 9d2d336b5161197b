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
