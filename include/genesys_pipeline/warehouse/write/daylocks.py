"""Per-day load locks on PostgreSQL: loads of different days run in parallel.

Every write of a conversation (merge, confirm, erasure) and every ``partition_freshness`` upsert
of a day happens while the load holds the transaction-scoped advisory lock of that day, the
conversation's ``conversation_date`` (its UTC start day, fixed for its lifetime). Two loads that
share a conversation therefore share its day's lock and run one after the other on it, while
loads of disjoint days never wait for each other.

Deadlock freedom: every load takes its locks in one global order, DESCENDING by day. A load first
locks its *own days* (every UTC day its query interval overlaps) from the latest down, then merges
the batches of those days as they stream; rows of any other (*foreign*) day are set aside and
merged at the end, after locking the foreign days, again from the latest down. A Genesys interval
query returns only conversations that overlap the interval, so none started after its end: a
foreign day is always earlier than every own day, and the whole sequence is descending. A load
without an interval (the follow-up's by-id fetch) owns the days its query lists
(``LISTED_DAYS_KEY``: the stored days of the ids it asked for, a conversation's day never
changes), so it too merges as it streams and sets nothing aside. Should a record break the rule
(a foreign day later than an own day), its lock is taken out of order; PostgreSQL's deadlock detector
then aborts one of the loads (SQLSTATE 40P01), whose transaction rolls back whole, and
:func:`is_deadlock` lets the caller re-run it (loads are idempotent).
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, cast

from sqlalchemy import Connection

from genesys_pipeline.normalize.normalizer import TableBatch
from genesys_pipeline.normalize.table_rows import ID_COLUMN, select_rows
from genesys_pipeline.plan.window import Window, WindowError
from genesys_pipeline.staging.followup import LISTED_DAYS_KEY
from genesys_pipeline.tables import TABLES_BY_NAME
from genesys_pipeline.warehouse.engine import lock_on_postgres

# High 32 bits of every day lock's key (the low bits are the day's ordinal): apart from the
# schema lock (0x6E6E5358) and any other small key.
DAY_LOCK_NAMESPACE = 0x6E6E535A
NO_DAY = date.min  # the lock of conversations without a conversation_date (none expected)
DEADLOCK_DETECTED = "40P01"
_CONVERSATIONS = TABLES_BY_NAME["conversations"]
_DAY_COLUMN = _CONVERSATIONS.column_names.index("conversation_date")


def day_lock_key(day: date) -> int:
    """The advisory lock key of ``day``: stable across processes and releases, a positive bigint."""
    return (DAY_LOCK_NAMESPACE << 32) | day.toordinal()


def interval_days(interval: object) -> list[date]:
    """Every UTC day the Genesys ``start/end`` interval overlaps, partial days included (a load's
    own days); none for a missing or unreadable interval."""
    if not isinstance(interval, str):
        return []
    try:
        window = Window.from_interval(interval)
    except WindowError:
        return []
    if window.end <= window.start:
        return []
    last = (window.end - timedelta(microseconds=1)).date()
    return [window.start.date() + timedelta(days=n) for n in range((last - window.start.date()).days + 1)]


def extraction_days(query: Mapping[str, Any]) -> list[date]:
    """A staged extraction's own days: every day its interval overlaps or, for a by-id fetch,
    the days its query lists; none when it has neither (or they are unreadable)."""
    days = interval_days(query.get("interval"))
    listed = query.get(LISTED_DAYS_KEY)
    if days or not isinstance(listed, list):
        return days
    try:
        return sorted({date.fromisoformat(day) for day in listed})
    except (TypeError, ValueError):
        return []


def conversation_day(value: object) -> date:
    """A conversations row's ``conversation_date`` (date or ISO text) as a date."""
    if value is None:
        return NO_DAY
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


@dataclass(frozen=True)
class SplitBatch:
    """One batch cut in two: the rows of conversations on own days and those on foreign days."""

    own: TableBatch | None
    foreign: TableBatch | None
    foreign_days: frozenset[date]


def split_batch(batch: TableBatch, own_days: Collection[date]) -> SplitBatch:
    """Cut ``batch`` by its conversations' days. ``replaces`` follows the ids: a conversation's
    day never changes, so an earlier copy of it sits in a piece of the same class. Rows whose
    conversation has no conversations row in the batch stay with the own piece (as before)."""
    # Never EncodedRows: the worker keeps the conversations table as tuples (worker.ENCODED_TABLES_SKIP).
    conversation_rows = cast("list[tuple]", batch.rows.get(_CONVERSATIONS.name, []))
    day_of = {row[ID_COLUMN[_CONVERSATIONS.name]]: conversation_day(row[_DAY_COLUMN]) for row in conversation_rows}
    foreign_ids = {cid for cid, day in day_of.items() if day not in own_days}
    if not foreign_ids:
        return SplitBatch(batch, None, frozenset())
    days = frozenset(day_of[cid] for cid in foreign_ids)
    return SplitBatch(_piece(batch, foreign_ids, keep=False), _piece(batch, foreign_ids, keep=True), days)


def _piece(batch: TableBatch, ids: set[str], keep: bool) -> TableBatch | None:
    rows = {table: select_rows(table, table_rows, ids, keep) for table, table_rows in batch.rows.items()}
    conversation_ids = [cid for cid in batch.conversation_ids if (cid in ids) == keep]
    if not conversation_ids and not any(rows.values()):
        return None
    return replace(
        batch,
        rows=rows,
        conversation_ids=conversation_ids,
        replaces=frozenset(cid for cid in batch.replaces if (cid in ids) == keep),
    )


class DayLocks:
    """The day locks one load holds, taken latest day first; ``wait_s`` is the time spent waiting."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.held: set[date] = set()
        self.wait_s = 0.0

    def acquire(self, days: Iterable[date]) -> None:
        """Lock every day of ``days`` not held yet, latest first (see the module's ordering rule)."""
        started = time.perf_counter()
        for day in sorted(set(days) - self.held, reverse=True):
            lock_on_postgres(self.conn, day_lock_key(day))
            self.held.add(day)
        self.wait_s += time.perf_counter() - started


def is_deadlock(error: BaseException) -> bool:
    """Whether ``error`` is PostgreSQL's deadlock_detected (the load was rolled back; re-run it)."""
    original = getattr(error, "orig", None)
    return (
        getattr(original, "sqlstate", None) == DEADLOCK_DETECTED
        or getattr(original, "pgcode", None) == DEADLOCK_DETECTED
    )
