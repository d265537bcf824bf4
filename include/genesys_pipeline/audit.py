"""The ``sync_audit`` table: one row per partition attempt, successful or not.

Rows are only ever inserted, never updated, so the table is the history of every attempt
(a rerun adds a row; a failure adds a ``failed`` row from the task failure callback).
Nested metrics (rows per table, drift, stage latencies, correlation ids) are JSON text so the
same table works on SQLite and PostgreSQL, where it lives in the warehouse's schema beside
the data tables. No secrets are passed in, so none can be stored.
"""
from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Mapping

import orjson
from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    DateTime,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    insert,
    inspect,
    select,
)
from sqlalchemy.schema import CreateSchema

from genesys_pipeline.warehouse.engine import schema_for

log = logging.getLogger(__name__)

AUDIT_TABLE = "sync_audit"
AUDIT_WRITE_ATTEMPTS = 4
AUDIT_WRITE_BACKOFF_S = 2.0
MAX_ERROR_CHARS = 4000

_metadata = MetaData()
sync_audit = Table(
    AUDIT_TABLE,
    _metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("dag_id", String(250), nullable=False),
    Column("run_id", String(250), nullable=False),
    Column("try_number", Integer, nullable=False),
    Column("task_id", String(250)),
    Column("partition", String(64), nullable=False),
    Column("interval_start", String(32)),
    Column("interval_end", String(32)),
    Column("query_hash", String(64)),
    Column("job_id", String(64)),
    Column("pages", Integer),
    Column("api_requests", Integer),
    Column("api_retries", Integer),
    Column("api_throttled", Integer),
    Column("conversations_fetched", Integer),
    Column("conversations_loaded", Integer),
    Column("conversations_rejected", Integer),
    Column("conversations_skipped_older", Integer),
    Column("rows_per_table", Text),
    Column("drift_summary", Text),
    Column("cache_hit", Boolean),
    Column("stage_latency_seconds", Text),
    Column("completeness_rate", Float),
    Column("status", String(16), nullable=False),
    Column("error", Text),
    Column("failed_correlation_ids", Text),
    Column("reconciliation", Text),
)

_JSON_COLUMNS = ("rows_per_table", "drift_summary", "stage_latency_seconds", "failed_correlation_ids", "reconciliation")
INCOMPLETE = "incomplete"  # loaded, but the details do not reconcile with Genesys's aggregates


@dataclass
class AuditRecord:
    dag_id: str
    run_id: str
    try_number: int
    partition: str
    status: str
    task_id: str | None = None
    interval_start: str | None = None
    interval_end: str | None = None
    query_hash: str | None = None
    job_id: str | None = None
    pages: int | None = None
    api_requests: int | None = None
    api_retries: int | None = None
    api_throttled: int | None = None
    conversations_fetched: int | None = None
    conversations_loaded: int | None = None
    conversations_rejected: int | None = None
    conversations_skipped_older: int | None = None
    rows_per_table: dict[str, int] = field(default_factory=dict)
    drift_summary: dict[str, Any] = field(default_factory=dict)
    cache_hit: bool | None = None
    stage_latency_seconds: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    failed_correlation_ids: list[str] = field(default_factory=list)
    reconciliation: dict[str, Any] = field(default_factory=dict)

    @property
    def completeness_rate(self) -> float | None:
        """In the warehouse ÷ fetched; an empty day (0 of 0) is complete.

        A conversation skipped because a fresher copy is already loaded (a later day, loaded
        first, held the half that spans midnight) is in the warehouse, so it counts.
        """
        if self.conversations_fetched is None or self.conversations_loaded is None:
            return None
        if self.conversations_fetched == 0:
            return 1.0
        in_warehouse = self.conversations_loaded + (self.conversations_skipped_older or 0)
        return round(in_warehouse / self.conversations_fetched, 6)

    def add_extract(self, extract: Mapping[str, Any]) -> None:
        """Fill the extraction columns from the extract task's result dict."""
        api = extract.get("api") or {}
        self.query_hash = extract.get("query_hash")
        self.job_id = extract.get("job_id")
        self.pages = extract.get("pages")
        self.conversations_fetched = extract.get("records")
        self.cache_hit = extract.get("cache_hit")
        self.api_requests = api.get("requests")
        self.api_retries = api.get("retries")
        self.api_throttled = api.get("throttled")
        self.failed_correlation_ids = list(api.get("failed_correlation_ids") or [])

    def add_load(self, load: Mapping[str, Any]) -> None:
        """Fill the load columns from the load task's result dict."""
        self.conversations_loaded = load.get("conversations_loaded")
        self.conversations_rejected = load.get("conversations_rejected")
        self.conversations_skipped_older = load.get("conversations_skipped_older")
        self.rows_per_table = dict(load.get("rows_per_table") or {})
        self.drift_summary = dict(load.get("drift") or {})

    def add_reconciliation(self, result: Mapping[str, Any]) -> None:
        """Attach the reconcile task's result; a success beyond tolerance becomes ``incomplete`` (data is kept)."""
        self.reconciliation = dict(result or {})
        if self.status == "success" and self.reconciliation.get("status") == INCOMPLETE:
            self.status = INCOMPLETE

    def summary(self) -> dict[str, Any]:
        """The record as plain JSON values: what the webhook reports and XCom carries."""
        return {**asdict(self), "completeness_rate": self.completeness_rate}

    def to_row(self) -> dict[str, Any]:
        row = self.summary()
        for name in _JSON_COLUMNS:
            row[name] = orjson.dumps(row[name], option=orjson.OPT_SORT_KEYS).decode()
        if row["error"]:
            row["error"] = row["error"][:MAX_ERROR_CHARS]
        row["recorded_at"] = datetime.now(timezone.utc)
        return row


