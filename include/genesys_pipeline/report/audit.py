"""The ``sync_audit`` table: one row per partition attempt, successful or not.

Rows are only ever inserted, never updated, so the table is the history of every attempt
(a rerun adds a row; a failure adds a ``failed`` row from the task failure callback, which the
run's ``outcome`` task then reports).
Nested metrics (rows per table, drift, stage latencies, correlation ids) are JSON text so the
same table works on SQLite and PostgreSQL, where it lives in the warehouse's schema beside
the data tables. The table is declared in :data:`genesys_pipeline.tables.SYNC_AUDIT`. No secrets are passed in,
so none can be stored.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Engine, Table, insert, select

from genesys_pipeline.tables import JSON, SYNC_AUDIT
from genesys_pipeline.warehouse.schema import ensure_schema, warehouse_table

log = logging.getLogger(__name__)

AUDIT_TABLE = SYNC_AUDIT.name
AUDIT_WRITE_ATTEMPTS = 4
AUDIT_WRITE_BACKOFF_S = 2.0
MAX_ERROR_CHARS = 4000

_JSON_COLUMNS = tuple(column.name for column in SYNC_AUDIT.columns if column.type == JSON)
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
    conversations_changed: int | None = None
    conversations_unchanged: int | None = None
    conversations_deleted: int | None = None
    deleted_id_hashes: list[str] = field(default_factory=list)
    open_conversations: int | None = None
    oldest_open_start: str | None = None
    divisions_read: list[str] = field(default_factory=list)
    followup_requested: int | None = None
    followup_returned: int | None = None
    followup_ended: int | None = None
    followup_still_open: int | None = None
    followup_not_returned: int | None = None
    followup_requests: int | None = None
    resync_requested: int | None = None
    resync_returned: int | None = None
    resync_not_found: int | None = None
    resync_outside_retention: int | None = None
    resync_not_found_ids: list[str] = field(default_factory=list)
    api_limits: dict[str, Any] | None = None

    @property
    def completeness_rate(self) -> float | None:
        """In the warehouse ÷ fetched, i.e. (loaded + skipped_older) ÷ fetched; an empty day (0 of 0) is complete.

        ``conversations_loaded`` (new, changed or unchanged: held in this extraction's version)
        never includes a conversation skipped because a fresher copy is already loaded (a later
        day, loaded first, held the half that spans midnight); that one is in the warehouse too,
        so it counts here, while its own column keeps it apart.
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
        self.api_limits = extract.get("limits")

    def add_load(self, load: Mapping[str, Any]) -> None:
        """Fill the load columns from the load task's result dict."""
        self.conversations_loaded = load.get("conversations_loaded")
        self.conversations_rejected = load.get("conversations_rejected")
        self.conversations_skipped_older = load.get("conversations_skipped_older")
        self.rows_per_table = dict(load.get("rows_per_table") or {})
        self.drift_summary = dict(load.get("drift") or {})
        if "conversations_changed" in load:  # new + changed: what the run rewrote
            self.conversations_changed = (load.get("conversations_new") or 0) + (load["conversations_changed"] or 0)
        self.conversations_unchanged = load.get("conversations_unchanged")
        self.conversations_deleted = load.get("conversations_deleted")
        self.deleted_id_hashes = list(load.get("deleted_id_hashes") or [])

    def add_open_conversations(self, count: int, oldest_start: str | None) -> None:
        """What is still moving after the run (see ``warehouse.open_conversations``)."""
        self.open_conversations = count
        self.oldest_open_start = oldest_start

    def add_follow_up(self, follow_up: Mapping[str, Any]) -> None:
        """Fill the follow-up columns from the ``follow_up_open`` task's result dict."""
        for name in ("requested", "returned", "ended", "still_open", "not_returned", "requests"):
            setattr(self, f"followup_{name}", follow_up.get(name))

    def add_resync(self, resync: Mapping[str, Any]) -> None:
        """Fill the by-id columns from the ``resync`` task's result dict (the ids not returned by name)."""
        for name in ("requested", "returned", "not_found", "outside_retention"):
            setattr(self, f"resync_{name}", resync.get(name))
        self.resync_not_found_ids = list(resync.get("not_found_ids") or [])

    def add_divisions(self, division_ids: Iterable[str]) -> None:
        self.divisions_read = sorted(division_ids)

    def add_reconciliation(self, result: Mapping[str, Any]) -> None:
        """Attach the reconcile task's result; a success beyond tolerance becomes ``incomplete`` (data is kept)."""
        self.reconciliation = dict(result or {})
        if self.status == "success" and self.reconciliation.get("status") == INCOMPLETE:
            self.status = INCOMPLETE

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> AuditRecord:
        """The record a ``sync_audit`` row (as :func:`read_audit` returns it) was written from."""
        return cls(**{spec.name: row[spec.name] for spec in fields(cls) if spec.name in row})

    def summary(self) -> dict[str, Any]:
        """The record as plain JSON values: what the webhook reports and XCom carries."""
        return {**asdict(self), "completeness_rate": self.completeness_rate}

    def to_row(self) -> dict[str, Any]:
        row = self.summary()
        for name in _JSON_COLUMNS:
            row[name] = orjson.dumps(row[name], option=orjson.OPT_SORT_KEYS).decode()
        if row["error"]:
            row["error"] = row["error"][:MAX_ERROR_CHARS]
        row["recorded_at"] = datetime.now(UTC)
        return row


def _audit_table(engine: Engine) -> Table:
    return warehouse_table(engine, AUDIT_TABLE)


def write_audit(engine: Engine, record: AuditRecord) -> None:
    ensure_schema(engine, only=[AUDIT_TABLE])  # callbacks may write before (or without) any load
    with engine.begin() as conn:
        conn.execute(insert(_audit_table(engine)).values(**record.to_row()))


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
                    attempts,
                    type(error).__name__,
                    error,
                    orjson.dumps(record.summary()).decode(),
                )
                raise
            log.warning(
                "Audit write try %d of %d failed (%s: %s); retrying", attempt, attempts, type(error).__name__, error
            )
        finally:
            engine.dispose()
        time.sleep(backoff_s * attempt)


