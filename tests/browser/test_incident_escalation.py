"""In a real browser (issue 12 points 12 and 13): the On-Call escalates a P3 to the secondary
from the incident page, then resolves it; the resolved page shows no resolve, severity or
update form, only why."""

from pathlib import Path

import pytest
from django.conf import settings as django_settings

from governance.models import Severity
from incidents import services


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_primary_escalates_then_the_resolved_page_has_no_forms(
    page, login, settings, rotation, primary, secondary, owner, make_user
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    primary.set_password("pw")
    primary.save()
    incident, _ = services.open_incident(
        actor=make_user("alertmanager"),
        title="One upload stuck > 1h & retrying",
        severity=Severity.objects.get(key="P3"),
        impact="acme <single client>",
    )
    screens = Path(django_settings.VAR_DIR) / "screenshots"
    screens.mkdir(parents=True, exist_ok=True)

    login(primary.username)
    page.goto(f"/incidents/{incident.pk}/")
    page.select_option("#id_target", "secondary")
    page.click("#escalate")
    page.wait_for_selector(f"text=Escalated: paged {secondary.get_full_name()}.")
    assert page.locator("li", has_text="Page the On-Call Secondary").count() == 1
    page.screenshot(path=str(screens / "incident-escalated.png"), full_page=True)

    page.fill("#id_root_cause", "Stuck worker")
    page.fill("#id_resolution", "Restarted")
    page.click("#resolve")
    page.wait_for_selector("#resolved-note")
    assert page.locator("#resolve-form, #update-form, #escalate-form").count() == 0
    assert "was resolved at" in page.inner_text("#resolved-note")
    page.screenshot(path=str(screens / "incident-resolved.png"), full_page=True)
