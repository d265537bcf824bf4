"""Agent activity tables: presence and routing-status intervals per user, from the users
details jobs (SDK 269 ``AnalyticsUserPresenceRecord`` / ``AnalyticsRoutingStatusRecord``),
and the presence definitions their ``organization_presence_id`` points at.

An interval is stored once, keyed by (user, start): one that crosses midnight belongs to the
day it started on (``activity_date``, UTC) and a later run updates its end. ``end_time`` is
NULL while the interval was still running at extraction. ``user_activity_days`` holds one row
per user and day loaded: the content hash of that user-day's intervals (a rerun rewrites only
changed user-days), when it was extracted (an older extraction never overwrites it) and how
many of its intervals were still open. No names: user ids only (names stay in ``users``).
"""

from __future__ import annotations

from genesys_pipeline.tables.spec import (
    BOOL,
    CONTENT_HASH,
    DATE,
    EXTRACTED_AT,
    INT,
    RUN_ID,
    SYNCED_AT,
    TEXT,
    TS,
    Column,
    TableSpec,
)

_INTERVAL_KEY = (
    Column("user_id", TEXT, "userId", nullable=False),
    Column("start_time", TS, "startTime", nullable=False),
    Column("end_time", TS, "endTime"),
    # the same instants as epoch milliseconds: the KPI views clip intervals to days in plain SQL
    Column("start_ms", INT),
    Column("end_ms", INT),
)
_LINEAGE = (Column("activity_date", DATE, nullable=False), Column(EXTRACTED_AT, TS), Column(RUN_ID, TEXT))

USER_PRESENCE_INTERVALS = TableSpec(
    "user_presence_intervals",
    (
        *_INTERVAL_KEY,
        Column("system_presence", TEXT, "systemPresence"),
        Column("organization_presence_id", TEXT, "organizationPresenceId"),
        *_LINEAGE,
    ),
    ("user_id", "start_time"),
    indexes=("activity_date",),
)
USER_ROUTING_STATUS_INTERVALS = TableSpec(
    "user_routing_status_intervals",
    (*_INTERVAL_KEY, Column("routing_status", TEXT, "routingStatus"), *_LINEAGE),
    ("user_id", "start_time"),
    indexes=("activity_date",),
)
USER_ACTIVITY_DAYS = TableSpec(
    "user_activity_days",
    (
        Column("user_id", TEXT, nullable=False),
        Column("activity_date", DATE, nullable=False),
        Column("day_start_ms", INT),  # 00:00 UTC of activity_date, epoch ms (the KPI views' clip)
        Column(CONTENT_HASH, TEXT),
        Column("open_intervals", INT),
        Column(EXTRACTED_AT, TS),
        Column(RUN_ID, TEXT),
    ),
    ("user_id", "activity_date"),
)
PRESENCE_DEFINITIONS = TableSpec(
    "presence_definitions",
    (
        Column("id", TEXT, nullable=False),
        Column("name", TEXT),
        Column("type", TEXT),
        Column("system_presence", TEXT),
        Column("division_id", TEXT),
        Column("deactivated", BOOL),
        Column(SYNCED_AT, TS),
    ),
    ("id",),
)
INTERVAL_TABLES = (USER_PRESENCE_INTERVALS, USER_ROUTING_STATUS_INTERVALS)
USER_ACTIVITY_TABLES: tuple[TableSpec, ...] = (*INTERVAL_TABLES, USER_ACTIVITY_DAYS, PRESENCE_DEFINITIONS)
