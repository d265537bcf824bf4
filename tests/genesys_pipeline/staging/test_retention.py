"""Staging holds raw PII: retention is bounded (``genesys_staging_retention_days``) and purges only what
no run can still need."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from genesys_pipeline.staging.area import StagingArea, query_hash
from genesys_pipeline.staging.rejects import RejectsFile
from genesys_pipeline.staging.retention import purge_expired
from tests.genesys_pipeline.staging.one_page import NOW, QUERY, stage_one_page


def _age(path: Path, days: float) -> None:
    moment = (NOW - timedelta(days=days)).timestamp()
    os.utime(path, (moment, moment))


def test_retention_purges_only_what_no_run_can_still_need(tmp_path):
    area = StagingArea(tmp_path)
    old_complete = stage_one_page(area, "2024-04-01", when=NOW - timedelta(days=15))
    recent_complete = stage_one_page(
        area, "2024-05-20", when=NOW - timedelta(days=13)
    )  # a failed load may rerun from it
    running = stage_one_page(area, "2024-05-30", commit=False)
    _age(running, 30)  # the directory is old, but its last page was written just now: still running
    for page in running.iterdir():
        _age(page, 0.01)
    interrupted = stage_one_page(area, "2024-04-10", commit=False)
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
