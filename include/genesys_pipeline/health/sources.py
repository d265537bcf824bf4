"""What the sync-health page reads from the warehouse, as pandas frames.

``sync_audit`` is the history of every partition attempt. Freshness (when a day was last
extracted, how many of its conversations are still open) comes from ``partition_freshness``,
which every load upserts. A warehouse that never ran a sync has none of these tables, and the
page says so instead of failing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import Date, Engine, bindparam, inspect, text

from genesys_pipeline.report.audit import AUDIT_TABLE, read_audit
from genesys_pipeline.warehouse.engine import schema_for

FRESHNESS_TABLE = "partition_freshness"
AGGREGATES_TABLE = "conversation_aggregates"
FRESHNESS_COLUMNS = ["partition", "last_extracted_at", "open_conversations"]
AGGREGATE_METRICS = {"nOffered": "genesys_offered", "nConnected": "genesys_connected"}


@dataclass(frozen=True)
class HealthSources:
    audit: pd.DataFrame  # one row per attempt, columns of sync_audit (JSON decoded)
    freshness: pd.DataFrame  # one row per day: FRESHNESS_COLUMNS
    aggregates: pd.DataFrame  # one row per day: partition + AGGREGATE_METRICS values


def read_sources(engine: Engine, since: date) -> HealthSources:
    """Everything the page shows about the days from ``since`` on."""
    present = set(inspect(engine).get_table_names(schema=schema_for(engine)))
    audit = pd.DataFrame(read_audit(engine)) if AUDIT_TABLE in present else pd.DataFrame()
    if not audit.empty:  # "unknown": a run whose window never resolved; it has no day to show under
        audit = audit[
            audit["partition"].str.fullmatch(r"\d{4}-\d{2}-\d{2}") & (audit["partition"] >= since.isoformat())
        ]
    return HealthSources(audit, _freshness(engine, present, since), _aggregates(engine, present, since))


def _target(engine: Engine, table: str) -> str:
    quote = engine.dialect.identifier_preparer.quote_identifier
    schema = schema_for(engine)
    return f"{quote(schema)}.{quote(table)}" if schema else quote(table)


def _query(engine: Engine, sql: str, since: date, columns: list[str]) -> pd.DataFrame:
    statement = text(sql).bindparams(bindparam("since", since, type_=Date))
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(statement).all(), columns=columns)
    frame["partition"] = frame["partition"].map(lambda day: str(day)[:10])
    counts = [column for column in columns if column not in ("partition", "last_extracted_at")]
    frame[counts] = frame[counts].apply(pd.to_numeric)  # PostgreSQL's SUM is numeric: Decimal, not int
    return frame


def _freshness(engine: Engine, present: set[str], since: date) -> pd.DataFrame:
    if FRESHNESS_TABLE not in present:
        return pd.DataFrame(columns=FRESHNESS_COLUMNS)
    sql = (
        f"SELECT partition_date, last_extracted_at, open_conversations FROM {_target(engine, FRESHNESS_TABLE)} "
        "WHERE partition_date >= :since"
    )
    frame = _query(engine, sql, since, FRESHNESS_COLUMNS)
    frame["last_extracted_at"] = pd.to_datetime(frame["last_extracted_at"], utc=True, format="ISO8601")
    return frame


def _aggregates(engine: Engine, present: set[str], since: date) -> pd.DataFrame:
    columns = ["partition", *AGGREGATE_METRICS.values()]
    if AGGREGATES_TABLE not in present:
        return pd.DataFrame(columns=columns)
    metrics = ", ".join(f"SUM(CASE WHEN metric = '{metric}' THEN \"count\" ELSE 0 END)" for metric in AGGREGATE_METRICS)
    sql = (
        f'SELECT "partition", {metrics} FROM {_target(engine, AGGREGATES_TABLE)} '
        'WHERE "partition" >= CAST(:since AS TEXT) GROUP BY "partition"'
    )
    return _query(engine, sql, since, columns)
