"""Replace-by-conversation, one batch at a time, straight into the warehouse tables.

Every row is written once: for each batch (one page) the loader asks which of its
conversations the warehouse already holds, in which version and with which content hash. A
fresher stored version wins (an older extraction never overwrites a newer one); an identical
content hash costs nothing but a bump of the stored ``_extracted_at`` (so the freshness rule
keeps knowing how recent the content is); only new and changed conversations are deleted from
every table and bulk-written again (see :mod:`.load`). All of it runs inside the caller's
single transaction, so a crash at any point leaves the previous state. On PostgreSQL every
merge of a conversation runs under the advisory lock of its ``conversation_date``
(:mod:`.daylocks`, held in :attr:`ConversationTables.locks`): concurrent loads that share a
conversation take turns on its day, loads of other days do not wait. Identifiers are always
quoted; values are always bound parameters.

A load from a source without participant attributes (the multi-get: its manifest says so) merges
every table but one the same way: ``participant_attributes`` is neither deleted nor written, so
the stored attributes of its conversations stay as the last details job wrote them, and the
content hash compares only the record half (:func:`~genesys_pipeline.normalize.content_hash.record_part`);
a rewritten conversation's hash keeps the stored attributes half, so the next details job that
reads the same attributes finds it unchanged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import cast

from sqlalchemy import Connection

from genesys_pipeline.normalize.content_hash import record_part, with_stored_attributes
from genesys_pipeline.normalize.table_rows import ID_COLUMN, Rows, select_rows
from genesys_pipeline.tables import (
    CONTENT_HASH,
    CONVERSATION_TABLES,
    EXTRACTED_AT,
    PARTICIPANT_ATTRIBUTES,
    RUN_ID,
    TABLES_BY_NAME,
    TableSpec,
)
from genesys_pipeline.warehouse.write.daylocks import DayLocks

# Ids per IN (...) list where the dialect has no array parameter; well under SQLite's
# 32,766 bound-parameter limit and small enough for any driver.
_ID_CHUNK = 500
_CONVERSATION_ID = "conversation_id"
_CONVERSATIONS = TABLES_BY_NAME["conversations"]
_EXTRACTED_COLUMN = _CONVERSATIONS.column_names.index(EXTRACTED_AT)
_HASH_COLUMN = _CONVERSATIONS.column_names.index(CONTENT_HASH)
_RUN_COLUMN = _CONVERSATIONS.column_names.index(RUN_ID)
_DAY_COLUMN = _CONVERSATIONS.column_names.index("conversation_date")

Progress = Callable[[str], None]


@dataclass
class MergeCounts:
    """Net effect of a load, each conversation counted once: new, changed (rewritten), unchanged
    (same content hash, not rewritten), kept back because the warehouse holds a fresher version;
    rows written per table; conversations written (new or changed) per ``conversation_date``."""

    conversations_new: int = 0
    conversations_changed: int = 0
    conversations_unchanged: int = 0
    conversations_skipped_older: int = 0
    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ID_COLUMN, 0))
    written_by_day: dict[str | None, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def conversations_loaded(self) -> int:
        """Conversations the warehouse now holds in this extraction's version."""
        return self.conversations_new + self.conversations_changed + self.conversations_unchanged


@dataclass(frozen=True)
class StoredVersion:
    """What the warehouse holds of one conversation, relative to a batch's extraction time."""

    fresher: bool  # stored _extracted_at is later than the batch's
    older: bool  # stored _extracted_at is earlier than the batch's
    content_hash: str | None  # None for rows loaded before content hashes existed
    run_id: str | None


def placeholders(conn: Connection, count: int) -> str:
    """Positional bind markers in the DBAPI's own style, for exec_driver_sql."""
    style = conn.dialect.paramstyle
    if style == "qmark":
        return ", ".join("?" * count)
    if style in ("format", "pyformat"):
        return ", ".join(["%s"] * count)
    if style == "numeric":
        return ", ".join(f":{i}" for i in range(1, count + 1))
    raise ValueError(f"unsupported DBAPI paramstyle {style!r}")


