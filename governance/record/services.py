"""Writes of the tamper-evident record (issue 20): verification runs and daily checkpoints."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from governance import authority
from governance.models import ChainCheckpoint, ChainHead, ChainVerification
from governance.notifications.outbox import notify
from governance.notifications.selectors import rollout_channel_team
from governance.record.verify import Outcome, verify_chain

# Who receives the checkpoint: the people a reviewer trusts to hold a copy outside the database.
CHECKPOINT_ROLES = (authority.OWNER, "sre_lead")


def verify_record(
    *, at: datetime.datetime, since: datetime.date | None = None
) -> tuple[ChainVerification, Outcome]:
    """Recompute the chain and keep the outcome (the health card and /readyz show the last)."""
    outcome = verify_chain(since=since)
    first = outcome.first
    run = ChainVerification.objects.create(
        started_at=at,
        finished_at=timezone.now(),
        since=since,
        ok=outcome.ok,
        entries=outcome.entries,
        records=outcome.records,
        breaks=outcome.count,
        first_break=str(first) if first else "",
    )
    return run, outcome


def issue_checkpoint(*, day: datetime.date, at: datetime.datetime) -> ChainCheckpoint | None:
    """Record the head as the checkpoint of `day`, once, and send it to the Owner and the SRE
    Lead (mail) and to the team channel, in the same transaction. None if already issued."""
    with transaction.atomic():
        head = ChainHead.objects.filter(pk=1).first()
        if head is None or ChainCheckpoint.objects.filter(day=day).exists():
            return None
        try:
            with transaction.atomic():
                checkpoint = ChainCheckpoint.objects.create(
                    day=day, seq=head.seq, hash=head.hash, created_at=at
                )
        except IntegrityError:  # another worker issued it first
            return None
        people = {p.pk: p for key in CHECKPOINT_ROLES for p in authority.holders(key, at=at)}
        for person in people.values():
            notify(
                person,
                "record-checkpoint",
                {"checkpoint": checkpoint},
                dedupe_key=f"record:checkpoint:{day.isoformat()}:{person.pk}",
            )
        if team := rollout_channel_team():
            notify(
                team,
                "record-checkpoint",
                {"checkpoint": checkpoint},
                dedupe_key=f"record:checkpoint:{day.isoformat()}:team",
            )
    return checkpoint
