"""The normalize worker: a child process that turns raw result pages into COPY-ready batches.

    python -m genesys_pipeline.normalize.worker   # started by genesys_pipeline.normalize.process

Normalizing is pure Python and holds the GIL. In a thread beside the load it took turns with
the COPY's own per-row formatting, so a PostgreSQL load used little more than one core. In this
process it has a core of its own, and it also formats the child tables' rows as COPY text
(:func:`~genesys_pipeline.normalize.copy_text.encode_text`): the loading process is left
with the merge's look-ups and sending bytes.

Protocol, in :mod:`genesys_pipeline.normalize.frames` (both ends are this package, the pipes are private
to the two processes): stdin carries the settings (extracted_at, run_id, PII config, whether the
source carries participant attributes), one frame
per raw page and :data:`END_OF_PAGES`; stdout carries per page ``("batch", TableBatch,
NormalizeResult, rejects, seconds)`` and then ``("done",)``, or ``("error",
exception)`` when normalizing failed. Rejected records travel back to the loading process,
which owns the rejects file (it may be object storage the worker cannot reach).
"""

from __future__ import annotations

import os
import pickle
import sys
import time
from typing import Any, BinaryIO, cast

from genesys_pipeline.normalize.copy_text import encode_text
from genesys_pipeline.normalize.frames import read_frame, write_frame
from genesys_pipeline.normalize.normalizer import Normalizer, TableBatch

# Sent after the last page. An explicit end, not the pipe's EOF: a process the loader forks
# holds a copy of the pipe's write end, so the worker would never see EOF and never finish.
END_OF_PAGES = None
ENCODED_TABLES_SKIP = frozenset({"conversations"})  # kept as tuples: the merge reads their versions and days


class _CollectedRejects:
    """The normalizer's rejects sink, kept until the page's frame carries them back."""

    def __init__(self) -> None:
        self.entries: list[tuple[str | None, str, Any]] = []

    def write(self, conversation_id: str | None, reason: str, record: Any) -> None:
        self.entries.append((conversation_id, reason, record))

    def take(self) -> list[tuple[str | None, str, Any]]:
        entries, self.entries = self.entries, []
        return entries


def encode_batch(batch: TableBatch) -> TableBatch:
    """The batch with every child table's rows as COPY text; ``conversations`` stays tuples."""
    rows = {
        # the normalizer's batches hold tuples only
        table: table_rows
        if table in ENCODED_TABLES_SKIP or not table_rows
        else encode_text(table, cast("list[tuple]", table_rows))
        for table, table_rows in batch.rows.items()
    }
    return TableBatch(rows=rows, conversation_ids=batch.conversation_ids, replaces=batch.replaces)


def serve(source: BinaryIO, sink: BinaryIO) -> None:
    settings = read_frame(source)
    rejects = _CollectedRejects()
    normalizer = Normalizer(
        settings["extracted_at"],
        settings["run_id"],
        pii=settings["pii"],
        rejects=rejects,
        attributes=settings["attributes"],
    )
    while True:
        raw = read_frame(source)  # EOFError before END: the loading process is gone, stop
        if raw is END_OF_PAGES:
            break
        started = time.perf_counter()
        batch = encode_batch(normalizer.normalize_page(raw))
        write_frame(sink, ("batch", batch, normalizer.result, rejects.take(), time.perf_counter() - started))
    write_frame(sink, ("done",))


def _portable(error: BaseException) -> BaseException:
    """The error itself if it survives pickling, else a RuntimeError naming its type and text."""
    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}")


def main() -> None:
    sink = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a stray print can no longer corrupt a frame
    try:
        serve(sys.stdin.buffer, sink)
    except BaseException as error:  # reported to the loading process, which raises it
        try:
            write_frame(sink, ("error", _portable(error)))
        except OSError:
            pass  # the loading process is gone: nobody to tell
        sys.exit(1)


if __name__ == "__main__":
    main()
