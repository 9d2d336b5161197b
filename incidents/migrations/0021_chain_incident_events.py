"""Chain the incident timeline that exists (issue 20), in its order (time, then id), after the
governance records. The canonical form is frozen here as in governance/record/canonical.py.
Reversing removes the entries from the first incident event on and moves the head back.
"""

import datetime
import hashlib
import json

from django.db import migrations

GENESIS = "0" * 64
RECORD_TYPE = "incidents.incidentevent"
FIELDS = ["incident", "at", "kind", "actor", "text", "step"]


def encode(value):
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value


def digest(fields):
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def link(seq, record_type, record_id, content_digest, previous):
    text = f"{seq}\n{record_type}\n{record_id}\n{content_digest}\n{previous}"
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def chain_events(apps, schema_editor):
    IncidentEvent = apps.get_model("incidents", "IncidentEvent")
    ChainEntry = apps.get_model("governance", "ChainEntry")
    ChainHead = apps.get_model("governance", "ChainHead")
    head, _ = ChainHead.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": GENESIS})
    attnames = [IncidentEvent._meta.get_field(f).attname for f in FIELDS]
    now = datetime.datetime.now(datetime.UTC)
    entries = []
    for pk, *values in IncidentEvent.objects.order_by("at", "id").values_list("pk", *attnames):
        head.seq += 1
        content_digest = digest({f: encode(v) for f, v in zip(FIELDS, values, strict=True)})
        head.hash = link(head.seq, RECORD_TYPE, pk, content_digest, head.hash)
        entries.append(
            ChainEntry(
                seq=head.seq,
                record_type=RECORD_TYPE,
                record_id=pk,
                digest=content_digest,
                hash=head.hash,
                recorded_at=now,
            )
        )
    ChainEntry.objects.bulk_create(entries, batch_size=1000)
    head.save()


def unchain_events(apps, schema_editor):
    ChainEntry = apps.get_model("governance", "ChainEntry")
    ChainHead = apps.get_model("governance", "ChainHead")
    first = ChainEntry.objects.filter(record_type=RECORD_TYPE).order_by("seq").first()
    if first is None:
        return
    ChainEntry.objects.filter(seq__gte=first.seq).delete()
    before = ChainEntry.objects.filter(seq=first.seq - 1).first()
    ChainHead.objects.filter(pk=1).update(
        seq=first.seq - 1, hash=before.hash if before else GENESIS
    )


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0018_structured_post_incident_review"),
        ("governance", "0071_chain_existing_records"),
    ]

    operations = [migrations.RunPython(chain_events, unchain_events)]
