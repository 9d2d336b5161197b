"""Benchmark the tamper-evident record (issue 20; not a test).

Seeds its own database (a fresh SQLite file under /tmp unless DATABASE_URL is set). Prints:

1. the write cost of one record (an incident event saved in its own transaction) with the
   chain and without it (the same insert through Django's plain Model.save), at several chain
   lengths;
2. the time of a full verification (`verify_chain`) at 10 000, 100 000 and 1 000 000 chained
   records (BENCH_RECORDS sets the largest), with its query count.

Seeding writes rows and their chain entries with bulk inserts (a benchmark fixture, not an
audited change): the entries are computed here exactly as `governance.record.chain.append`
computes them.

    DATABASE_URL=postgres://…/bench .venv/bin/python bench/record.py
"""

import datetime
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import boot  # noqa: E402

boot.start(production_like=True)

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, models, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from governance.models import ChainEntry, ChainHead, Severity  # noqa: E402
from governance.record import canonical  # noqa: E402
from governance.record.chain import content_of  # noqa: E402
from governance.record.verify import verify_chain  # noqa: E402
from incidents.models import Incident, IncidentEvent  # noqa: E402

LARGEST = int(os.environ.get("BENCH_RECORDS", 1_000_000))
SIZES = [size for size in (10_000, 100_000, 1_000_000) if size < LARGEST] + [LARGEST]
WRITES, BATCH = 300, 10_000
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


def write_cost(incident, actor) -> tuple[float, float]:
    """Milliseconds per record saved in its own transaction: chained, then plain."""
    timings, plain_ids = [], []
    for chained in (True, False):
        started = time.perf_counter()
        for n in range(WRITES):
            event = _event(incident, actor, n)
            with transaction.atomic():
                if chained:
                    event.save()
                else:
                    models.Model.save(event)
                    plain_ids.append(event.pk)
        timings.append((time.perf_counter() - started) * 1000 / WRITES)
    # The plain rows are not records: remove them so verification sees a clean chain.
    with connection.cursor() as cursor:
        marks = ", ".join(["%s"] * len(plain_ids))
        cursor.execute(f"DELETE FROM incidents_incidentevent WHERE id IN ({marks})", plain_ids)
    return timings[0], timings[1]


def verify_figures() -> tuple[float, float, int, bool]:
    started, cpu = time.perf_counter(), time.process_time()
    outcome = verify_chain()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    with CaptureQueriesContext(connection) as queries:
        verify_chain()
    return elapsed, cpu, len(queries), outcome.ok


def main() -> None:
    call_command("migrate", verbosity=0)
    actor = get_user_model().objects.create_user("bench", email="bench@example.com")
    now = timezone.now()
    incident = Incident.objects.create(
        title="Bench", severity=Severity.objects.get(key="P2"), opened_at=now, ladder_started_at=now
    )
    print(f"database: {connection.vendor}; writes: {WRITES} per figure, one transaction each")
    print(
        f"{'chain length':>13} | {'write, chained':>14} | {'write, plain':>12} | "
        f"{'overhead':>8} | {'verify':>8} | {'verify CPU':>10} | {'queries':>7} | ok"
    )
    for size in SIZES:
        seed_to(size, incident, actor)
        chained, plain = write_cost(incident, actor)
        elapsed, cpu, queries, ok = verify_figures()
        print(
            f"{ChainHead.objects.get(pk=1).seq:>13,} | {chained:>11.2f} ms | {plain:>9.2f} ms | "
            f"{chained - plain:>5.2f} ms | {elapsed:>6.1f} s | {cpu:>8.1f} s | {queries:>7} | {ok}"
        )


if __name__ == "__main__":
    main()