class ConversationTables:
    """The conversation-keyed warehouse tables, on one connection inside one transaction."""

    def __init__(self, conn: Connection, schema: str | None) -> None:
        self.conn = conn
        self._quote = conn.dialect.identifier_preparer.quote_identifier
        self._schema = schema
        self._postgres = conn.dialect.name == "postgresql"  # psycopg 3: a list binds as an array
        self._analyzed = False
        self.locks = DayLocks(conn)  # the day locks this transaction holds (PostgreSQL; no-ops elsewhere)

    def target(self, table: str) -> str:
        return f"{self._quote(self._schema)}.{self._quote(table)}" if self._schema else self._quote(table)

    def quoted_columns(self, spec: TableSpec) -> tuple[str, ...]:
        return tuple(self._quote(name) for name in spec.column_names)

    def _id_filters(self, ids: Collection[str]) -> Iterator[tuple[str, tuple]]:
        """``conversation_id`` predicates covering ``ids``, with their bound parameters."""
        column = self._quote(_CONVERSATION_ID)
        if self._postgres:
            yield f"{column} = ANY(%s)", (list(ids),)
            return
        ordered = sorted(ids)
        for start in range(0, len(ordered), _ID_CHUNK):
            chunk = tuple(ordered[start : start + _ID_CHUNK])
            yield f"{column} IN ({placeholders(self.conn, len(chunk))})", chunk

    def stored(self, extracted: dict[str, str]) -> dict[str, StoredVersion]:
        """Of ``extracted`` (id -> the batch's ``_extracted_at``): the stored versions of those the
        warehouse holds. One indexed look-up on the primary key."""
        by_time: dict[str, list[str]] = defaultdict(list)
        for cid, extracted_at in extracted.items():
            by_time[extracted_at].append(cid)  # one group per extraction: normally just one
        column, stamp, digest, run = (self._quote(n) for n in (_CONVERSATION_ID, EXTRACTED_AT, CONTENT_HASH, RUN_ID))
        bind = placeholders(self.conn, 1)
        stored: dict[str, StoredVersion] = {}
        for extracted_at, ids in by_time.items():
            for predicate, params in self._id_filters(ids):
                result = self.conn.exec_driver_sql(
                    f"SELECT {column}, {stamp} > {bind}, {stamp} < {bind}, {digest}, {run} "
                    f"FROM {self.target(_CONVERSATIONS.name)} WHERE {predicate}",
                    (extracted_at, extracted_at, *params),
                )
                for cid, fresher, older, content_hash, run_id in result:
                    stored[cid] = StoredVersion(bool(fresher), bool(older), content_hash, run_id)
        return stored

    def confirm(self, ids: Collection[str], extracted_at: str) -> None:
        """Record that ``extracted_at`` saw the stored content of ``ids`` unchanged: their
        conversations rows take its time, so an extraction older than it cannot overwrite them."""
        stamp = self._quote(EXTRACTED_AT)
        bind = placeholders(self.conn, 1)
        for predicate, params in self._id_filters(ids):
            self.conn.exec_driver_sql(
                f"UPDATE {self.target(_CONVERSATIONS.name)} SET {stamp} = {bind} WHERE {predicate}",
                (extracted_at, *params),
            )

    def _ensure_statistics(self) -> None:
        """ANALYZE tables PostgreSQL has never analyzed: without statistics the planner takes
        ``conversation_id = ANY(...)`` to match most rows and deletes by full scans."""
        if not self._postgres or self._analyzed:
            return
        self._analyzed = True
        never = (
            self.conn.exec_driver_sql(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = %s AND c.relname = ANY(%s) AND c.reltuples < 0",
                (self._schema or "public", list(ID_COLUMN)),
            )
            .scalars()
            .all()
        )
        for table in never:
            # ANALYZE holds its table lock to the commit and conflicts with itself: without
            # SKIP_LOCKED two loads of different days would queue here on a new warehouse.
            self.conn.exec_driver_sql(f"ANALYZE (SKIP_LOCKED) {self.target(table)}")

    def delete(self, ids: Collection[str], progress: Progress, keep: Collection[str] = ()) -> dict[str, int]:
        """Delete every row of ``ids`` from every table but those named in ``keep``; returns rows
        deleted per table."""
        deleted = dict.fromkeys(ID_COLUMN, 0)
        if not ids:
            return deleted
        self._ensure_statistics()
        filters = list(self._id_filters(ids))
        for spec in reversed(CONVERSATION_TABLES):
            if spec.name in keep:
                continue
            for predicate, params in filters:
                result = self.conn.exec_driver_sql(f"DELETE FROM {self.target(spec.name)} WHERE {predicate}", params)
                deleted[spec.name] += result.rowcount
            progress(f"merge:deleted:{spec.name}")
        return deleted


@dataclass(frozen=True)
class BatchVersion:
    extracted_at: str
    content_hash: str | None
    day: str | None  # conversation_date
    run_id: str


