"""Chain the governance records that exist (issue 20), merged in the order they happened.

The canonical form and the field lists are frozen here as they were when this migration was
written (governance/record/canonical.py, governance/record/records.py). Reversing removes
every entry and empties the head.
"""

import datetime
import decimal
import hashlib
import json

from django.db import migrations

GENESIS = "0" * 64

# model name, time field (the order they happened), canonical fields, only published rows
RECORDS = [
    (
        "killswitchlogentry",
        "timestamp",
        [
            "activation",
            "event",
            "timestamp",
            "actor",
            "reason",
            "severity",
            "scope",
            "approval",
            "notification_sent_to",
            "rows",
        ],
    ),
    (
        "resumecheck",
        "verified_at",
        ["activation", "authority", "verification", "verified_by", "verified_at"],
    ),
    (
        "approvaldecision",
        "decided_at",
        [
            "request",
            "role",
            "person",
            "verdict",
            "statement",
            "revision",
            "policy_version",
            "decided_at",
            "held_as",
        ],
    ),
    (
        "rollbacksignoff",
        "created_at",
        [
            "rollout",
            "rollback_type",
            "date",
            "time",
            "from_phase",
            "to_phase",
            "other_reason",
            "authorized_by",
            "authorized_role",
            "approved_by",
            "approved_role",
            "investigation_assignee",
            "re_ramp_on",
            "client_communication",
            "created_at",
        ],
    ),
    (
        "phasetransition",
        "at",
        [
            "rollout",
            "from_phase",
            "to_phase",
            "kind",
            "at",
            "actor",
            "advance",
            "rollback",
            "policy_version",
        ],
    ),
    (
        "gonogodecision",
        "decided_at",
        ["launch", "outcome", "reason", "decided_by", "decided_at", "policy_version"],
    ),
    ("policyversion", "date", ["version", "date", "change_summary"]),
    (
        "revalidationcheck",
        "verified_at",
        ["sign_off", "activity", "verified_by", "verified_role", "verified_at", "note"],
    ),
]


def encode(value):
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC)
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M:%S.%f")
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def digest(fields):
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def link(seq, record_type, record_id, content_digest, previous):
    text = f"{seq}\n{record_type}\n{record_id}\n{content_digest}\n{previous}"
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _moment(value):
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC)
    return datetime.datetime.combine(value, datetime.time(), tzinfo=datetime.UTC)


def chain_records(apps, schema_editor):
    ChainEntry = apps.get_model("governance", "ChainEntry")
    ChainHead = apps.get_model("governance", "ChainHead")
    rows = []
    for position, (name, time_field, fields) in enumerate(RECORDS):
        model = apps.get_model("governance", name)
        queryset = model.objects.all()
        if name == "policyversion":
            queryset = queryset.exclude(status="draft")
        attnames = [model._meta.get_field(f).attname for f in fields]
        for pk, moment, *values in queryset.values_list("pk", time_field, *attnames):
            content = {f: encode(v) for f, v in zip(fields, values, strict=True)}
            rows.append((_moment(moment), position, pk, f"governance.{name}", content))
    rows.sort(key=lambda row: row[:3])
    head, _ = ChainHead.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": GENESIS})
    now = datetime.datetime.now(datetime.UTC)
    entries = []
    for _, _, pk, record_type, content in rows:
        head.seq += 1
        content_digest = digest(content)
        head.hash = link(head.seq, record_type, pk, content_digest, head.hash)
        entries.append(
            ChainEntry(
                seq=head.seq,
                record_type=record_type,
                record_id=pk,
                digest=content_digest,
                hash=head.hash,
                recorded_at=now,
            )
        )
    ChainEntry.objects.bulk_create(entries, batch_size=1000)
    head.save()


def unchain_records(apps, schema_editor):
    apps.get_model("governance", "ChainEntry").objects.all().delete()
    apps.get_model("governance", "ChainHead").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("governance", "0070_tamper_evident_record")]

    operations = [migrations.RunPython(chain_records, unchain_records)]
