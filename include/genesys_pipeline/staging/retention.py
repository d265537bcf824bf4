"""Purging raw staged pages and rejects after ``genesys_staging_retention_days``.

Raw pages hold unhashed PII and are only needed to (re)load a day, so they are kept for a
bounded time. The rule, per extraction directory:

* complete (readable, complete manifest): kept until ``retention_days`` after its
  ``extracted_at``. That is the window in which a failed load, or a cleared one, can be rerun
  from staging without calling Genesys; after it a rerun of ``extract`` fetches the day again.
* not complete (an extraction still running, or one that was interrupted): kept until
  ``retention_days`` after its newest file was written. A running extraction writes a page at
  least every few minutes and no task runs longer than its ``execution_timeout`` (at most 7 h,
  below the 1-day minimum retention), so a running extraction is never purged; an interrupted
  one is never read again (a rerun starts it afresh), so only its age matters.

A rejects file is kept until ``retention_days`` after it was written.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from genesys_pipeline.staging.area import StagingArea

log = logging.getLogger(__name__)


@dataclass
class PurgeReport:
    extractions: int = 0
    rejects: int = 0


def purge_expired(staging: StagingArea, retention_days: int, now: datetime | None = None) -> PurgeReport:
    """Delete what the retention rule above lets go; returns what was deleted."""
    if retention_days < 1:
        raise ValueError(f"setting genesys_staging_retention_days must be >= 1, got {retention_days}")
    cutoff = (now or datetime.now(UTC)) - timedelta(days=retention_days)
    report = PurgeReport()
    for partition_dir in _directories(staging.extractions_root):  # files beside them (the erasure key) stay
        for directory in _directories(partition_dir):
            if _expired_extraction(staging, partition_dir.name, directory, cutoff):
                _remove_tree(directory)
                report.extractions += 1
        _remove_if_empty(partition_dir)
    for partition_dir in _directories(staging.rejects_root):
        for path in _children(partition_dir):
            if _modified(path) < cutoff:
                path.unlink()
                report.rejects += 1
        _remove_if_empty(partition_dir)
    return report


def _expired_extraction(staging: StagingArea, partition: str, directory: Any, cutoff: datetime) -> bool:
    manifest = staging.read_manifest(partition, directory.name)
    extracted = manifest.extracted_at_datetime() if manifest else None
    if extracted is not None:
        return extracted < cutoff
    times = [_modified(path) for path in _children(directory)] or [_modified(directory)]
    return max(times) < cutoff


def _children(directory: Any) -> Iterable[Any]:
    try:
        return sorted(directory.iterdir(), key=lambda path: path.name)
    except (FileNotFoundError, NotADirectoryError):
        return []


def _directories(directory: Any) -> list[Any]:
    return [path for path in _children(directory) if path.is_dir()]


def _modified(path: Any) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def _remove_tree(directory: Any) -> None:
    for path in _children(directory):
        path.unlink()
    directory.rmdir()


def _remove_if_empty(directory: Any) -> None:
    if not list(_children(directory)):
        directory.rmdir()
