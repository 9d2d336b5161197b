"""Browser: the Owner drafts a policy change, edits a row, sees the diff, replays the last 30
days under it and proposes it with the what-if report attached (issue 19 acceptance)."""

import datetime
from pathlib import Path

from django.utils import timezone

from governance.models import ApprovalRequest, PolicyDraft, Severity
from incidents import services as incidents

SHOTS = Path(__file__).resolve().parent.parent.parent / "var" / "screenshots"


def test_draft_edit_diff_replay_and_publish_with_the_report(
    page, login, owner, sre_lead, pm, rotation, on_call_at_fixture
):
    opened = timezone.now() - datetime.timedelta(days=2)
    primary = on_call_at_fixture(opened).primary
    incident, _ = incidents.open_incident(
        actor=primary, title="Uploads failing", severity=Severity.objects.get(key="P1"), at=opened
    )
    minute = datetime.timedelta(minutes=1)
    incidents.acknowledge(incident=incident, actor=primary, at=opened + 3 * minute)
    incidents.resolve(
        incident=incident,
        actor=primary,
        root_cause="Bug",
        resolution="Fix",
        at=opened + 12 * minute,
    )

    login(owner.username)
    page.goto("/policy/drafts/")
    page.fill("#id_title", "P1 secondary joins at 10 min")
    page.get_by_role("button", name="Open a draft from the live policy").click()
    page.get_by_text("The draft is the live policy: nothing changed yet.").wait_for()
    page.get_by_text("Escalation steps (").click()
    page.get_by_role("link", name="P1 +15 min: Secondary joins").click()
    page.fill("#id_at_minute", "10")
    page.get_by_role("button", name="Save in the draft").click()
    diff = page.locator("#draft-diff")
    diff.get_by_text("P1 +15 min: Secondary joins").wait_for()
    assert "at_minute" in diff.inner_text() and "10" in diff.inner_text()

    page.get_by_role("button", name="Replay").click()
    report = page.locator("#whatif-report")
    report.wait_for()
    row = report.locator("tr", has_text="Escalation reached: P1 Secondary joins")
    assert row.locator("td").all_inner_texts()[1:] == ["0", "1"]
    assert report.get_by_role("link", name=f"incident #{incident.pk}").count() == 1

    page.fill("#id_version", "1.1")
    page.fill("#id_date", timezone.localdate().isoformat())
    page.fill("#id_change_summary", "P1 secondary joins at 10 min")
    page.get_by_role("button", name="Propose with the what-if report").click()
    page.locator("#signoff-status").wait_for()
    attached = page.locator("#whatif-report")
    assert "P1 Secondary joins" in attached.inner_text()
    request = ApprovalRequest.objects.get(kind="policy.publish")
    assert page.url.endswith(f"/rollout/sign-offs/{request.pk}/")
    assert PolicyDraft.objects.get().status == PolicyDraft.Status.PROPOSED
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "policy-whatif-signoff.png"), full_page=True)
    page.goto(f"/rollout/sign-offs/{request.pk}/print/")
    assert "What-if replay" in page.locator("#whatif-report").inner_text()
