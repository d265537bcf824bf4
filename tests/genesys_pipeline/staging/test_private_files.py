"""Staging holds raw PII: staged pages and rejects are private (files 0600, directories 0700) whatever the umask."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from genesys_pipeline.staging.area import StagingArea
from genesys_pipeline.staging.rejects import RejectsFile
from tests.genesys_pipeline.staging.one_page import stage_one_page


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture()
def open_umask():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_staged_files_are_0600_and_directories_0700(tmp_path, open_umask):
    root = tmp_path / "staging"
    area = StagingArea(root)
    directory = stage_one_page(area)
    rejects = RejectsFile(area.rejects_root / "2024-05-01" / "q.jsonl", private_root=area.rejects_root)
    with rejects:
        rejects.write("c-1", "missing participantId", {})
    files = [path for path in root.rglob("*") if path.is_file()]
    dirs = [root, *(path for path in root.rglob("*") if path.is_dir())]
    assert len(files) == 3 and directory in dirs
    assert {_mode(path) for path in files} == {0o600}
    assert {_mode(path) for path in dirs} == {0o700}
