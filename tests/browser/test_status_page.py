"""In a real browser, with no login: the public status page before and after publication at
desktop and phone widths (screenshots under var/screenshots/), and subscribing without
JavaScript (issue 21)."""

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache

from governance.models import Severity, Workspace
from incidents import services
from incidents.models import StatusSubscriber
from tests.incidents.status_helpers import approved_maintenance


def log_in(page, username: str):
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_url("**/")


WIDTHS = {"desktop": 1280, "phone": 390, "narrow": 360}


def shoot(browser, base_url, path, name, width, *, javascript=True):
    """Open `path` at `width`, save a full-page screenshot, and return the page's text and
    whether anything overflows sideways."""
    context = browser.new_context(
        base_url=base_url, viewport={"width": width, "height": 800}, java_script_enabled=javascript
    )
    page = context.new_page()
    page.goto(path)
    folder = django_settings.VAR_DIR / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"status-{name}-{width}.png"), full_page=True)
    text = page.inner_text("body")
    landmarks = [page.locator(tag).count() for tag in ("header", "main", "footer", "h1")]
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    context.close()
    return text, landmarks, overflow


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_public_page_before_and_after_publication(
    browser, live_server, rotation, primary, owner, pm, support, make_user
):
    cache.clear()
    acme = Workspace.objects.create(name="Acme Analytics", slug="acme")
    Workspace.objects.create(name="Beta Corp", slug="beta")
    incident, _ = services.open_incident(
        actor=make_user("alertmanager"),
        title="internal: consumer lag on ingest-7",
        severity=Severity.objects.get(key="P1"),
        impact="Uploads delayed",
        workspace=acme,
        client_facing=True,
    )
    # Support drafts on the incident page, as people do.
    for person in (support, pm):
        person.set_password("pw")
        person.save()
    staff = browser.new_context(base_url=live_server.url)
    desk = staff.new_page()
    log_in(desk, support.username)
    desk.goto(f"/incidents/{incident.pk}/")
    desk.fill("#id_title", "Delayed uploads for Acme Analytics")
    desk.fill(
        "#id_status_page_text",
        "Uploads are delayed by up to 20 minutes. No data is lost; we are working on it and "
        "will update this page within 30 minutes.",
    )
    desk.fill("#id_email_text", "Dear client, uploads are delayed.")
    desk.click("text=Submit for approval and publication")
    desk.wait_for_selector("text=Saved; the approvers are asked to approve it.")
    screenshots = django_settings.VAR_DIR / "screenshots"
    screenshots.mkdir(parents=True, exist_ok=True)
    desk.screenshot(path=str(screenshots / "incident-client-comm-1280.png"), full_page=True)
    staff.close()
    for width in (WIDTHS["desktop"], WIDTHS["phone"]):
        text, landmarks, overflow = shoot(browser, live_server.url, "/status/", "before", width)
        assert "All systems operational" in text
        assert "Delayed uploads" not in text
        assert landmarks == [1, 1, 1, 1] and not overflow

    staff = browser.new_context(base_url=live_server.url)
    desk = staff.new_page()
    log_in(desk, pm.username)
    desk.goto(f"/incidents/{incident.pk}/")
    desk.click("text=Approve and publish")
    desk.wait_for_selector("text=Approved and published")
    staff.close()
    approved_maintenance(owner, pm, acme)

    for width in WIDTHS.values():
        text, landmarks, overflow = shoot(browser, live_server.url, "/status/", "after", width)
        assert "Degraded performance" in text
        assert "Delayed uploads for Acme Analytics" in text
        assert "Scheduled maintenance" in text
        assert "internal" not in text and "P1" not in text
        assert landmarks == [1, 1, 1, 1] and not overflow, width
    text, _, overflow = shoot(browser, live_server.url, "/status/acme/", "workspace", 360)
    assert "Acme Analytics: Degraded performance" in text and not overflow


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_subscribing_works_without_javascript(browser, live_server):
    cache.clear()
    Workspace.objects.create(name="Acme Analytics", slug="acme")
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 360, "height": 800}, java_script_enabled=False
    )
    page = context.new_page()
    page.goto("/status/acme/")
    page.fill("#id_email", "not an address")
    page.click("button[type=submit]")
    assert "Enter a valid email address." in page.inner_text("main")
    page.fill("#id_email", "ops@acme.example")
    page.click("button[type=submit]")
    page.wait_for_selector("text=Check your inbox")
    context.close()
    assert StatusSubscriber.objects.get().email == "ops@acme.example"
