"""Issue 20: an evidence pack carries its chain segment, the checkpoint it ends on and a
standalone script (Python's standard library only) that verifies the pack and finds a one-byte
change."""

import datetime
import hashlib
import io
import json
import subprocess
import sys
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from governance.compliance import report as compliance
from governance.models import ChainCheckpoint
from governance.record import services
from tests.helpers.record import make_record


def _run(*args, cwd):
    # -I: isolated, no site-packages and no project on the path: the script stands alone.
    return subprocess.run(
        [sys.executable, "-I", *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def pack(owner, sre_lead, tmp_path):
    """An incident's pack: two events, a checkpoint issued after them, one record later."""
    first = make_record("incidents.incidentevent", owner, sre_lead, n=0)
    incident = first.incident
    incident.events.create(at=first.at, kind="note", text="Second ✓", actor=owner)
    checkpoint = services.issue_checkpoint(day=timezone.localdate(), at=timezone.now())
    make_record("incidents.incidentevent", owner, sre_lead, n=1)  # another incident's
    path = tmp_path / "pack.zip"
    path.write_bytes(compliance.incident_evidence(incident))
    return {"path": path, "checkpoint": checkpoint, "incident": incident}


def test_the_script_verifies_the_pack_up_to_its_checkpoint(pack, tmp_path):
    with zipfile.ZipFile(pack["path"]) as archive:
        script = tmp_path / "verify_record.py"
        script.write_bytes(archive.read("verify_record.py"))
        segment = json.loads(archive.read("record/segment.json"))
        lines = [json.loads(x) for x in archive.read("record/chain.jsonl").splitlines()]
    result = _run(str(script), str(pack["path"]), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert pack["checkpoint"].hash in result.stdout
    assert segment["last_seq"] == pack["checkpoint"].seq
    assert [x["fields"]["text"] for x in lines if "fields" in x][-1] == "Second ✓"


def test_the_script_runs_inside_the_unpacked_folder(pack, tmp_path):
    folder = tmp_path / "unpacked"
    with zipfile.ZipFile(pack["path"]) as archive:
        archive.extractall(folder)
    result = _run("verify_record.py", cwd=folder)
    assert result.returncode == 0, result.stdout


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def test_a_one_byte_change_in_the_zip_is_found(pack, tmp_path):
    data = pack["path"].read_bytes()
    with zipfile.ZipFile(pack["path"]) as archive:
        info = archive.getinfo("record/chain.jsonl")
        script = tmp_path / "verify_record.py"
        script.write_bytes(archive.read("verify_record.py"))
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    broken = tmp_path / "broken.zip"
    broken.write_bytes(_flip(data, start + info.compress_size // 2))
    result = _run(str(script), str(broken), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("BROKEN:")


@pytest.mark.parametrize("name", ["record/chain.jsonl", "timeline.csv", "MANIFEST.sha256"])
def test_a_one_byte_change_in_any_unpacked_file_is_found(pack, tmp_path, name):
    folder = tmp_path / "unpacked"
    with zipfile.ZipFile(pack["path"]) as archive:
        archive.extractall(folder)
    target = folder / name
    target.write_bytes(_flip(target.read_bytes(), len(target.read_bytes()) // 2))
    result = _run("verify_record.py", cwd=folder)
    assert result.returncode == 1
    assert "BROKEN:" in result.stdout


def test_a_record_edited_in_the_pack_with_a_fixed_manifest_is_found(pack, tmp_path):
    """Whoever also rewrites the manifest still breaks the chain."""
    folder = tmp_path / "unpacked"
    with zipfile.ZipFile(pack["path"]) as archive:
        archive.extractall(folder)
    chain = folder / "record" / "chain.jsonl"
    chain.write_text(chain.read_text().replace("Second ✓", "Second !"))
    manifest = "".join(
        f"{hashlib.sha256((folder / n).read_bytes()).hexdigest()}  {n}\n"
        for n in sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
        if n != "MANIFEST.sha256"
    )
    (folder / "MANIFEST.sha256").write_text(manifest)
    result = _run("verify_record.py", cwd=folder)
    assert result.returncode == 1
    assert "the record's content does not match its digest" in result.stdout


def test_a_pack_before_any_checkpoint_ends_on_the_head(owner, sre_lead, tmp_path):
    event = make_record("incidents.incidentevent", owner, sre_lead)
    assert not ChainCheckpoint.objects.exists()
    data = compliance.incident_evidence(event.incident)
    segment = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("record/segment.json"))
    assert segment["checkpoint"]["label"].startswith("not yet issued")
    path = tmp_path / "pack.zip"
    path.write_bytes(data)
    (tmp_path / "v.py").write_bytes(zipfile.ZipFile(path).read("verify_record.py"))
    assert _run("v.py", str(path), cwd=tmp_path).returncode == 0


def test_the_month_pack_from_its_page_verifies(client, owner, sre_lead, tmp_path):
    event = make_record("incidents.incidentevent", owner, sre_lead)
    opened = event.incident.opened_at
    client.force_login(owner)
    response = client.get(reverse("compliance:month_pack", args=[opened.year, opened.month]))
    path = tmp_path / "month.zip"
    path.write_bytes(response.content)
    (tmp_path / "v.py").write_bytes(zipfile.ZipFile(path).read("verify_record.py"))
    result = _run("v.py", str(path), cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    lines = zipfile.ZipFile(path).read("record/chain.jsonl").decode().splitlines()
    assert any(json.loads(x).get("id") == event.pk and "fields" in json.loads(x) for x in lines)


def test_a_checkpoint_is_issued_once_a_day(owner, sre_lead):
    day = datetime.date(2030, 1, 1)
    assert services.issue_checkpoint(day=day, at=timezone.now()) is not None
    assert services.issue_checkpoint(day=day, at=timezone.now()) is None