def _in_warehouse_schema(engine: Engine) -> Engine:
    """The engine with ``sync_audit`` mapped into the warehouse schema (PostgreSQL) or left bare (SQLite)."""
    return engine.execution_options(schema_translate_map={None: schema_for(engine)})


def ensure_audit_table(engine: Engine) -> None:
    with _in_warehouse_schema(engine).begin() as conn:
        _create_or_migrate(conn, schema_for(engine))


def _create_or_migrate(conn: Connection, schema: str | None) -> None:
    if schema:
        conn.execute(CreateSchema(schema, if_not_exists=True))
    _metadata.create_all(conn, tables=[sync_audit])
    _add_missing_columns(conn, schema)


def _add_missing_columns(conn: Connection, schema: str | None) -> None:
    """Additive migration: audit tables created by an older version get the newer columns (NULL in old rows)."""
    existing = {column["name"] for column in inspect(conn).get_columns(AUDIT_TABLE, schema=schema)}
    quote = conn.dialect.identifier_preparer.quote
    target = f"{quote(schema)}.{quote(AUDIT_TABLE)}" if schema else quote(AUDIT_TABLE)
    for column in sync_audit.columns:
        if column.name not in existing:
            conn.exec_driver_sql(f"ALTER TABLE {target} ADD COLUMN {quote(column.name)} {column.type.compile(dialect=conn.dialect)}")


def write_audit(engine: Engine, record: AuditRecord) -> None:
    """Insert the row, checking the table in the same transaction (no second lock): a try that failed
    before its run prepared the warehouse (say, on a bad window) still gets its row."""
    with _in_warehouse_schema(engine).begin() as conn:
        _create_or_migrate(conn, schema_for(engine))
        conn.execute(insert(sync_audit).values(**record.to_row()))


def write_audit_reliably(
    connect: Callable[[], Engine],
    record: AuditRecord,
    attempts: int = AUDIT_WRITE_ATTEMPTS,
    backoff_s: float = AUDIT_WRITE_BACKOFF_S,
) -> None:
    """``write_audit`` through a fresh engine per try, retried with a growing pause. When every try
    fails the row is logged as an error, whole, so the attempt's history survives in the task log;
    then the last error is raised."""
    for attempt in range(1, attempts + 1):
        engine = connect()
        try:
            write_audit(engine, record)
            return
        except Exception as error:
            if attempt == attempts:
                log.error(
                    "Audit row NOT written after %d tries (%s: %s); the row: %s",
                    attempts, type(error).__name__, error, orjson.dumps(record.summary()).decode(),
                )
                raise
            log.warning("Audit write try %d of %d failed (%s: %s); retrying", attempt, attempts, type(error).__name__, error)
        finally:
            engine.dispose()
        time.sleep(backoff_s * attempt)


def read_audit(engine: Engine, partition: str | None = None) -> list[dict[str, Any]]:
    """Audit rows oldest first, JSON columns decoded."""
    query = select(sync_audit).order_by(sync_audit.c.id)
    if partition is not None:
        query = query.where(sync_audit.c.partition == partition)
    with _in_warehouse_schema(engine).connect() as conn:
        rows = [dict(row._mapping) for row in conn.execute(query)]
    for row in rows:
        for name in _JSON_COLUMNS:
            row[name] = orjson.loads(row[name]) if row[name] else None
    return rows
