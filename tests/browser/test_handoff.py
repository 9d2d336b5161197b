"""Browser: an engineer ticks their outgoing items on the handoff checklist page (D9 §3.3)."""

from django.utils import timezone

from governance.models import HandoffChecklistItem
from rotations import reminders
from rotations.models import Handoff, HandoffCheck


def test_an_engineer_checks_their_outgoing_items_on_the_handoff_page(page, login, rotation):
    reminders.keep_generated(now=timezone.now())
    handoff = Handoff.objects.filter(rotation=rotation, at__gt=timezone.now()).order_by("at")[0]
    engineer = handoff.outgoing_primary
    items = list(HandoffChecklistItem.objects.filter(side="outgoing"))
    login(engineer.username)
    page.goto(f"/rotations/handoffs/{handoff.pk}/")
    for item in items:
        page.locator("#side-outgoing").get_by_role("button", name=f"Tick {item.text}").click()
        page.locator("#side-outgoing").get_by_role("button", name=f"Untick {item.text}").wait_for()
    assert HandoffCheck.objects.filter(handoff=handoff, item__side="outgoing").count() == len(items)
    assert page.locator("#side-incoming").get_by_role("button").count() == 0 or (
        handoff.incoming_primary == engineer or handoff.incoming_secondary == engineer
    )
