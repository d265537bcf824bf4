"""Batches a load holds back until its last page, kept on disk rather than in memory.

A PostgreSQL load merges the conversations of other days (midnight spanners, re-opened
threads) only after its last batch, under those days' locks (:mod:`.daylocks`). Those pieces
are a share of every page (about 6 % of the conversations of an emulated day are D-1's
spanners), so holding them in memory made a load's footprint grow with the day: +186 MB
between 20,000 and 200,000 conversations. They are spooled instead to an anonymous temporary
file (unlinked at creation, private to this process, gone when closed or when the process
dies) and read back in order.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO

from genesys_pipeline.normalize.frames import read_frame, write_frame
from genesys_pipeline.normalize.normalizer import TableBatch


class SetAside:
    """An append-only spool of batches, replayed in the order they were added."""

    def __init__(self) -> None:
        self._file: IO[bytes] | None = None
        self.count = 0

    def add(self, batch: TableBatch) -> None:
        if self._file is None:
            # Not a with block: the spool outlives this call; close() / __exit__ closes it.
            self._file = tempfile.TemporaryFile(prefix="genesys-set-aside-")  # noqa: SIM115
        write_frame(self._file, batch)
        self.count += 1

    def __iter__(self) -> Iterator[TableBatch]:
        if self._file is None:
            return
        self._file.seek(0)
        for _ in range(self.count):
            yield read_frame(self._file)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> SetAside:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
