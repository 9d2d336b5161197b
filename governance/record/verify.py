"""Recompute the chain and find where the database no longer matches it (issue 20).

Two streaming passes, a fixed number of queries whatever the size (server-side cursors on
PostgreSQL, hashing in Python):

1. the entries in sequence order: no number missing, each link hash recomputed from the
   previous one, the daily checkpoints and the head matching;
2. per chained model, its rows in id order merged with its entries in record-id order: every
   row that must be chained is, every entry still has its row, every row's content matches the
   digest its entry holds.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Max, Min
from django.utils import timezone

from governance.models import ChainCheckpoint, ChainEntry, ChainHead
from governance.record import canonical
from governance.record.chain import CHAINED, Chained, encoded_fields

CHUNK = 5000
KEEP = 100  # breaks kept in full; the rest are counted


@dataclass(frozen=True)
class Break:
    seq: int | None
    record: str
    problem: str

    def __str__(self):
        where = f"#{self.seq} " if self.seq is not None else ""
        return f"{where}{self.record}: {self.problem}".strip()


@dataclass
class Outcome:
    entries: int = 0
    records: int = 0
    count: int = 0
    breaks: list[Break] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.count == 0

    @property
    def first(self) -> Break | None:
        ordered = sorted(self.breaks, key=lambda b: (b.seq is None, b.seq or 0))
        return ordered[0] if ordered else None

    def add(self, seq: int | None, record: str, problem: str) -> None:
        self.count += 1
        if len(self.breaks) < KEEP:
            self.breaks.append(Break(seq, record, problem))


def verify_chain(*, since: datetime.date | None = None) -> Outcome:
    """Check the chain from its start, or from the first entry recorded on or after `since`
    (anchored on the entry before it)."""
    outcome = Outcome()
    start = _check_links(outcome, since=since)
    for spec in CHAINED.values():
        _check_records(outcome, spec, start_seq=start)
    return outcome


def _check_links(outcome: Outcome, *, since: datetime.date | None) -> int:
    start, previous = 1, canonical.GENESIS
    entries = ChainEntry.objects.order_by("seq")
    if since is not None:
        midnight = timezone.make_aware(datetime.datetime.combine(since, datetime.time()))
        first = entries.filter(recorded_at__gte=midnight).values_list("seq", flat=True).first()
        start = first if first is not None else _last_seq() + 1
        if start > 1:
            anchor = ChainEntry.objects.filter(seq=start - 1).values_list("hash", flat=True)
            previous = anchor.first() or ""
            if not previous:
                outcome.add(start - 1, "", "the entry before the period is missing (deleted)")
        entries = entries.filter(seq__gte=start)
    checkpoints = {c.seq: c for c in ChainCheckpoint.objects.filter(seq__gte=start)}
    expected = start
    rows = entries.values_list("seq", "record_type", "record_id", "digest", "hash")
    for seq, record_type, record_id, digest, hash_ in rows.iterator(chunk_size=CHUNK):
        outcome.entries += 1
        record = f"{record_type} {record_id}"
        if seq != expected:
            missing = f"#{expected}" if seq == expected + 1 else f"#{expected}..#{seq - 1}"
            outcome.add(expected, "", f"entries {missing} are missing (deleted)")
        elif canonical.link(seq, record_type, record_id, digest, previous) != hash_:
            outcome.add(
                seq, record, "the link hash does not match: the entry was altered or reordered"
            )
        checkpoint = checkpoints.pop(seq, None)
        if checkpoint is not None and checkpoint.hash != hash_:
            outcome.add(
                seq, record, f"differs from the checkpoint of {checkpoint.day}: history rewritten"
            )
        previous, expected = hash_, seq + 1
    for checkpoint in checkpoints.values():
        outcome.add(checkpoint.seq, "", f"the checkpoint of {checkpoint.day} names a missing entry")
    head = ChainHead.objects.filter(pk=1).first()
    last = expected - 1
    if head is not None and (head.seq, head.hash) != (last, previous) and head.seq >= start:
        if head.seq > last:
            problem = f"the head is at #{head.seq}: entries #{last + 1}..#{head.seq} are missing"
        else:
            problem = f"the chain runs past its head #{head.seq} (or the head was altered)"
        outcome.add(min(head.seq, last) + 1, "", problem)
    return start


def _last_seq() -> int:
    return ChainEntry.objects.aggregate(last=Max("seq"))["last"] or 0


def _check_records(outcome: Outcome, spec: Chained, *, start_seq: int) -> None:
    label = spec.label
    entries = ChainEntry.objects.filter(record_type=label)
    records = spec.records()
    if start_seq > 1:
        # The period's records: from the first one chained in it (a row inserted behind the
        # chain's back has a higher id still).
        low = entries.filter(seq__gte=start_seq).aggregate(low=Min("record_id"))["low"]
        if low is None:
            low = (entries.aggregate(high=Max("record_id"))["high"] or 0) + 1
        entries, records = entries.filter(record_id__gte=low), records.filter(pk__gte=low)
    entry_rows = entries.order_by("record_id").values_list("record_id", "seq", "digest")
    record_rows = records.order_by("pk").values_list("pk", *spec.attnames)
    entry_iter = entry_rows.iterator(chunk_size=CHUNK)
    entry = next(entry_iter, None)
    for pk, *values in record_rows.iterator(chunk_size=CHUNK):
        outcome.records += 1
        while entry is not None and entry[0] < pk:
            outcome.add(entry[1], f"{label} {entry[0]}", "the record is missing (deleted)")
            entry = next(entry_iter, None)
        if entry is None or entry[0] != pk:
            outcome.add(None, f"{label} {pk}", "not in the chain (inserted outside it)")
            continue
        if canonical.digest(encoded_fields(spec, values)) != entry[2]:
            outcome.add(entry[1], f"{label} {pk}", "the content does not match (edited)")
        entry = next(entry_iter, None)
    while entry is not None:
        outcome.add(entry[1], f"{label} {entry[0]}", "the record is missing (deleted)")
        entry = next(entry_iter, None)
