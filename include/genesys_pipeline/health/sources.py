"""What the sync-health page reads from the warehouse, as pandas frames.

Day-level facts come from the data itself: how many conversations of each UTC day the
``conversations`` table holds now and how many of them have no end yet (counted here, not
taken from any run's report), and when each day was last extracted whole
(``partition_freshness.last_extracted_at``, upserted by every load in its own transaction; every
day one extraction covered carries that extraction's timestamp). ``sync_audit`` is the history
of every attempt: run-level figures, and the record of which run made which extraction.
A warehouse that never ran a sync has none of these tables, and the page says so instead of failing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from sqlalchemy import Date, Engine, bindparam, inspect, text

from genesys_pipeline.report.audit import AUDIT_TABLE, read_audit
from genesys_pipeline.warehouse.engine import schema_for

CONVERSATIONS_TABLE = "conversations"
FRESHNESS_TABLE = "partition_freshness"
AGGREGATES_TABLE = "conversation_aggregates"
HOLDINGS_COLUMNS = ["partition", "conversations", "open_conversations"]
FRESHNESS_COLUMNS = ["partition", "last_extracted_at"]
AGGREGATE_METRICS = {"nOffered": "genesys_offered", "nConnected": "genesys_connected"}
DAY_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class HealthSources:
    audit: pd.DataFrame  # one row per attempt since the window start, columns of sync_audit (JSON decoded)
    holdings: pd.DataFrame  # one row per day with data: HOLDINGS_COLUMNS, counted from the warehouse now
    freshness: pd.DataFrame  # one row per day extracted whole at least once: FRESHNESS_COLUMNS
    aggregates: pd.DataFrame  # one row per day: partition + AGGREGATE_METRICS values
    # the agent-activity DAG's attempts in the same window (its own section: health.agent_days)
    agent_audit: pd.DataFrame = field(default_factory=pd.DataFrame)


def read_sources(engine: Engine, since: date) -> HealthSources:
    """Everything the page shows about the days from ``since`` on."""
    present = set(inspect(engine).get_table_names(schema=schema_for(engine)))
    audit = pd.DataFrame(read_audit(engine)) if AUDIT_TABLE in present else pd.DataFrame()
    agent_audit = audit
    if not audit.empty:
        relevant, agents = _relevant(audit, since), audit["dag_id"] == AGENT_ACTIVITY_DAG_ID
        audit, agent_audit = audit[relevant & ~agents], audit[relevant & agents]
    return HealthSources(
        audit,
        _holdings(engine, present, since),
        _freshness(engine, present, since),
        _aggregates(engine, present, since),
        agent_audit,
    )


# Its attempts are agent-activity days in the same sync_audit: not conversation days, shown in their own section.
AGENT_ACTIVITY_DAG_ID = "genesys_user_activity_daily"


def _relevant(audit: pd.DataFrame, since: date) -> pd.Series:
    """Attempts of a day from ``since`` on, and manual-window attempts ending after it. "unknown" (a run
    whose window never resolved) has no day to show under."""
    is_day = audit["partition"].str.fullmatch(DAY_PATTERN.pattern)
    ends = audit["interval_end"].fillna("").astype(str)
    return (is_day & (audit["partition"] >= since.isoformat())) | (
        ~is_day & (audit["partition"] != "unknown") & (ends > since.isoformat())
    )


def table_name(engine: Engine, table: str) -> str:
    """``table`` quoted, in the warehouse's schema."""
    quote = engine.dialect.identifier_preparer.quote_identifier
    schema = schema_for(engine)
    return f"{quote(schema)}.{quote(table)}" if schema else quote(table)


def day_counts(engine: Engine, sql: str, since: date, columns: list[str]) -> pd.DataFrame:
    """A per-day ``GROUP BY`` (bound ``:since``) as a frame: ``partition`` as ISO text, counts numeric."""
    statement = text(sql).bindparams(bindparam("since", since, type_=Date))
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(statement).all(), columns=columns)
    frame["partition"] = frame["partition"].map(lambda day: str(day)[:10])
    counts = [column for column in columns if column not in ("partition", "last_extracted_at")]
    frame[counts] = frame[counts].apply(pd.to_numeric)  # PostgreSQL's SUM is numeric: Decimal, not int
    return frame


def _holdings(engine: Engine, present: set[str], since: date) -> pd.DataFrame:
    if CONVERSATIONS_TABLE not in present:
        return pd.DataFrame(columns=HOLDINGS_COLUMNS)
    sql = (
        "SELECT conversation_date, COUNT(*), SUM(CASE WHEN conversation_end IS NULL THEN 1 ELSE 0 END) "
        f"FROM {table_name(engine, CONVERSATIONS_TABLE)} WHERE conversation_date >= :since GROUP BY conversation_date"
    )
    return day_counts(engine, sql, since, HOLDINGS_COLUMNS)


def _freshness(engine: Engine, present: set[str], since: date) -> pd.DataFrame:
    if FRESHNESS_TABLE not in present:
        return pd.DataFrame(columns=FRESHNESS_COLUMNS)
    sql = (
        f"SELECT partition_date, last_extracted_at FROM {table_name(engine, FRESHNESS_TABLE)} "
        "WHERE partition_date >= :since AND last_extracted_at IS NOT NULL"
    )
    frame = day_counts(engine, sql, since, FRESHNESS_COLUMNS)
    frame["last_extracted_at"] = pd.to_datetime(frame["last_extracted_at"], utc=True, format="ISO8601")
    return frame


def _aggregates(engine: Engine, present: set[str], since: date) -> pd.DataFrame:
    columns = ["partition", *AGGREGATE_METRICS.values()]
    if AGGREGATES_TABLE not in present:
        return pd.DataFrame(columns=columns)
    metrics = ", ".join(f"SUM(CASE WHEN metric = '{metric}' THEN \"count\" ELSE 0 END)" for metric in AGGREGATE_METRICS)
    sql = (
        f'SELECT "partition", {metrics} FROM {table_name(engine, AGGREGATES_TABLE)} '
        'WHERE "partition" >= CAST(:since AS TEXT) GROUP BY "partition"'
    )
    return day_counts(engine, sql, since, columns)
