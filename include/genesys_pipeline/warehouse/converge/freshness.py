"""The ``partition_freshness`` table: per UTC day, when it was last extracted and what is still moving.

A day's row is upserted by every load that touches the day, in the load's transaction, so it
never disagrees with the data: ``conversations`` and ``open_conversations`` (no
``conversation_end`` yet) are counted from the warehouse itself; ``changed_last_run`` (new or
rewritten conversations) and ``deleted_last_run`` (erased) are what the last touching load did.
``last_extracted_at`` moves only for days an extraction covered whole, and never backwards.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import cast

from sqlalchemy import Connection

from genesys_pipeline.normalize.normalizer import format_timestamp
from genesys_pipeline.tables import PARTITION_FRESHNESS
from genesys_pipeline.warehouse.engine import WAREHOUSE_SCHEMA
from genesys_pipeline.warehouse.write.merge import ConversationTables, placeholders

_COLUMNS = PARTITION_FRESHNESS.column_names


@dataclass(frozen=True)
class DayFreshness:
    partition_date: str
    last_extracted_at: str | None
    conversations: int
    open_conversations: int
    changed_last_run: int
    deleted_last_run: int


def _day_counts(tables: ConversationTables, day: str) -> tuple[int, int]:
    quote = tables.conn.dialect.identifier_preparer.quote_identifier
    row = tables.conn.exec_driver_sql(
        f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN {quote('conversation_end')} IS NULL THEN 1 ELSE 0 END), 0) "
        f"FROM {tables.target('conversations')} WHERE {quote('conversation_date')} = {placeholders(tables.conn, 1)}",
        (day,),
    ).one()
    return int(row[0]), int(row[1])


def upsert_partition_freshness(
    tables: ConversationTables,
    extracted_days: Iterable[date | str],
    extracted_at: str | None,
    changed_by_day: Mapping[str | None, int],
    deleted_by_day: Mapping[str, int] | None = None,
) -> list[DayFreshness]:
    """Upsert the rows of ``extracted_days`` (stamped ``extracted_at``) and of every other day
    the load changed (counts only); returns the rows written, by day."""
    deleted = deleted_by_day or {}
    extracted = {str(day)[:10] for day in extracted_days}
    touched = extracted | {day for day, n in changed_by_day.items() if day and n} | {d for d, n in deleted.items() if n}
    tables.locks.acquire(date.fromisoformat(day) for day in touched)  # a load holds them already
    written = []
    for day in sorted(touched):
        total, still_open = _day_counts(tables, day)
        row = DayFreshness(
            day,
            extracted_at if day in extracted else None,
            total,
            still_open,
            changed_by_day.get(day, 0),
            deleted.get(day, 0),
        )
        _upsert(tables, row)
        written.append(row)
    return written


def _upsert(tables: ConversationTables, row: DayFreshness) -> None:
    conn: Connection = tables.conn
    quote = conn.dialect.identifier_preparer.quote_identifier
    table = quote(PARTITION_FRESHNESS.name)
    last = quote("last_extracted_at")
    updates = [
        # never backwards, and a counts-only touch (NULL) keeps the last whole extraction
        f"{last} = CASE WHEN excluded.{last} IS NULL THEN {table}.{last} "
        f"WHEN {table}.{last} IS NULL OR excluded.{last} > {table}.{last} THEN excluded.{last} "
        f"ELSE {table}.{last} END",
        *(f"{quote(name)} = excluded.{quote(name)}" for name in _COLUMNS[2:]),
    ]
    conn.exec_driver_sql(
        f"INSERT INTO {tables.target(PARTITION_FRESHNESS.name)} ({', '.join(map(quote, _COLUMNS))}) "
        f"VALUES ({placeholders(conn, len(_COLUMNS))}) "
        f"ON CONFLICT ({quote('partition_date')}) DO UPDATE SET {', '.join(updates)}",
        tuple(getattr(row, name) for name in _COLUMNS),
    )


def read_partition_freshness(conn: Connection, tables: ConversationTables | None = None) -> list[DayFreshness]:
    """Every day's row, oldest day first; dates and times as ISO text on both dialects."""
    target = (tables or ConversationTables(conn, _schema(conn))).target(PARTITION_FRESHNESS.name)
    quote = conn.dialect.identifier_preparer.quote_identifier
    result = conn.exec_driver_sql(
        f"SELECT {', '.join(map(quote, _COLUMNS))} FROM {target} ORDER BY {quote('partition_date')}"
    )
    return [DayFreshness(str(r[0])[:10], iso_text(r[1]), int(r[2]), int(r[3]), int(r[4]), int(r[5])) for r in result]


def _schema(conn: Connection) -> str | None:
    return WAREHOUSE_SCHEMA if conn.dialect.name == "postgresql" else None


def iso_text(value: object) -> str | None:
    """A timestamp read back from either dialect as ISO text (SQLite stores text already)."""
    if value is None or isinstance(value, str):
        return value
    return format_timestamp(cast(datetime, value))  # PostgreSQL: a datetime
