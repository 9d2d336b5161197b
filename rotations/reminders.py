"""The time rules of the rotation (D9 §3.2, §3.3): generation horizon, handoff reminders and
coverage gaps. Each reminder is a `HandoffReminder` row created in the transaction that mails
it, so a second tick, worker or replay at the same instant sends nothing twice.
"""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.urls import reverse

from governance.models import HandoffChecklistItem
from governance.notifications.outbox import notify
from rotations import selectors, services
from rotations.models import Handoff, HandoffReminder, Rotation, RotationPolicy

DAY = datetime.timedelta(hours=24)
HOUR = datetime.timedelta(hours=1)
# A handoff older than this is history; its checklist no longer nags anyone.
NAG_LIMIT = datetime.timedelta(days=7)
# Rotations per transaction of the generation sweep: their row locks are held together, and
# a batch costs the same queries whatever its size.
GENERATION_BATCH = 500


def keep_generated(*, now: datetime.datetime) -> str:
    """Every active rotation generated at least `weeks_ahead` weeks ahead (D9 §3.2), with a
    handoff record at every boundary.

    Five reads when nothing is due (these two, `sync_handoffs` three); the rotations short of
    the horizon are generated in batches of GENERATION_BATCH, each one transaction of a fixed
    number of queries, and the handoffs of them all written together (issue 16 point 3)."""
    until = now + datetime.timedelta(weeks=RotationPolicy.current().weeks_ahead)
    rotations = list(Rotation.objects.filter(active=True).annotate(last_end=Max("weeks__ends_at")))
    due = [r for r in rotations if r.last_end is None or r.last_end < until]
    created = 0
    for first in range(0, len(due), GENERATION_BATCH):
        batch = due[first : first + GENERATION_BATCH]
        created += len(
            services.generate_weeks_for(rotations=batch, actor=None, until=until, start=now)
        )
    handoffs = services.sync_handoffs(rotations=rotations, now=now)
    return f"{created} week(s) generated, {handoffs} handoff(s) in sync"


def _fire(handoff: Handoff, kind: str, *, now, missed: bool = False) -> bool:
    """Record that `kind` fired (or was missed) for `handoff`; False if it already had."""
    try:
        with transaction.atomic():
            HandoffReminder.objects.create(handoff=handoff, kind=kind, sent_at=now, missed=missed)
    except IntegrityError:
        return False
    return True


def _record_missed(*, now: datetime.datetime) -> int:
    """After downtime (issue 12 point 8): a reminder whose moment passed while the sweeps were
    not running is recorded as missed, once, and never mailed late — the "24 hours before" of
    a handoff already past, the "at the handoff" of one more than an hour ago. What is still
    due now (a checklist still open) is sent by the sweep as usual."""
    missed = 0
    for kind, until in (
        (HandoffReminder.Kind.DAY_BEFORE, now),
        (HandoffReminder.Kind.AT_HANDOFF, now - HOUR),
    ):
        for handoff in _due(kind, since=now - NAG_LIMIT, until=until):
            missed += _fire(handoff, kind, now=now, missed=True)
    return missed


def _context(handoff: Handoff) -> dict:
    local = handoff.at.astimezone(handoff.rotation.zone)
    return {
        "handoff": handoff,
        "rotation": handoff.rotation,
        "local_at": local,
        "url": reverse("rotations:handoff", args=[handoff.pk]),
    }


def _due(kind: str, *, since, until):
    return (
        Handoff.objects.select_related(
            "rotation",
            "outgoing_primary",
            "outgoing_secondary",
            "incoming_primary",
            "incoming_secondary",
        )
        .filter(at__gt=since, at__lte=until)
        .exclude(reminders__kind=kind)
    )


