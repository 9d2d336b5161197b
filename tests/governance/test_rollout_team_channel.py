"""D9 §7.1: a phase start and the GA declaration are posted in #ingestion-rollout, the
ingestion team's channel (issue "Reaching people"), here a real HTTP receiver on loopback."""

import pytest
from django.utils import timezone

from governance.models import Notification, PhaseGate
from governance.notifications import outbox
from governance.rollout import services as rollout
from tests.helpers.signoffs import set_phase

pytestmark = pytest.mark.django_db


def test_a_phase_start_is_posted_to_the_team_channel_once(owner, pm, sre_lead, db_owner, team_hook):
    set_phase("P0")
    advance = rollout.request_phase_advance(actor=db_owner, criteria="Met.")
    people = {"ingestion_owner": owner, "product_manager": pm, "sre_lead": sre_lead}
    for approver in PhaseGate.objects.get(from_phase="P0").approvers.select_related("role"):
        rollout.sign(request=advance.approval, actor=people[approver.role.key])

    outbox.deliver_due()
    outbox.deliver_due()

    rows = Notification.objects.filter(
        template="rollout-phase-changed", method__name="rollout-hook"
    )
    assert rows.count() == 1
    posted = [r for r in team_hook.received if "P1" in r["body"]["message"]]
    assert len(posted) == 1
    assert posted[0]["headers"]["X-Message-ID"] == rows.get().message_id


def test_the_ga_declaration_is_posted_to_the_team_channel(owner, team_hook):
    rollout.declare_ga(rollout=rollout.current_rollout(), actor=owner, at=timezone.now())

    outbox.deliver_due()

    assert Notification.objects.filter(template="ga-declared", method__name="rollout-hook").exists()
    assert any("GA" in r["body"]["message"] for r in team_hook.received)


def test_without_a_team_channel_nothing_is_posted_and_mail_still_goes(owner):
    rollout.declare_ga(rollout=rollout.current_rollout(), actor=owner, at=timezone.now())

    assert not Notification.objects.filter(template="ga-declared", method__isnull=False).exists()
    assert Notification.objects.filter(template="ga-declared", recipient=owner).exists()
