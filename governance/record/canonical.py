"""The canonical content of a chained record and the chain's link hash (issue 20).

This file is also the verifier of an evidence pack: the pack carries it verbatim as
`verify_record.py`, so anyone can check a pack with Python alone (standard library only, no
portal): `python verify_record.py pack.zip` (or run it inside the unpacked folder).

The format, which never changes (a change would break every hash already written):

- content: the record's registered fields as one JSON object, keys sorted, separators "," and
  ":" with no spaces, UTF-8 (not ASCII-escaped). Values: a foreign key is the related row's id;
  a datetime is UTC "YYYY-MM-DDTHH:MM:SS.ffffffZ"; a date "YYYY-MM-DD"; a time
  "HH:MM:SS.ffffff"; a decimal its string; strings, integers, booleans and null as JSON.
- digest = SHA-256 (hex) of the content.
- link = SHA-256 (hex) of "<seq>\\n<record type>\\n<record id>\\n<digest>\\n<previous link>"
  (ASCII); the first entry's previous link is GENESIS (64 zeros). The record type is the
  model's "app_label.modelname".

A pack holds `record/segment.json` (the first and last sequence numbers, the link before the
first, the checkpoint the segment ends on), `record/chain.jsonl` (one entry a line: seq, type,
id, digest, hash, and the encoded fields of the records the pack is about) and
`MANIFEST.sha256` (the SHA-256 of every other file, one "<hex>  <path>" line each).
"""

import datetime
import decimal
import hashlib
import json
import sys
import uuid
import zipfile
import zlib
from pathlib import Path

GENESIS = "0" * 64
MANIFEST = "MANIFEST.sha256"


# One encoder for every record: json.dumps() with options would build one per call.
_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def encode(value):
    """One field value in its canonical JSON form."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            if value.tzinfo is not datetime.UTC:  # the database gives UTC: no conversion then
                value = value.astimezone(datetime.UTC)
            value = value.replace(tzinfo=None)
        return value.isoformat(timespec="microseconds") + "Z"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M:%S.%f")
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


def content(fields: dict) -> bytes:
    """The canonical JSON of already encoded fields."""
    return _JSON.encode(fields).encode()


def digest(fields: dict) -> str:
    return hashlib.sha256(content(fields)).hexdigest()


def link(seq: int, record_type: str, record_id: int, content_digest: str, previous: str) -> str:
    text = f"{seq}\n{record_type}\n{record_id}\n{content_digest}\n{previous}"
    return hashlib.sha256(text.encode("ascii")).hexdigest()


# --- The pack verifier (what `python verify_record.py` runs) ----------------------------------


class PackError(Exception):
    pass


def _read_pack(path: Path) -> dict[str, bytes]:
    if path.is_dir():
        return {
            str(p.relative_to(path)).replace("\\", "/"): p.read_bytes()
            for p in sorted(path.rglob("*"))
            if p.is_file()
        }
    try:
        with zipfile.ZipFile(path) as pack:
            return {name: pack.read(name) for name in pack.namelist() if not name.endswith("/")}
    except (zipfile.BadZipFile, zlib.error, OSError) as error:  # a bad CRC is a BadZipFile
        raise PackError(f"{path}: not a readable zip ({error})") from error


def _check_manifest(files: dict[str, bytes]) -> None:
    if MANIFEST not in files:
        raise PackError(f"{MANIFEST} is missing.")
    listed = {}
    for number, line in enumerate(files[MANIFEST].decode("utf-8").split("\n"), start=1):
        if line == "":
            continue
        hexdigest, sep, name = line.partition("  ")
        if not sep or len(hexdigest) != 64 or name in listed:
            raise PackError(f"{MANIFEST} line {number} is malformed: {line!r}")
        listed[name] = hexdigest
    if not files[MANIFEST].endswith(b"\n"):
        raise PackError(f"{MANIFEST} does not end with a newline.")
    others = set(files) - {MANIFEST}
    if others - set(listed):
        raise PackError(f"Files not in {MANIFEST}: {', '.join(sorted(others - set(listed)))}")
    if set(listed) - others:
        raise PackError(f"Files missing from the pack: {', '.join(sorted(set(listed) - others))}")
    for name, hexdigest in sorted(listed.items()):
        if hashlib.sha256(files[name]).hexdigest() != hexdigest:
            raise PackError(f"{name} does not match its SHA-256 in {MANIFEST}.")


def _check_chain(files: dict[str, bytes]) -> str:
    segment = json.loads(files["record/segment.json"])
    expected, previous = segment["first_seq"], segment["previous_hash"]
    lines = files["record/chain.jsonl"].decode("utf-8").splitlines()
    for line in lines:
        entry = json.loads(line)
        where = f"entry #{entry['seq']} ({entry['type']} {entry['id']})"
        if entry["seq"] != expected:
            raise PackError(f"Entry #{expected} is missing (found #{entry['seq']} instead).")
        if "fields" in entry and digest(entry["fields"]) != entry["digest"]:
            raise PackError(f"{where}: the record's content does not match its digest.")
        if (
            link(entry["seq"], entry["type"], entry["id"], entry["digest"], previous)
            != (entry["hash"])
        ):
            raise PackError(f"{where}: the link hash does not match (altered or reordered).")
        previous, expected = entry["hash"], expected + 1
    if expected - 1 != segment["last_seq"]:
        raise PackError(f"The segment ends at #{expected - 1}, not #{segment['last_seq']}.")
    checkpoint = segment["checkpoint"]
    if checkpoint["seq"] != segment["last_seq"] or checkpoint["hash"] != previous:
        raise PackError("The chain does not end on its checkpoint.")
    return (
        f"Chain #{segment['first_seq']}..#{segment['last_seq']} verified ({len(lines)} entries). "
        f"Checkpoint {checkpoint['label']}: {checkpoint['hash']} — compare it with the copy "
        "mailed to the Ingestion Owner and the SRE Lead."
    )


def verify_pack(path: Path) -> str:
    """Check a pack (a zip or an unpacked folder); raise PackError naming the first fault."""
    files = _read_pack(path)
    _check_manifest(files)
    try:
        return _check_chain(files)
    except (KeyError, ValueError, TypeError) as error:
        raise PackError(f"record/ files are malformed: {type(error).__name__}: {error}") from error


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent
    try:
        print(verify_pack(path))
    except PackError as error:
        print(f"BROKEN: {error}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
