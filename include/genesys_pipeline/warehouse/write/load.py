"""Load normalized batches into the warehouse: one transaction per extraction.

Each batch makes room for itself (:func:`~.merge.replace_batch`: fresher copies dropped, old
rows deleted) and is then written once, straight into the warehouse tables, by a
:class:`RowWriter` (PostgreSQL COPY in :mod:`.postgres_copy`, executemany here for every other
dialect). The writer is the only part that differs between the fast and the generic path,
which is what lets a test prove them equivalent.

On PostgreSQL concurrent loads coordinate by per-day advisory locks (:mod:`.daylocks`): a load
locks its own days (those its interval overlaps) before the first batch and merges their
conversations as the batches stream; conversations of other days (midnight spanners, re-opened
threads, a follow-up's by-id fetch) are set aside and merged at the end, under their days' locks.
Loads of different days therefore run in parallel; loads sharing a conversation meet on its
day's lock. SQLite keeps its single writer (BEGIN IMMEDIATE) and merges every batch in order.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection, Engine

from genesys_pipeline.normalize.normalizer import NormalizeResult, TableBatch
from genesys_pipeline.normalize.table_rows import EncodedRows, Rows
from genesys_pipeline.tables import TABLES_BY_NAME, TableSpec
from genesys_pipeline.warehouse.write.daylocks import split_batch
from genesys_pipeline.warehouse.write.merge import (
    ConversationTables,
    MergeCounts,
    Progress,
    placeholders,
    replace_batch,
)
from genesys_pipeline.warehouse.write.set_aside import SetAside

T = TypeVar("T")
BATCH_EVENT = "batch:"  # progress event after each batch (one staged page): "batch:<conversations>"


class RowWriter(Protocol):
    def write(self, conn: Connection, spec: TableSpec, table: str, columns: Sequence[str], rows: Rows) -> None:
        """Append ``rows`` (in ``spec``'s column order) to the (quoted, qualified) table; ``columns`` are quoted
        names. :class:`EncodedRows` come only to a writer whose ``takes_encoded`` is true."""


class ExecutemanyWriter:
    """Generic path: one prepared INSERT run over the whole batch by the DBAPI's executemany."""

    def write(self, conn: Connection, spec: TableSpec, table: str, columns: Sequence[str], rows: Rows) -> None:
        if isinstance(rows, EncodedRows):  # never sent here: this writer has no takes_encoded
            raise TypeError("executemany cannot send rows encoded as COPY text")
        marks = placeholders(conn, len(columns))
        conn.exec_driver_sql(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", list(rows))


@dataclass
class LoadReport:
    """What one load did, for the audit; counts are rows inserted per table."""

    run_id: str = ""
    tables: dict[str, int] = field(default_factory=dict)
    conversations_loaded: int = 0  # new + changed + unchanged: held in this extraction's version
    conversations_new: int = 0
    conversations_changed: int = 0
    conversations_unchanged: int = 0  # same content hash: not rewritten
    conversations_rejected: int = 0
    conversations_skipped_older: int = 0
    conversations_deleted: int = 0  # erased: a complete re-extraction of their day no longer returns them
    deleted_id_hashes: list[str] = field(default_factory=list)  # HMAC-SHA256, never raw ids
    erasure_skipped: str | None = None  # why a requested erasure did not run
    changed_by_day: dict[str | None, int] = field(default_factory=dict)  # new or changed, per conversation_date
    freshness: list[dict[str, Any]] = field(default_factory=list)  # partition_freshness rows upserted
    duplicates_collapsed: int = 0
    batches: int = 0
    drift: dict[str, int] = field(default_factory=dict)
    rejects_path: str | None = None
    timings: dict[str, float] = field(default_factory=dict)

    def include(self, result: NormalizeResult, rejects_path: str | None = None) -> LoadReport:
        """Fold in what the normalize step found, so the audit gets one report per load."""
        self.conversations_rejected = len(result.rejected)
        self.duplicates_collapsed = result.duplicates_collapsed
        self.drift = dict(result.drift)
        self.rejects_path = rejects_path
        return self

    @property
    def rows_loaded(self) -> int:
        return sum(self.tables.values())

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "rows_loaded": self.rows_loaded}


class Stopwatch:
    """Accumulates the time spent producing items of an iterator (an upstream stage's cost)."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def wrap(self, items: Iterable[T]) -> Iterator[T]:
        iterator = iter(items)
        while True:
            started = time.perf_counter()
            try:
                item = next(iterator)
            except StopIteration:
                return
            finally:
                self.seconds += time.perf_counter() - started
            yield item


def load_batches(
    engine: Engine,
    schema: str | None,
    batches: Iterable[TableBatch],
    writer: RowWriter,
    run_id: str,
    progress: Progress | None = None,
    finish: Callable[[ConversationTables, MergeCounts, LoadReport], None] | None = None,
    own_days: Collection[date] = (),
    attributes: bool = True,
) -> LoadReport:
    """Replace every batch's conversations, all in one transaction; returns counts and timings.

    ``attributes`` False: the batches come from a source without participant attributes (the
    multi-get), so the stored ``participant_attributes`` of their conversations stay
    (:func:`~.merge.replace_batch`).

    ``own_days`` are the days the extraction's interval overlaps, or a by-id fetch's listed days
    (:func:`.daylocks.extraction_days`): on PostgreSQL they are locked first and their conversations merged as
    they stream, every other day's are set aside, then merged under their days' locks after the
    last batch. ``finish`` runs after that, inside the same transaction (erasure, freshness), and
    locks any day it touches that is not held yet.

    Timings: ``merge_s`` is the freshness look-ups and deletes, ``stage_s`` the bulk writes
    (names kept from the two-pass loader the audit and benchmarks already read), ``lock_wait_s``
    the time spent waiting for day locks (own, foreign and finish's).
    """
    report = LoadReport(run_id=run_id)
    counts = MergeCounts()
    notify = progress or (lambda _event: None)
    upstream = Stopwatch()
    merging = writing = 0.0
    started = time.perf_counter()

    def merge(batch: TableBatch) -> None:
        nonlocal merging, writing
        batch_started = time.perf_counter()
        rows = replace_batch(tables, batch.rows, batch.replaces, counts, notify, attributes)
        room_made = time.perf_counter()
        for table, table_rows in rows.items():
            if table_rows:
                spec = TABLES_BY_NAME[table]
                writer.write(conn, spec, tables.target(table), tables.quoted_columns(spec), table_rows)
                counts.rows[table] += len(table_rows)
                notify(f"merge:inserted:{table}")
        merging += room_made - batch_started
        writing += time.perf_counter() - room_made

    with engine.begin() as conn, SetAside() as set_aside:
        tables = ConversationTables(conn, schema)
        by_day = conn.dialect.name == "postgresql"  # SQLite: one writer already, merge in order
        own = frozenset(own_days)
        tables.locks.acquire(own)
        foreign_days: set[date] = set()
        for batch in upstream.wrap(batches):
            split = split_batch(batch, own) if by_day else None
            if split is None:
                merge(batch)
            else:
                if split.own is not None:
                    merge(split.own)
                if split.foreign is not None:
                    set_aside.add(split.foreign)
                    foreign_days |= split.foreign_days
            report.batches += 1
            notify(f"{BATCH_EVENT}{len(batch.conversation_ids)}")
        tables.locks.acquire(foreign_days)
        for piece in set_aside:  # in stream order: a later copy of a conversation still wins
            merge(piece)
        notify(f"loaded:{report.batches}")
        _fill_counts(report, counts)
        if finish is not None:
            finish(tables, counts, report)
        committing = time.perf_counter()
    finished = time.perf_counter()
    report.timings = {
        "upstream_s": round(upstream.seconds, 4),  # waiting for batches
        "stage_s": round(writing, 4),
        "merge_s": round(merging, 4),
        "commit_s": round(finished - committing, 4),
        "lock_wait_s": round(tables.locks.wait_s, 4),
        "total_s": round(finished - started, 4),
    }
    return report


def _fill_counts(report: LoadReport, counts: MergeCounts) -> None:
    report.tables = counts.rows
    report.conversations_loaded = counts.conversations_loaded
    report.conversations_new = counts.conversations_new
    report.conversations_changed = counts.conversations_changed
    report.conversations_unchanged = counts.conversations_unchanged
    report.conversations_skipped_older = counts.conversations_skipped_older
    report.changed_by_day = dict(counts.written_by_day)
