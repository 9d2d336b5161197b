"""In a real browser: the home of each persona at desktop and phone widths (issue 17 §1, §3).

Each persona reads who they are in D9 now and what waits on them; full-page screenshots at
1280 px and 390 px go to var/screenshots/ (PORTAL_VAR_DIR); at 390 px and 360 px nothing
overflows sideways (the dashboard was 495 px wide at 390)."""

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from governance.duties import services as duties
from governance.models import Severity
from governance.rollout import services as rollout
from incidents import services as incidents
from tests.helpers.signoffs import set_phase

WIDTHS = (1280, 390, 360)
SCREENSHOT_WIDTHS = (1280, 390)


def _home(browser, base_url, username, width, name):
    context = browser.new_context(base_url=base_url, viewport={"width": width, "height": 800})
    page = context.new_page()
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_selector("#waiting")
    if width in SCREENSHOT_WIDTHS:
        folder = django_settings.VAR_DIR / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"home-{name}-{width}.png"), full_page=True)
    seen = {
        "roles": page.inner_text("#my-roles"),
        "waiting": page.inner_text("#waiting"),
        "scroll_width": page.evaluate("document.documentElement.scrollWidth"),
    }
    context.close()
    return seen


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_persona_reads_their_home_at_desktop_and_phone_width(
    browser, live_server, rotation, primary, secondary, owner, sre_lead, db_owner, pm, support
):
    set_phase("P3")
    rollout.request_phase_advance(actor=db_owner, criteria="Eight weeks stable; clients happy.")
    incident, _ = incidents.open_incident(
        actor=db_owner,
        title="Error rate 24% on acme",
        severity=Severity.objects.get(key="P2"),
        impact="Uploads failing for acme",
    )
    duties.generate_due_instances(now=timezone.now())
    personas = {
        "owner": (owner, "Ingestion Owner", "pass gate P3"),
        "primary": (primary, "On-Call Primary", f"Acknowledge #{incident.pk}"),
        "secondary": (secondary, "On-Call Secondary", f"Acknowledge #{incident.pk}"),
        "sre-lead": (sre_lead, "SRE Lead", "pass gate P3"),
        "db-owner": (db_owner, "Database Owner", "Nothing waits on you."),
        "pm": (pm, "Product Manager", "pass gate P3"),
        "support": (support, "Support Lead", "Nothing waits on you."),
    }
    for name, (user, role, waiting) in personas.items():
        for width in WIDTHS:
            seen = _home(browser, live_server.url, user.username, width, name)
            assert f"You are {role}" in seen["roles"], (name, width)
            assert waiting in seen["waiting"], (name, width, seen["waiting"])
            if width < 1280:
                assert seen["scroll_width"] <= width, (name, width, seen["scroll_width"])
