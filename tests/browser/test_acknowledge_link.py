"""In a real browser: the paged primary follows the page's link, logs in, sees what the link
will do and acknowledges with one click."""

import os
import re

import pytest

from governance.models import Notification, Severity, Urgency
from incidents import services


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_paged_primary_acknowledges_from_the_link_after_login(
    page, settings, rotation, primary, owner, make_user
):
    primary.set_password("pw")
    primary.save()
    incident, _ = services.open_incident(
        actor=make_user("alertmanager"),
        title="Circuit breaker OPEN",
        severity=Severity.objects.get(key="P1"),
        impact="All uploads failing",
    )
    body = Notification.objects.get(recipient=primary, urgency=Urgency.PAGE).body_text
    path = re.search(r"(/incidents/ack/\S+/)", body).group(1)

    page.goto(path)  # not logged in: the login page first, then back to the link
    page.fill("#id_username", primary.username)
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_selector(f"text=Acknowledge incident #{incident.pk}")
    if shots := os.environ.get("PORTAL_SCREENSHOTS"):
        page.screenshot(path=f"{shots}/acknowledge-link.png", full_page=True)
    page.click("button:has-text('Acknowledge incident')")
    page.wait_for_selector("text=Acknowledged from the page.")

    incident.refresh_from_db()
    assert incident.acknowledged_by == primary
    assert "from the page" in incident.events.get(kind="acknowledged").text
