"""Load users-details extractions: replace whole user-days, never with an older extraction.

The same rules as the conversation load, with a user-day (one user's intervals that started on
one UTC day) in the place of a conversation: one transaction per extraction; on PostgreSQL the
days' advisory locks (their own namespace, latest day first, as :mod:`.daylocks`); a user-day
whose stored copy came from a fresher extraction is skipped; one with the same content hash is
left as it is; any other is deleted and written again through the warehouse's bulk writer
(COPY on PostgreSQL, executemany elsewhere). Intervals that started before the extraction's own
days (they cross its first midnight) update their stored copy when it is older, so an interval
stored open is closed by the next run that sees its end; they are stored once, under the day
they started.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, select

from genesys_pipeline.normalize.user_details import UserDay, UserDetailsResult, epoch_ms
from genesys_pipeline.tables import CONTENT_HASH, EXTRACTED_AT, RUN_ID, TableSpec
from genesys_pipeline.tables.users import INTERVAL_TABLES, USER_ACTIVITY_DAYS
from genesys_pipeline.warehouse.engine import lock_on_postgres, schema_for
from genesys_pipeline.warehouse.schema import warehouse_table
from genesys_pipeline.warehouse.write.load import RowWriter

USER_DAY_LOCK_NAMESPACE = 0x6E6E5355  # beside the conversations' day locks, never equal to them


@dataclass
class UserLoadReport:
    users: int = 0
    user_days_new: int = 0
    user_days_changed: int = 0
    user_days_unchanged: int = 0
    user_days_skipped_older: int = 0
    carried_over_updated: int = 0  # intervals of earlier days (crossing midnight) whose stored copy was updated
    rows_per_table: dict[str, int] = field(default_factory=dict)
    open_intervals: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def as_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value))


def _day_param(conn: Connection, day: str) -> Any:
    return date.fromisoformat(day) if conn.dialect.name == "postgresql" else day


class _Tables:
    """The user activity tables on one connection inside the load's transaction."""

    def __init__(self, conn: Connection, engine: Engine, writer: RowWriter) -> None:
        self.conn, self.writer = conn, writer
        self._quote = conn.dialect.identifier_preparer.quote_identifier
        self._schema = schema_for(engine)
        self.table = {spec.name: warehouse_table(engine, spec.name) for spec in (*INTERVAL_TABLES, USER_ACTIVITY_DAYS)}

    def write(self, spec: TableSpec, rows: list[tuple]) -> None:
        if not rows:
            return
        target = f"{self._quote(self._schema)}.{self._quote(spec.name)}" if self._schema else self._quote(spec.name)
        columns = tuple(self._quote(name) for name in spec.column_names)
        self.writer.write(self.conn, spec, target, columns, rows)

    def stored_days(self, days: Collection[str]) -> dict[tuple[str, str], tuple[str | None, datetime | None]]:
        table = self.table[USER_ACTIVITY_DAYS.name]
        query = select(table.c.user_id, table.c.activity_date, table.c[CONTENT_HASH], table.c[EXTRACTED_AT]).where(
            table.c.activity_date.in_([_day_param(self.conn, d) for d in days])
        )
        return {
            (user, str(day)[:10]): (digest, as_datetime(at) if at is not None else None)
            for user, day, digest, at in self.conn.execute(query)
        }

    def delete_user_day(self, user_id: str, day: str) -> None:
        for spec in (*INTERVAL_TABLES, USER_ACTIVITY_DAYS):
            table = self.table[spec.name]
            condition = and_(table.c.user_id == user_id, table.c.activity_date == _day_param(self.conn, day))
            self.conn.execute(delete(table).where(condition))

    def stored_intervals(self, spec: TableSpec, user_id: str, day: str) -> dict[datetime, tuple[Any, Any, Any]]:
        """start instant -> (stored start value, end, extracted_at) of one user-day's intervals."""
        table = self.table[spec.name]
        condition = and_(table.c.user_id == user_id, table.c.activity_date == _day_param(self.conn, day))
        query = select(table.c.start_time, table.c.end_time, table.c[EXTRACTED_AT]).where(condition)
        return {as_datetime(start): (start, end, at) for start, end, at in self.conn.execute(query)}

    def delete_interval(self, spec: TableSpec, user_id: str, stored_start: Any) -> None:
        table = self.table[spec.name]
        self.conn.execute(delete(table).where(and_(table.c.user_id == user_id, table.c.start_time == stored_start)))


