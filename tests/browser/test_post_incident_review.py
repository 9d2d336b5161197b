"""In a real browser, without JavaScript: the On-Call writes the post-incident review (factors,
an action item that becomes a follow-up ticket), files it, and the Owner signs it off
(issue 17 point 5); screenshots at 1280 and 390 px, no sideways overflow on a phone."""

import datetime

import pytest
from django.utils import timezone

from governance.models import Severity
from incidents import services
from incidents.models import FollowUpTicket, PostIncidentReview
from tests.helpers.screens import WIDTHS, shoot, signed_in_page, with_password


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_on_call_writes_the_review_and_the_owner_signs_it_off(
    browser, live_server, settings, rotation, primary, owner, sre_lead, make_user
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with_password(primary, owner)
    incident, _ = services.open_incident(
        actor=make_user("alertmanager"),
        title="Circuit breaker OPEN",
        severity=Severity.objects.get(key="P1"),
        impact="All uploads failing",
    )
    services.acknowledge(incident=incident, actor=primary)
    services.resolve(
        incident=incident, actor=primary, root_cause="Bad deploy", resolution="Rollback"
    )
    path = f"/incidents/{incident.pk}/post-incident-review/"

    page = signed_in_page(browser, live_server.url, primary.username)
    page.goto(path)
    page.fill("#id_description", "No canary stage for config pushes")
    page.click("#factor-form button")
    page.wait_for_selector("text=Contributing factor added.")
    page.fill("#id_summary", "Add a canary stage to config pushes")
    page.select_option("#id_assignee", sre_lead.username)
    due = timezone.localdate() + datetime.timedelta(days=14)
    page.fill("#id_due_on", due.isoformat())
    page.click("#action-form button")
    page.wait_for_selector("text=as follow-up ticket")
    page.fill("#file-form textarea", "A config push skipped the canary; pushes now canary first.")
    page.click("#file-form button")
    page.wait_for_selector("text=the Owner is asked to sign it off")
    page.context.close()

    ticket = FollowUpTicket.objects.get(review__incident=incident)
    page = signed_in_page(browser, live_server.url, owner.username)
    page.goto(f"/incidents/{incident.pk}/")
    assert page.locator(f"#ticket-{ticket.pk}").count() == 1  # on the incident page
    page.goto(path)
    page.check("input[name=verdict][value=approve]")
    page.click("#sign-off-form button")
    page.wait_for_selector("text=Review signed off.")
    assert page.inner_text("#review-state-label") == "Signed off"
    page.context.close()
    assert PostIncidentReview.objects.get(incident=incident).signed_off_by == owner

    for width in WIDTHS:
        page = signed_in_page(browser, live_server.url, owner.username, width=width)
        page.goto(path)
        assert not shoot(page, "post-incident-review"), f"overflows sideways at {width} px"
        page.context.close()