def read_audit(
    engine: Engine, partition: str | None = None, row_ids: Iterable[int] | None = None
) -> list[dict[str, Any]]:
    """Audit rows oldest first, JSON columns decoded."""
    sync_audit = _audit_table(engine)
    query = select(sync_audit).order_by(sync_audit.c.id)
    if partition is not None:
        query = query.where(sync_audit.c.partition == partition)
    if row_ids is not None:
        query = query.where(sync_audit.c.id.in_(list(row_ids)))
    with engine.connect() as conn:
        rows = [dict(row._mapping) for row in conn.execute(query)]
    for row in rows:
        for name in _JSON_COLUMNS:
            row[name] = orjson.loads(row[name]) if row[name] else None
    return rows


def latest_failure(
    engine: Engine, dag_id: str, run_id: str, task_ids: Iterable[str], since: datetime | None = None
) -> AuditRecord | None:
    """The newest ``failed`` row of one of ``task_ids`` in this run (its failure callback wrote it), if any.
    ``since`` (the attempt's start: a cleared run keeps its run id) leaves out the rows of earlier attempts."""
    ensure_schema(engine, only=[AUDIT_TABLE])  # a callback that could not write may have left no table
    sync_audit = _audit_table(engine)
    query = (
        select(sync_audit.c.id, sync_audit.c.recorded_at)
        .where(sync_audit.c.dag_id == dag_id, sync_audit.c.run_id == run_id, sync_audit.c.status == "failed")
        .where(sync_audit.c.task_id.in_(list(task_ids)))
        .order_by(sync_audit.c.id.desc())
    )
    with engine.connect() as conn:
        candidates = conn.execute(query).all()
    newest = next((row.id for row in candidates if since is None or _utc(row.recorded_at) >= _utc(since)), None)
    if newest is None:
        return None
    [row] = read_audit(engine, row_ids=[newest])
    return AuditRecord.from_row(row)


def _utc(moment: datetime | str) -> datetime:
    """SQLite hands timestamps back as naive text (written in UTC); PostgreSQL as aware datetimes."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
