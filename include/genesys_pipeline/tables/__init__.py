"""Warehouse table specifications: the single source of truth for every table the project writes.

The normalizer derives its JSON getters from the conversation specs and the warehouse derives
all DDL from :data:`WAREHOUSE_TABLES` (``genesys_pipeline.warehouse.schema.ensure_schema``), so
a field added here reaches both without a second edit, and a new table is one more spec in
that tuple. One module per kind of table: :mod:`.spec` (the vocabulary), :mod:`.conversation_fields`
and :mod:`.conversations` (the details records, after the Genesys analytics record models, SDK
269, reference section 5: every documented scalar of a level becomes a snake_case column, lists
become JSON text, a session's ``flow`` object is flattened into ``flow_*`` columns),
:mod:`.lookups`, :mod:`.pipeline` (aggregates, audit, freshness) and :mod:`.users` (agent
presence and routing-status intervals). This package is their
catalogue: import names from here.

Bump :data:`SCHEMA_VERSION` whenever a column is added; the warehouse adds new columns to
existing tables itself (additive migration), it never drops or retypes one.
"""

from __future__ import annotations

from genesys_pipeline.tables.conversation_fields import (
    CONVERSATION_FIELDS,
    EVALUATION_FIELDS,
    FLOW_FIELDS,
    FLOW_OUTCOME_FIELDS,
    METRIC_FIELDS,
    PARTICIPANT_FIELDS,
    RESOLUTION_FIELDS,
    SEGMENT_FIELDS,
    SESSION_FIELDS,
    SURVEY_FIELDS,
)
from genesys_pipeline.tables.conversations import (
    CONVERSATION_EVALUATIONS,
    CONVERSATION_RESOLUTIONS,
    CONVERSATION_SURVEYS,
    CONVERSATION_TABLES,
    CONVERSATIONS,
    FLOW_PREFIX,
    PARTICIPANT_ATTRIBUTES,
    PARTICIPANTS,
    SEGMENTS,
    SESSION_FLOW_OUTCOMES,
    SESSION_METRICS,
    SESSIONS,
    TABLES_BY_NAME,
    flow_column,
)
from genesys_pipeline.tables.kpis import KPI_TABLES, QUEUE_INTERVAL_AGGREGATES
from genesys_pipeline.tables.lookups import LOOKUP_TABLES, QUEUE_SERVICE_LEVELS
from genesys_pipeline.tables.pipeline import (
    AGGREGATE_GROUP_COLUMNS,
    CONVERSATION_AGGREGATES,
    PARTITION_FRESHNESS,
    SYNC_AUDIT,
)
from genesys_pipeline.tables.spec import (
    BOOL,
    CONTENT_HASH,
    DATE,
    EXTRACTED_AT,
    FLOAT,
    INT,
    JSON,
    RUN_ID,
    SERIAL,
    SYNCED_AT,
    TEXT,
    TS,
    Column,
    ColumnType,
    TableSpec,
    layout,
    snake_case,
)
from genesys_pipeline.tables.users import (
    PRESENCE_DEFINITIONS,
    USER_ACTIVITY_DAYS,
    USER_ACTIVITY_TABLES,
    USER_PRESENCE_INTERVALS,
    USER_ROUTING_STATUS_INTERVALS,
)

SCHEMA_VERSION = 2  # 2: conversations._content_hash, partition_freshness

# Every table the warehouse holds: ``ensure_schema`` creates and migrates exactly these.
WAREHOUSE_TABLES: tuple[TableSpec, ...] = (
    *CONVERSATION_TABLES,
    *LOOKUP_TABLES,
    QUEUE_SERVICE_LEVELS,
    CONVERSATION_AGGREGATES,
    *KPI_TABLES,
    *USER_ACTIVITY_TABLES,
    SYNC_AUDIT,
    PARTITION_FRESHNESS,
)

__all__ = [
    "AGGREGATE_GROUP_COLUMNS",
    "BOOL",
    "CONTENT_HASH",
    "CONVERSATIONS",
    "CONVERSATION_AGGREGATES",
    "CONVERSATION_EVALUATIONS",
    "CONVERSATION_FIELDS",
    "CONVERSATION_RESOLUTIONS",
    "CONVERSATION_SURVEYS",
    "CONVERSATION_TABLES",
    "DATE",
    "EVALUATION_FIELDS",
    "EXTRACTED_AT",
    "FLOAT",
    "FLOW_FIELDS",
    "FLOW_OUTCOME_FIELDS",
    "FLOW_PREFIX",
    "INT",
    "JSON",
    "KPI_TABLES",
    "LOOKUP_TABLES",
    "METRIC_FIELDS",
    "PARTICIPANTS",
    "PARTICIPANT_ATTRIBUTES",
    "PARTICIPANT_FIELDS",
    "PARTITION_FRESHNESS",
    "PRESENCE_DEFINITIONS",
    "QUEUE_INTERVAL_AGGREGATES",
    "QUEUE_SERVICE_LEVELS",
    "RESOLUTION_FIELDS",
    "RUN_ID",
    "SCHEMA_VERSION",
    "SEGMENTS",
    "SEGMENT_FIELDS",
    "SERIAL",
    "SESSIONS",
    "SESSION_FIELDS",
    "SESSION_FLOW_OUTCOMES",
    "SESSION_METRICS",
    "SURVEY_FIELDS",
    "SYNCED_AT",
    "SYNC_AUDIT",
    "TABLES_BY_NAME",
    "TEXT",
    "TS",
    "USER_ACTIVITY_DAYS",
    "USER_ACTIVITY_TABLES",
    "USER_PRESENCE_INTERVALS",
    "USER_ROUTING_STATUS_INTERVALS",
    "WAREHOUSE_TABLES",
    "Column",
    "ColumnType",
    "TableSpec",
    "flow_column",
    "layout",
    "snake_case",
]
