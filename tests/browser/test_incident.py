"""In a real browser: the On-Call Primary acknowledges, posts an update from the template, and
resolves an incident opened by an alert."""

import pytest

from governance.models import Severity
from incidents import services


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_primary_acknowledges_updates_and_resolves(
    page, login, settings, rotation, primary, owner, make_user
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    primary.set_password("pw")
    primary.save()
    alerter = make_user("alertmanager")
    incident, _ = services.open_incident(
        actor=alerter,
        title="Circuit breaker OPEN",
        severity=Severity.objects.get(key="P1"),
        impact="All uploads failing",
    )

    login(primary.username)
    page.goto(f"/incidents/{incident.pk}/")
    page.click("#acknowledge")
    page.wait_for_selector("text=Acknowledged. The response track has stopped.")

    page.select_option("#id_status", "mitigating")
    page.fill("#id_findings", "Queue backlog after deploy")
    page.fill("#id_next_steps", "Scale workers")
    page.click("#post-update")
    page.wait_for_selector("text=Update posted and mailed.")
    assert page.locator("pre.message", has_text="🟡 UPDATE: Ingestion P1").count() == 1
    assert page.locator("pre.message", has_text="Findings: Queue backlog after deploy").count() == 1

    page.fill("#id_root_cause", "Bad deploy")
    page.fill("#id_resolution", "Rolled back")
    page.click("#resolve")
    page.wait_for_selector("text=Resolved; both escalation tracks have stopped.")
    assert page.inner_text("#incident-status") == "Resolved"
    assert page.locator("pre.message", has_text="🟢 RESOLVED: Ingestion P1").count() == 1

    incident.refresh_from_db()
    assert incident.acknowledged_by == primary and incident.resolved_by == primary
