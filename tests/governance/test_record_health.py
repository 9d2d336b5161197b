"""Issue 20: the last verification shows on the dashboard and /readyz; the daily sweeps verify
the chain and send its checkpoint to the Owner, the SRE Lead and the team channel."""

import datetime

import pytest
from celery.signals import beat_init
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from governance.models import ChainCheckpoint, ChainHead, ChainVerification, Notification
from governance.notifications import outbox
from governance.ops.sweeps import run_sweep
from tests.helpers.record import make_record

pytestmark = pytest.mark.django_db


def _readyz():
    response = Client().get("/readyz")
    return response.status_code, response.json()["checks"]["record"]


def _tamper(record):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE incidents_incidentevent SET text = 'x' WHERE id = %s", [record.pk])


def test_readyz_shows_the_last_verification_and_a_break_does_not_take_the_process_out(
    owner, sre_lead
):
    beat_init.send(sender=None)
    assert _readyz()[1]["detail"].startswith("not verified yet")
    record = make_record("incidents.incidentevent", owner, sre_lead)
    run_sweep("record.verify")
    status, check = _readyz()
    assert status == 200 and check["ok"] is True and check["detail"].startswith("verified at")
    _tamper(record)
    assert "CHAIN BROKEN" in run_sweep("record.verify")
    status, check = _readyz()
    assert status == 200 and check["ok"] is False
    assert f"incidents.incidentevent {record.pk}: the content does not match" in check["detail"]


def test_the_dashboard_shows_the_last_verification_and_warns_on_a_break(client, owner, sre_lead):
    client.force_login(owner)
    record = make_record("incidents.incidentevent", owner, sre_lead)
    run_sweep("record.verify")
    page = client.get(reverse("dashboard")).content.decode()
    assert "Tamper-evident record: verified at" in page
    _tamper(record)
    run_sweep("record.verify")
    page = client.get(reverse("dashboard")).content.decode()
    assert "The tamper-evident record is broken" in page
    assert f"incidents.incidentevent {record.pk}" in page


def test_the_verification_sweep_keeps_each_outcome(owner, sre_lead):
    make_record("governance.approvaldecision", owner, sre_lead)
    run_sweep("record.verify")
    run = ChainVerification.objects.get()
    assert run.ok and run.entries == run.records == ChainHead.objects.get(pk=1).seq


def test_the_daily_checkpoint_goes_to_the_owner_the_sre_lead_and_the_team_channel_once(
    owner, sre_lead, pm, team_hook
):
    make_record("incidents.incidentevent", owner, sre_lead)
    now = timezone.now()
    yesterday = timezone.localdate(now) - datetime.timedelta(days=1)
    assert f"checkpoint of {yesterday}" in run_sweep("record.checkpoint", now=now)
    assert "already issued" in run_sweep("record.checkpoint", now=now)
    checkpoint = ChainCheckpoint.objects.get()
    head = ChainHead.objects.get(pk=1)
    assert (checkpoint.day, checkpoint.seq, checkpoint.hash) == (yesterday, head.seq, head.hash)
    mails = Notification.objects.filter(template="record-checkpoint", method__isnull=True)
    assert {m.recipient for m in mails} == {owner, sre_lead}  # not the PM
    assert all(checkpoint.hash in m.body_text for m in mails)
    outbox.deliver_due()
    posted = [r for r in team_hook.received if checkpoint.hash in r["body"]["message"]]
    assert len(posted) == 1


def test_a_rewritten_history_is_caught_by_the_checkpoint(owner, sre_lead):
    """Whoever recomputes every hash after an edit still differs from the checkpoint."""
    from governance.models import ChainEntry
    from governance.record import canonical
    from governance.record.chain import content_of
    from governance.record.verify import verify_chain
    from incidents.models import IncidentEvent

    record = make_record("incidents.incidentevent", owner, sre_lead)
    run_sweep("record.checkpoint", now=timezone.now())
    _tamper(record)
    # Rewrite the chain from the edited record on, as a careful forger would.
    record = IncidentEvent.objects.get(pk=record.pk)
    entry = ChainEntry.objects.get(record_type="incidents.incidentevent", record_id=record.pk)
    previous = (
        ChainEntry.objects.get(seq=entry.seq - 1).hash if entry.seq > 1 else canonical.GENESIS
    )
    digest = canonical.digest(content_of(record))
    forged = canonical.link(entry.seq, entry.record_type, record.pk, digest, previous)
    ChainEntry.objects.filter(seq=entry.seq).update(digest=digest, hash=forged)
    ChainHead.objects.filter(pk=1).update(hash=forged)
    outcome = verify_chain()
    assert [b.problem for b in outcome.breaks] == [
        f"differs from the checkpoint of {ChainCheckpoint.objects.get().day}: history rewritten"
    ]
