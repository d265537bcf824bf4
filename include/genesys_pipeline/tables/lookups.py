"""Lookup tables (users, queues, wrap-up codes) filled by the reference-data DAG."""

from __future__ import annotations

from genesys_pipeline.tables.spec import FLOAT, INT, SYNCED_AT, TEXT, TS, Column, TableSpec


def _lookup(name: str) -> TableSpec:
    columns = (Column("id", TEXT), Column("name", TEXT), Column("state", TEXT), Column(SYNCED_AT, TS))
    return TableSpec(name, columns, ("id",))


# Lookup tables filled by the reference-data DAG. Created empty here so the category views
# always resolve; the views LEFT JOIN them, so an empty lookup only leaves names NULL.
LOOKUP_TABLES: tuple[TableSpec, ...] = (_lookup("users"), _lookup("queues"), _lookup("wrapup_codes"))

# Each queue's service-level target per media type (queue ``mediaSettings.<media>.serviceLevel``,
# SDK ``ServiceLevel``: ``percentage`` as a fraction, ``durationMs``), replaced with ``queues``.
# ``media_type`` is the conversations' media type (the settings' ``call`` is ``voice``), so the
# KPI views join it on (queue_id, media_type).
QUEUE_SERVICE_LEVELS = TableSpec(
    "queue_service_levels",
    (
        Column("queue_id", TEXT, nullable=False),
        Column("media_type", TEXT, nullable=False),
        Column("percentage", FLOAT),
        Column("duration_ms", INT),
        Column(SYNCED_AT, TS),
    ),
    ("queue_id", "media_type"),
)