def _lock_days(conn: Connection, days: Collection[str]) -> None:
    for day in sorted(set(days), reverse=True):
        lock_on_postgres(conn, (USER_DAY_LOCK_NAMESPACE << 32) | date.fromisoformat(day).toordinal())


def _day_row(group: UserDay, extracted_at: str, run_id: str) -> tuple:
    values = {
        "user_id": group.user_id,
        "activity_date": group.day,
        "day_start_ms": epoch_ms(f"{group.day}T00:00:00Z"),
        CONTENT_HASH: group.content_hash,
        "open_intervals": group.open_intervals,
        EXTRACTED_AT: extracted_at,
        RUN_ID: run_id,
    }
    return tuple(values[name] for name in USER_ACTIVITY_DAYS.column_names)


def _count(report: UserLoadReport, spec: TableSpec, rows: int) -> None:
    report.rows_per_table[spec.name] = report.rows_per_table.get(spec.name, 0) + rows


def _replace(tables: _Tables, group: UserDay, extracted_at: str, run_id: str, report: UserLoadReport) -> None:
    tables.delete_user_day(group.user_id, group.day)
    for spec in INTERVAL_TABLES:
        rows = group.rows.get(spec.name, [])
        tables.write(spec, rows)
        _count(report, spec, len(rows))
    tables.write(USER_ACTIVITY_DAYS, [_day_row(group, extracted_at, run_id)])
    _count(report, USER_ACTIVITY_DAYS, 1)


def _carry_over(tables: _Tables, group: UserDay, extracted: datetime, report: UserLoadReport) -> None:
    """Intervals of a day before the extraction's own: update each stored copy that is older."""
    for spec in INTERVAL_TABLES:
        end_index = spec.column_names.index("end_time")
        stored = tables.stored_intervals(spec, group.user_id, group.day)
        for row in group.rows.get(spec.name, []):
            start = as_datetime(row[spec.column_names.index("start_time")])
            copy = stored.get(start)
            if copy is not None:
                stored_start, stored_end, stored_at = copy
                fresher = stored_at is not None and as_datetime(stored_at) >= extracted
                same_end = (stored_end is None) == (row[end_index] is None) and (
                    stored_end is None or as_datetime(stored_end) == as_datetime(row[end_index])
                )
                if fresher or same_end:
                    continue
                tables.delete_interval(spec, group.user_id, stored_start)
            tables.write(spec, [row])
            _count(report, spec, 1)
            report.carried_over_updated += 1


def load_user_activity(
    engine: Engine,
    writer: RowWriter,
    result: UserDetailsResult,
    own_days: Collection[date],
    extracted_at: str,
    run_id: str,
) -> UserLoadReport:
    """Merge one extraction's user-days into the warehouse in one transaction."""
    report = UserLoadReport(users=result.users)
    own = {day.isoformat() for day in own_days}
    extracted = as_datetime(extracted_at)
    groups: Mapping[tuple[str, str], UserDay] = result.days
    with engine.begin() as conn:
        _lock_days(conn, {day for _, day in groups} | own)
        tables = _Tables(conn, engine, writer)
        stored = tables.stored_days(own)
        for key, group in sorted(groups.items()):
            if group.day not in own:
                _carry_over(tables, group, extracted, report)
                continue
            report.open_intervals += group.open_intervals
            digest, stored_at = stored.get(key, (None, None))
            if stored_at is not None and stored_at > extracted:
                report.user_days_skipped_older += 1
            elif digest == group.content_hash:
                report.user_days_unchanged += 1
            else:
                if digest is None:
                    report.user_days_new += 1
                else:
                    report.user_days_changed += 1
                _replace(tables, group, extracted_at, run_id, report)
    return report
