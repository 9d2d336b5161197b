"""The tamper-evident record in an evidence pack (issue 20): the chain segment that holds the
pack's records, the checkpoint it ends on, the standalone verifier and the manifest.

The segment runs from the first of the pack's records to the first checkpoint at or after the
last of them (the head as of the export when none is issued yet); every entry in between is
listed with its hashes, the pack's own records also with their canonical fields, so
`verify_record.py` recomputes both their content and every link up to the checkpoint mailed to
the Owner and the SRE Lead. Format: `governance/record/canonical.py`.
"""

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from django.db.models import Max, Min, Q
from django.utils import timezone

from governance.models import ChainCheckpoint, ChainEntry, ChainHead
from governance.record import canonical
from governance.record.chain import CHAINED, encoded_fields

SCRIPT = "verify_record.py"


def _wanted(records: Iterable) -> dict[str, set[int]]:
    wanted: dict[str, set[int]] = {}
    for record in records:
        label = record._meta.label_lower
        if label in CHAINED:
            wanted.setdefault(label, set()).add(record.pk)
    return wanted


def _fields(wanted: dict[str, set[int]]) -> dict[tuple[str, int], dict]:
    found = {}
    for label, ids in wanted.items():
        spec = CHAINED[label]
        rows = spec.model._base_manager.filter(pk__in=ids).values_list("pk", *spec.attnames)
        for pk, *values in rows:
            found[(label, pk)] = encoded_fields(spec, values)
    return found


def _end(last_wanted: int | None) -> tuple[int, str, str]:
    """The segment's end: (seq, hash, label) of a checkpoint, else of the head now."""
    checkpoint = None
    if last_wanted is not None:
        later = ChainCheckpoint.objects.filter(seq__gte=last_wanted)
        checkpoint = later.order_by("seq", "day").first()
    if checkpoint is not None:
        return checkpoint.seq, checkpoint.hash, f"of {checkpoint.day.isoformat()}"
    head = ChainHead.objects.filter(pk=1).first()
    now = timezone.localtime().strftime("%Y-%m-%d %H:%M %Z")
    seq, hash_ = (head.seq, head.hash) if head else (0, canonical.GENESIS)
    return seq, hash_, f"not yet issued: the head at the export, {now}"


def segment_files(*, records: Iterable) -> dict[str, bytes]:
    """`record/segment.json`, `record/chain.jsonl` and `verify_record.py` for these records."""
    wanted = _wanted(records)
    condition = Q(pk__in=[])
    for label, ids in wanted.items():
        condition |= Q(record_type=label, record_id__in=ids)
    bounds = ChainEntry.objects.filter(condition).aggregate(first=Min("seq"), last=Max("seq"))
    end_seq, end_hash, label = _end(bounds["last"])
    first = bounds["first"] if bounds["first"] is not None else end_seq + 1
    previous = (
        ChainEntry.objects.filter(seq=first - 1).values_list("hash", flat=True).first()
        or canonical.GENESIS
    )
    fields = _fields(wanted)
    lines = []
    rows = ChainEntry.objects.filter(seq__gte=first, seq__lte=end_seq).order_by("seq")
    for seq, record_type, record_id, digest, hash_ in rows.values_list(
        "seq", "record_type", "record_id", "digest", "hash"
    ).iterator(chunk_size=2000):
        line = {"seq": seq, "type": record_type, "id": record_id, "digest": digest, "hash": hash_}
        if (record_type, record_id) in fields:
            line["fields"] = fields[(record_type, record_id)]
        lines.append(json.dumps(line, sort_keys=True, ensure_ascii=False))
    segment = {
        "first_seq": first,
        "last_seq": end_seq,
        "previous_hash": previous,
        "checkpoint": {"label": label, "seq": end_seq, "hash": end_hash},
    }
    return {
        "record/segment.json": json.dumps(segment, indent=2, sort_keys=True).encode() + b"\n",
        "record/chain.jsonl": "".join(f"{line}\n" for line in lines).encode(),
        SCRIPT: Path(canonical.__file__).read_bytes(),
    }


def sealed(files: dict[str, str | bytes]) -> dict[str, bytes]:
    """The files with `MANIFEST.sha256` over every one of them."""
    data = {name: text.encode() if isinstance(text, str) else text for name, text in files.items()}
    manifest = "".join(
        f"{hashlib.sha256(body).hexdigest()}  {name}\n" for name, body in sorted(data.items())
    )
    return {**data, canonical.MANIFEST: manifest.encode()}


README = (
    "## Tamper-evident record\n\n"
    "- record/chain.jsonl: the chain segment holding this pack's records (issue 20), up to "
    "the checkpoint in record/segment.json\n"
    f"- {SCRIPT}: checks the pack with Python alone: `python {SCRIPT} pack.zip`; compare the "
    "checkpoint hash it prints with the copy mailed to the Ingestion Owner and the SRE Lead\n"
    f"- {canonical.MANIFEST}: the SHA-256 of every file\n"
)
