"""Staging holds raw PII: private modes, PII-redacted rejects, atomic manifests and bounded retention."""
from __future__ import annotations

import hashlib
import hmac
import os
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path

import orjson
import pytest

from genesys_pipeline.normalize.normalizer import Normalizer
from genesys_pipeline.normalize.pii import PiiConfig
from genesys_pipeline.staging.rejects import RejectsFile
from genesys_pipeline.staging.area import MANIFEST_NAME, Manifest, StagingArea, query_hash
from genesys_pipeline.staging.retention import purge_expired

QUERY = {"interval": "2024-05-01T00:00:00.000Z/2024-05-02T00:00:00.000Z"}
PAGE = orjson.dumps({"conversations": [{"conversationId": "c-1"}]})
NOW = datetime(2024, 6, 1, tzinfo=timezone.utc)


def _extract(area: StagingArea, partition: str = "2024-05-01", when: datetime = NOW, commit: bool = True):
    writer = area.open_writer(partition, QUERY)
    writer.write_page(PAGE, records=1)
    if commit:
        writer.commit(extracted_at=when)
    return writer.directory


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _age(path: Path, days: float) -> None:
    moment = (NOW - timedelta(days=days)).timestamp()
    os.utime(path, (moment, moment))


@pytest.fixture()
def open_umask():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_staged_files_are_0600_and_directories_0700(tmp_path, open_umask):
    root = tmp_path / "staging"
    area = StagingArea(root)
    directory = _extract(area)
    rejects = RejectsFile(area.rejects_root / "2024-05-01" / "q.jsonl", private_root=area.rejects_root)
    with rejects:
        rejects.write("c-1", "missing participantId", {})
    files = [path for path in root.rglob("*") if path.is_file()]
    dirs = [root, *(path for path in root.rglob("*") if path.is_dir())]
    assert len(files) == 3 and directory in dirs
    assert {_mode(path) for path in files} == {0o600}
    assert {_mode(path) for path in dirs} == {0o700}


def test_rejects_get_the_pii_config(tmp_path):
    name = "Zebulon Quixotic"
    record = {"conversationId": "c-9", "participants": [
        {"participantName": name, "attributes": {"crm.email": "zq@example.com"}, "sessions": [{"ani": "tel:+15550001"}]}]}
    pii = PiiConfig.from_json('{"hash": ["participant_name", "participant_attributes.value"], "drop": ["ani"]}', salt="k")
    path = tmp_path / "rejects" / "2024-05-01" / "q.jsonl"
    with RejectsFile(path) as rejects:
        Normalizer(NOW, "run", pii=pii, rejects=rejects).normalize_page(orjson.dumps({"conversations": [record]}))
    line = orjson.loads(path.read_bytes())
    assert line["reason"] == "missing participantId"
    participant = line["record"]["participants"][0]
    assert participant["participantName"] == hmac.new(b"k", name.encode(), hashlib.sha256).hexdigest()
    assert participant["attributes"]["crm.email"] != "zq@example.com"
    assert participant["sessions"][0]["ani"] is None
    assert b"Zebulon" not in path.read_bytes() and b"15550001" not in path.read_bytes()


def test_manifest_is_renamed_into_place_so_a_crash_leaves_none(tmp_path, monkeypatch):
    area = StagingArea(tmp_path)
    writer = area.open_writer("2024-05-01", QUERY)
    writer.write_page(PAGE, records=1)
    monkeypatch.setattr(Path, "rename", lambda self, target: (_ for _ in ()).throw(OSError("killed")))
    with pytest.raises(OSError):
        writer.commit(extracted_at=NOW)
    monkeypatch.undo()
    assert not (writer.directory / MANIFEST_NAME).exists()
    assert area.read_manifest("2024-05-01", query_hash(QUERY)) is None


@pytest.mark.parametrize("content", [b'{"partition": "2024-05-01", "pag', b"", b"[]", b'{"unexpected": 1}'])
def test_unreadable_manifest_is_treated_as_absent_and_a_rerun_recovers(tmp_path, content):
    area = StagingArea(tmp_path)
    directory = _extract(area)
    (directory / MANIFEST_NAME).write_bytes(content)
    assert area.read_manifest("2024-05-01", query_hash(QUERY)) is None
    assert area.find_fresh("2024-05-01", QUERY, ttl_seconds=10**9, now=NOW) is None
    _extract(area)
    assert isinstance(area.read_manifest("2024-05-01", query_hash(QUERY)), Manifest)


def test_retention_purges_only_what_no_run_can_still_need(tmp_path):
    area = StagingArea(tmp_path)
    old_complete = _extract(area, "2024-04-01", when=NOW - timedelta(days=15))
    recent_complete = _extract(area, "2024-05-20", when=NOW - timedelta(days=13))  # a failed load may rerun from it
    running = _extract(area, "2024-05-30", commit=False)
    _age(running, 30)  # the directory is old, but its last page was written just now: still running
    for page in running.iterdir():
        _age(page, 0.01)
    interrupted = _extract(area, "2024-04-10", commit=False)
    for path in (*interrupted.iterdir(), interrupted):
        _age(path, 15)
    old_rejects = tmp_path / "conversation_details_rejects" / "2024-04-01" / "q.jsonl"
    new_rejects = tmp_path / "conversation_details_rejects" / "2024-05-20" / "q.jsonl"
    for path, days in ((old_rejects, 15), (new_rejects, 1)):
        with RejectsFile(path) as rejects:
            rejects.write("c", "reason", {})
        _age(path, days)
    erasure_key = tmp_path / "conversation_details" / ".erasure_secret"  # a file beside the partitions
    erasure_key.write_text("k")
    _age(erasure_key, 30)

    report = purge_expired(area, retention_days=14, now=NOW)

    assert (report.extractions, report.rejects) == (2, 1)
    assert not old_complete.exists() and not interrupted.exists() and not old_rejects.exists()
    assert recent_complete.exists() and running.exists() and new_rejects.exists()
    assert area.read_manifest("2024-05-20", query_hash(QUERY)) is not None
    assert not old_complete.parent.exists()  # its emptied partition directory too
    assert erasure_key.read_text() == "k"  # not an extraction: never purged


def test_retention_below_one_day_is_refused(tmp_path):
    with pytest.raises(ValueError, match="genesys_staging_retention_days must be >= 1"):
        purge_expired(StagingArea(tmp_path), 0)
