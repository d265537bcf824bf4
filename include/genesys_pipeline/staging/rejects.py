"""Quarantine for conversation records the warehouse cannot key: a JSONL file, one per run.

A record missing a required id is not loadable (no primary key), but dropping it silently
would lose data, so it is written here whole, with the reason, for someone to look at. The
file is opened lazily: a clean extraction leaves no file behind.
"""

from __future__ import annotations

from typing import Any, BinaryIO, Protocol

import orjson

from genesys_pipeline.staging.private_files import make_private_dirs, open_private


class RejectedRecord(ValueError):
    """Raised inside the normalizer when a record lacks a required key."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RejectSink(Protocol):
    """Where the normalizer puts the records it rejects: a :class:`RejectsFile`, or the normalize
    worker's collector, which sends them back to the loading process."""

    def write(self, conversation_id: str | None, reason: str, record: Any) -> None: ...


class RejectsFile:
    """Appends ``{"conversation_id", "reason", "record"}`` lines to ``path`` (pathlib-like), private
    to its owner, and so is every directory from ``private_root`` (default: the file's own) down
    to it. The normalizer applies the PII config to each record before it gets here."""

    def __init__(self, path: Any, private_root: Any = None) -> None:
        self.path = path
        self.root = path.parent if private_root is None else private_root
        self._handle: BinaryIO | None = None
        self.count = 0

    def write(self, conversation_id: str | None, reason: str, record: Any) -> None:
        if self._handle is None:
            make_private_dirs(self.path.parent, self.root)
            self._handle = open_private(self.path)
        line = {"conversation_id": conversation_id, "reason": reason, "record": record}
        self._handle.write(orjson.dumps(line) + b"\n")
        self.count += 1

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __enter__(self) -> RejectsFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