def batch_versions(rows: Mapping[str, Rows]) -> dict[str, BatchVersion]:
    """Conversation id -> extraction time, content hash and day of the batch's conversation rows."""
    id_column = ID_COLUMN[_CONVERSATIONS.name]
    # Never EncodedRows: the worker keeps the conversations table as tuples (worker.ENCODED_TABLES_SKIP).
    conversation_rows = cast("list[tuple]", rows[_CONVERSATIONS.name])
    return {
        row[id_column]: BatchVersion(
            row[_EXTRACTED_COLUMN], row[_HASH_COLUMN], _day_text(row[_DAY_COLUMN]), row[_RUN_COLUMN]
        )
        for row in conversation_rows
    }


def _day_text(value: object) -> str | None:
    return None if value is None else str(value)[:10]


def without_conversations(rows: Mapping[str, Rows], dropped: set[str]) -> Mapping[str, Rows]:
    """The batch's rows minus every row of the ``dropped`` conversations."""
    if not dropped:
        return rows
    return {table: select_rows(table, table_rows, dropped, keep=False) for table, table_rows in rows.items()}


def with_hashes(rows: Mapping[str, Rows], hashes: Mapping[str, str]) -> Mapping[str, Rows]:
    """The batch's rows with the conversations rows of ``hashes``' ids carrying those content hashes."""
    if not hashes:
        return rows
    id_column = ID_COLUMN[_CONVERSATIONS.name]
    conversation_rows = cast("list[tuple]", rows[_CONVERSATIONS.name])  # always tuples, see batch_versions
    patched = [
        (*row[:_HASH_COLUMN], hashes[row[id_column]], *row[_HASH_COLUMN + 1 :]) if row[id_column] in hashes else row
        for row in conversation_rows
    ]
    return {**rows, _CONVERSATIONS.name: patched}


_ATTRIBUTES = frozenset({PARTICIPANT_ATTRIBUTES.name})


def replace_batch(
    tables: ConversationTables,
    rows: Mapping[str, Rows],
    replaces: Collection[str],
    counts: MergeCounts,
    progress: Progress,
    attributes: bool = True,
) -> Mapping[str, Rows]:
    """Make room for one batch; returns the rows still to write (fresher and unchanged copies dropped).

    ``replaces`` are ids an earlier batch of this load already wrote (and counted): their
    deleted rows were ours, so they come off the row counts, which stay the net rows the load
    added, and they are not counted again. ``attributes`` False: the batch comes from a source
    without participant attributes; the stored ones stay (see the module's docstring).
    """
    batch = batch_versions(rows)
    stored = tables.stored({cid: version.extracted_at for cid, version in batch.items()})
    replaced = set(replaces)
    skipped: set[str] = set()
    unchanged: set[str] = set()
    superseded: set[str] = set()
    rewritten: set[str] = set()
    confirmed: dict[str, list[str]] = defaultdict(list)
    for cid, version in batch.items():
        held = stored.get(cid)
        counted = cid in replaced
        if held is None:
            # Every stored conversation has its conversations row (loads write and delete whole
            # conversations), so an id absent there has no rows to delete.
            counts.conversations_new += 1
            counts.written_by_day[version.day] += 1
        elif held.fresher:
            skipped.add(cid)
            counts.conversations_skipped_older += not counted
        elif _same_content(held.content_hash, version.content_hash, attributes):
            unchanged.add(cid)
            counts.conversations_unchanged += not counted
            if held.older:
                confirmed[version.extracted_at].append(cid)
        elif counted and held.run_id == version.run_id and not held.older:
            rewritten.add(cid)  # a later copy of this load replaces the rows an earlier batch wrote
        else:
            superseded.add(cid)
            if counted:  # an earlier copy of this load matched the stored content; this one does not
                counts.conversations_unchanged -= 1
            counts.conversations_changed += 1
            counts.written_by_day[version.day] += 1
    if skipped:
        progress("merge:skip_older")
    for extracted_at, ids in confirmed.items():
        tables.confirm(ids, extracted_at)
    keep = () if attributes else _ATTRIBUTES
    tables.delete(superseded, progress, keep)
    for table, ours in tables.delete(rewritten, progress, keep).items():
        counts.rows[table] -= ours
    kept = without_conversations(rows, skipped | unchanged)
    if attributes:
        return kept
    hashes = {
        cid: with_stored_attributes(batch[cid].content_hash or "", stored[cid].content_hash)
        for cid in superseded | rewritten
    }
    return {**with_hashes(kept, hashes), PARTICIPANT_ATTRIBUTES.name: []}


def _same_content(stored: str | None, extracted: str | None, attributes: bool) -> bool:
    """Whether the stored conversation holds the batch's content: the whole hash, or without
    attributes in the source only its record half (a hash without halves matches nothing then)."""
    if stored is None or extracted is None:
        return False
    if attributes:
        return stored == extracted
    return record_part(stored) is not None and record_part(stored) == record_part(extracted)
