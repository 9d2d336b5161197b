"""Benchmark the tamper-evident record (issue 20; not a test).

Seeds its own database (a fresh SQLite file under /tmp unless DATABASE_URL is set) with a chain
of 2 500 records per size of BENCH_SIZES (100×: 250 000). At each size, one table of:

1. the write cost of 20 records (incident events, each saved in its own transaction) with the
   chain and without it (the same inserts through Django's plain Model.save);
2. the time of a full verification (`verify_chain`), with its query count.

Seeding writes rows and their chain entries with bulk inserts (a benchmark fixture, not an
audited change): the entries are computed here exactly as `governance.record.chain.append`
computes them.

    DATABASE_URL=postgres://…/bench .venv/bin/python bench/record.py
"""

import datetime
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import boot  # noqa: E402
from bench.table import SIZES, Table, measure  # noqa: E402

boot.start(production_like=True)

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, models, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from governance.models import ChainEntry, ChainHead, Severity  # noqa: E402
from governance.record import canonical  # noqa: E402
from governance.record.chain import content_of  # noqa: E402
from governance.record.verify import verify_chain  # noqa: E402
from incidents.models import Incident, IncidentEvent  # noqa: E402

# Records per size: 100× is a quarter of a million (BENCH_SIZES=1,40,400 reaches a million).
PER_SIZE, WRITES, BATCH = 2_500, 20, 10_000
LABEL = "incidents.incidentevent"


def _event(incident, actor, n: int) -> IncidentEvent:
    return IncidentEvent(
        incident=incident,
        at=incident.opened_at + datetime.timedelta(seconds=n),
        kind="note",
        actor=actor,
        text=f"Bench event {n}: alert fired again for the ingestion pipeline",
    )


def seed_to(size: int, incident, actor) -> None:
    """Chained events until the chain holds `size` entries."""
    plain = models.QuerySet(model=IncidentEvent)  # Django's own bulk insert, without the chain
    while (head := ChainHead.objects.get(pk=1)).seq < size:
        count = min(BATCH, size - head.seq)
        with transaction.atomic():
            events = plain.bulk_create(
                [_event(incident, actor, head.seq + n) for n in range(count)]
            )
            entries, previous = [], head.hash
            for offset, event in enumerate(events, start=1):
                seq = head.seq + offset
                digest = canonical.digest(content_of(event))
                previous = canonical.link(seq, LABEL, event.pk, digest, previous)
                entries.append(
                    ChainEntry(
                        seq=seq,
                        record_type=LABEL,
                        record_id=event.pk,
                        digest=digest,
                        hash=previous,
                        recorded_at=timezone.now(),
                    )
                )
            ChainEntry.objects.bulk_create(entries, batch_size=BATCH)
            ChainHead.objects.filter(pk=1).update(seq=head.seq + count, hash=previous)


def writes(incident, actor, *, chained: bool, plain_ids: list):
    """WRITES records, each saved in its own transaction, chained or through Model.save."""

    def run():
        for n in range(WRITES):
            event = _event(incident, actor, n)
            with transaction.atomic():
                if chained:
                    event.save()
                else:
                    models.Model.save(event)
                    plain_ids.append(event.pk)

    return run


def delete_plain(plain_ids: list) -> None:
    """The plain rows are not records: removed so verification sees a clean chain."""
    with connection.cursor() as cursor:
        marks = ", ".join(["%s"] * len(plain_ids))
        cursor.execute(f"DELETE FROM incidents_incidentevent WHERE id IN ({marks})", plain_ids)
    plain_ids.clear()


def main() -> None:
    boot.migrate()
    actor = get_user_model().objects.create_user("bench", email="bench@example.com")
    now = timezone.now()
    incident = Incident.objects.create(
        title="Bench", severity=Severity.objects.get(key="P2"), opened_at=now, ladder_started_at=now
    )
    table = Table("record")
    for size in SIZES:
        started = time.perf_counter()
        seed_to(PER_SIZE * size, incident, actor)
        print(
            f"size {size}x ({connection.vendor}): chain of {ChainHead.objects.get(pk=1).seq:,} "
            f"records, seeded in {time.perf_counter() - started:.1f} s"
        )
        plain_ids = []
        for label, chained in (("chained", True), ("plain Model.save", False)):
            figure = measure(writes(incident, actor, chained=chained, plain_ids=plain_ids))
            table.add(f"{WRITES} record writes, {label}", size, figure)
        delete_plain(plain_ids)
        assert verify_chain().ok
        table.add("verify_chain (the whole chain)", size, measure(verify_chain, warm=False))
    table.print()


if __name__ == "__main__":
    main()
