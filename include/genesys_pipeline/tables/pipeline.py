"""The pipeline's own tables: Genesys's aggregates, the audit of every attempt, per-day freshness."""

from __future__ import annotations

from genesys_pipeline.tables.spec import (
    BOOL,
    DATE,
    FLOAT,
    INT,
    JSON,
    RUN_ID,
    SERIAL,
    SYNCED_AT,
    TEXT,
    TS,
    Column,
    TableSpec,
)

# groupBy dimension -> column, in the order the aggregates facet query groups.
AGGREGATE_GROUP_COLUMNS: dict[str, str] = {
    "mediaType": "media_type",
    "queueId": "queue_id",
    "direction": "direction",
    "wrapUpCode": "wrap_up_code",
}

# An aggregates cell's stats (NULL where Genesys filled none) and who wrote the row when.
AGGREGATE_STAT_COLUMNS: tuple[Column, ...] = (
    Column("count", INT),
    Column("sum", FLOAT),
    Column("min", FLOAT),
    Column("max", FLOAT),
    Column(RUN_ID, TEXT),
    Column(SYNCED_AT, TS),
)

# Genesys's own roll-up, one row per (partition, bucket, group, metric); replaced per partition.
CONVERSATION_AGGREGATES = TableSpec(
    "conversation_aggregates",
    (
        Column("partition", TEXT, nullable=False),
        Column("bucket", TEXT, nullable=False),
        *(Column(name, TEXT) for name in AGGREGATE_GROUP_COLUMNS.values()),
        Column("metric", TEXT, nullable=False),
        *AGGREGATE_STAT_COLUMNS,
    ),
    primary_key=(),
    indexes=("partition",),
)

# One row per partition attempt, whatever its outcome; nested metrics are JSON text.
SYNC_AUDIT = TableSpec(
    "sync_audit",
    (
        Column("id", SERIAL),
        Column("recorded_at", TS, nullable=False),
        Column("dag_id", TEXT, nullable=False),
        Column("run_id", TEXT, nullable=False),
        Column("try_number", INT, nullable=False),
        Column("task_id", TEXT),
        Column("partition", TEXT, nullable=False),
        Column("interval_start", TEXT),
        Column("interval_end", TEXT),
        Column("query_hash", TEXT),
        Column("job_id", TEXT),
        Column("pages", INT),
        Column("api_requests", INT),
        Column("api_retries", INT),
        Column("api_throttled", INT),
        Column("conversations_fetched", INT),
        Column("conversations_loaded", INT),
        Column("conversations_rejected", INT),
        Column("rows_per_table", JSON),
        Column("drift_summary", JSON),
        Column("cache_hit", BOOL),
        Column("stage_latency_seconds", JSON),
        Column("completeness_rate", FLOAT),
        Column("status", TEXT, nullable=False),
        Column("error", TEXT),
        Column("failed_correlation_ids", JSON),
        Column("reconciliation", JSON),
        Column("conversations_changed", INT),  # new or rewritten (content hash changed)
        Column("conversations_unchanged", INT),
        Column("conversations_deleted", INT),  # erased by a complete re-extraction
        Column("deleted_id_hashes", JSON),  # HMAC-SHA256 of the erased ids, never the ids
        Column("open_conversations", INT),  # stored without conversation_end after the run
        Column("oldest_open_start", TEXT),
        Column("divisions_read", JSON),
        # not merged: the warehouse already held a fresher copy (in the warehouse, counted complete)
        Column("conversations_skipped_older", INT),
        # open-conversation follow-up (multi-get by id): ids asked for, and what came back
        Column("followup_requested", INT),
        Column("followup_returned", INT),
        Column("followup_ended", INT),  # returned with conversationEnd: no longer followed up
        Column("followup_still_open", INT),
        Column("followup_not_returned", INT),  # other division or erased: kept, not deleted
        Column("followup_requests", INT),  # multi-get calls (not in api_requests, which is the extract's)
        # by-id re-sync (genesys_conversations_by_id): ids asked for and what came back; what it rewrote is
        # conversations_changed. An id not returned is named here and kept in the warehouse, never deleted.
        Column("resync_requested", INT),
        Column("resync_returned", INT),
        Column("resync_not_found", INT),
        Column("resync_outside_retention", INT),  # returned, but started before genesys_retention_days: not merged
        Column("resync_not_found_ids", JSON),
        # the rate budget and job slots the extraction ran under, and their source (org limits / settings)
        Column("api_limits", JSON),
    ),
    primary_key=("id",),
)

# Per UTC day of conversation_start: when the day was last extracted whole and how much of it
# is still moving. Upserted by the load (genesys_pipeline.warehouse.converge.freshness).
PARTITION_FRESHNESS = TableSpec(
    "partition_freshness",
    (
        Column("partition_date", DATE),
        Column("last_extracted_at", TS),
        Column("conversations", INT),
        Column("open_conversations", INT),
        Column("changed_last_run", INT),
        Column("deleted_last_run", INT),
    ),
    ("partition_date",),
)
