"""Replace-by-conversation, one batch at a time, straight into the warehouse tables.

Every row is written once: for each batch (one page) the loader asks which of its
conversations the warehouse already holds in a fresher version and drops those from the
batch in Python, deletes every stored row of the remaining conversations from every table,
then bulk-writes the batch into the real tables (see :mod:`.load`). All of it runs inside
the caller's single transaction, so a crash at any point leaves the previous state, and on
PostgreSQL an advisory lock serializes concurrent loads whose conversations overlap.
Identifiers are always quoted; values are always bound parameters.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable, Collection, Iterator

from sqlalchemy import Connection

from genesys_pipeline.tables import CONVERSATION_TABLES, EXTRACTED_AT, TABLES_BY_NAME, TableSpec

# Serializes concurrent loads on PostgreSQL (e.g. a backfill loading adjacent days whose
# midnight-spanning conversations overlap): held from the first batch to the commit.
LOAD_LOCK_KEY = 0x6E6E5359
# Ids per IN (...) list where the dialect has no array parameter; well under SQLite's
# 32,766 bound-parameter limit and small enough for any driver.
_ID_CHUNK = 500
_CONVERSATION_ID = "conversation_id"
_CONVERSATIONS = TABLES_BY_NAME["conversations"]
_ID_COLUMN = {spec.name: spec.column_names.index(_CONVERSATION_ID) for spec in CONVERSATION_TABLES}
_EXTRACTED_COLUMN = _CONVERSATIONS.column_names.index(EXTRACTED_AT)

Progress = Callable[[str], None]


@dataclass
class MergeCounts:
    """Net effect of a load: conversations written, conversations kept back, rows per table."""

    conversations_loaded: int = 0
    conversations_skipped_older: int = 0
    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_ID_COLUMN, 0))


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
            chunk = tuple(ordered[start:start + _ID_CHUNK])
            yield f"{column} IN ({placeholders(self.conn, len(chunk))})", chunk

    def stored(self, extracted: dict[str, str]) -> tuple[set[str], set[str]]:
        """Of ``extracted`` (id -> the batch's ``_extracted_at``): the ids the warehouse holds,
        and those of them it holds in a later version. One indexed look-up on the primary key."""
        by_time: dict[str, list[str]] = defaultdict(list)
        for cid, extracted_at in extracted.items():
            by_time[extracted_at].append(cid)  # one group per extraction: normally just one
        column, stamp = self._quote(_CONVERSATION_ID), self._quote(EXTRACTED_AT)
        bind = placeholders(self.conn, 1)
        stored: set[str] = set()
        fresher: set[str] = set()
        for extracted_at, ids in by_time.items():
            for predicate, params in self._id_filters(ids):
                result = self.conn.exec_driver_sql(
                    f"SELECT {column}, {stamp} > {bind} FROM {self.target(_CONVERSATIONS.name)} WHERE {predicate}",
                    (extracted_at, *params),
                )
                for cid, is_fresher in result:
                    stored.add(cid)
                    if is_fresher:
                        fresher.add(cid)
        return stored, fresher

    def _ensure_statistics(self) -> None:
        """ANALYZE tables PostgreSQL has never analyzed: without statistics the planner takes
        ``conversation_id = ANY(...)`` to match most rows and deletes by full scans."""
        if not self._postgres or self._analyzed:
            return
        self._analyzed = True
        never = self.conn.exec_driver_sql(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relname = ANY(%s) AND c.reltuples < 0",
            (self._schema or "public", list(_ID_COLUMN)),
        ).scalars().all()
        for table in never:
            self.conn.exec_driver_sql(f"ANALYZE {self.target(table)}")

    def delete(self, ids: Collection[str], progress: Progress) -> dict[str, int]:
        """Delete every row of ``ids`` from every table; returns rows deleted per table."""
        deleted = dict.fromkeys(_ID_COLUMN, 0)
        if not ids:
            return deleted
        self._ensure_statistics()
        filters = list(self._id_filters(ids))
        for spec in reversed(CONVERSATION_TABLES):
            for predicate, params in filters:
                result = self.conn.exec_driver_sql(f"DELETE FROM {self.target(spec.name)} WHERE {predicate}", params)
                deleted[spec.name] += result.rowcount
            progress(f"merge:deleted:{spec.name}")
        return deleted


def batch_extracted_at(rows: dict[str, list[tuple]]) -> dict[str, str]:
    """Conversation id -> ``_extracted_at`` of the batch's conversation rows."""
    id_column = _ID_COLUMN[_CONVERSATIONS.name]
    return {row[id_column]: row[_EXTRACTED_COLUMN] for row in rows[_CONVERSATIONS.name]}


def without_conversations(rows: dict[str, list[tuple]], dropped: set[str]) -> dict[str, list[tuple]]:
    """The batch's rows minus every row of the ``dropped`` conversations."""
    if not dropped:
        return rows
    return {
        table: [row for row in table_rows if row[_ID_COLUMN[table]] not in dropped]
        for table, table_rows in rows.items()
    }


def replace_batch(
    tables: ConversationTables,
    rows: dict[str, list[tuple]],
    replaces: Collection[str],
    counts: MergeCounts,
    progress: Progress,
) -> dict[str, list[tuple]]:
    """Make room for one batch; returns the rows still to write (fresher copies dropped).

    ``replaces`` are ids an earlier batch of this load already wrote: their deleted rows were
    ours, so they come off the row counts, which stay the net rows the load added.
    """
    extracted = batch_extracted_at(rows)
    stored, skipped = tables.stored(extracted)
    replaced = set(replaces)
    if skipped:
        progress("merge:skip_older")
        counts.conversations_skipped_older += len(skipped - replaced)  # each conversation once
    # Every stored conversation has its conversations row (loads write and delete whole
    # conversations), so ids absent there have no rows to delete: a new day deletes nothing.
    superseded = stored - skipped
    rewritten = superseded & replaced
    tables.delete(superseded - rewritten, progress)
    for table, ours in tables.delete(rewritten, progress).items():
        counts.rows[table] -= ours
    counts.conversations_loaded += len(extracted) - len(skipped) - len(rewritten)
    return without_conversations(rows, skipped)