def send_handoff_reminders(*, now: datetime.datetime) -> str:
    """D9 §3.3 reminders to outgoing and incoming on-call, each once:
    24 hours before the handoff, at the handoff, and — if the checklist is still open one hour
    after — to both sides again and to the Ingestion Owner."""
    sent = 0
    kinds = [
        (HandoffReminder.Kind.DAY_BEFORE, now, now + DAY),
        (HandoffReminder.Kind.AT_HANDOFF, now - HOUR, now),
    ]
    for kind, since, until in kinds:
        for handoff in _due(kind, since=since, until=until):
            with transaction.atomic():
                if not _fire(handoff, kind, now=now):
                    continue
                context = {**_context(handoff), "kind": kind}
                people = {u.pk: u for u in handoff.people("outgoing") + handoff.people("incoming")}
                for user in people.values():
                    services.notify_in_zone(
                        handoff.rotation,
                        user,
                        "rotations/handoff-reminder",
                        context,
                        dedupe_key=f"rotations:handoff:{handoff.pk}:{kind}:{user.pk}",
                    )
                    sent += 1
    items = HandoffChecklistItem.objects.count()
    still_open = (
        _due(HandoffReminder.Kind.STILL_OPEN, since=now - NAG_LIMIT, until=now - HOUR)
        .annotate(done=Count("checks"))
        .filter(done__lt=items)
    )
    for handoff in still_open:
        with transaction.atomic():
            if not _fire(handoff, HandoffReminder.Kind.STILL_OPEN, now=now):
                continue
            context = {**_context(handoff), "open_items": services.open_items(handoff)}
            people = {u.pk: u for u in handoff.people("outgoing") + handoff.people("incoming")}
            owner = selectors.tier_holder(selectors.INGESTION_OWNER, at=now)
            for user in people.values():
                services.notify_in_zone(
                    handoff.rotation,
                    user,
                    "rotations/handoff-open",
                    context,
                    dedupe_key=f"rotations:handoff:{handoff.pk}:still_open:{user.pk}",
                )
                sent += 1
            if owner is not None:
                services.notify_in_zone(
                    handoff.rotation,
                    owner,
                    "rotations/handoff-open-owner",
                    context,
                    dedupe_key=f"rotations:handoff:{handoff.pk}:still_open:owner",
                )
                sent += 1
    missed = _record_missed(now=now)
    if missed:
        return f"{sent} handoff reminder(s) queued, {missed} missed while the sweeps were down"
    return f"{sent} handoff reminder(s) queued"


def coverage_gaps(*, now: datetime.datetime, weeks: int = 4) -> list[tuple]:
    """(rotation, week start, missing tiers) over the next `weeks` weeks, after overrides.
    Weeks that are not generated at all count as missing both tiers."""
    gaps = []
    for rotation in Rotation.objects.filter(active=True):
        rows = selectors.effective_weeks(rotation, start=now, count=weeks)
        for week, primary, secondary, _overrides in rows:
            missing = [n for n, u in (("Primary", primary), ("Secondary", secondary)) if u is None]
            if missing:
                gaps.append((rotation, week.local_start(), missing))
        if len(rows) < weeks:
            gaps.append((rotation, None, ["weeks not generated"]))
    return gaps


def report_coverage_gaps(*, now: datetime.datetime) -> str:
    """D9 §3.1: the Ingestion Owner keeps coverage whole — weekly, they get the gaps in the next
    four weeks (one mail per ISO week, only when there are gaps)."""
    gaps = coverage_gaps(now=now)
    if not gaps:
        return "no coverage gaps in the next four weeks"
    owner = selectors.tier_holder(selectors.INGESTION_OWNER, at=now)
    if owner is None:
        return f"{len(gaps)} gap(s), but no Ingestion Owner is assigned to tell"
    year, week, _ = now.isocalendar()
    notify(
        owner,
        "rotations/coverage-gaps",
        {"gaps": gaps, "url": reverse("rotations:list")},
        dedupe_key=f"rotations:coverage-gaps:{year}-W{week:02d}",
    )
    return f"{len(gaps)} gap(s) reported to {owner.get_username()}"
