"""Genesys's half-hour queue cells: the one aggregates query behind the queue report, and its table.

One request per partition: ``conversations/aggregates/query`` over the day at ``PT30M``,
grouped by ``queueId`` and ``mediaType``, for :data:`KPI_METRICS`. A day is 48 buckets, far
under the bucket cap (reference §6: 1,000), and the groups are queues x media types, so one
query answers it; Genesys attributes each metric to the half hour of its ``emitDate`` and to
the queue and media type of the session that emitted it. Every stat Genesys filled is stored
(``queue_interval_aggregates``), replaced per partition, so a rerun never doubles.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from genesys_pipeline.report.aggregates import AggregatesLoad, cells, read_partition, replace_partition
from genesys_pipeline.tables import QUEUE_INTERVAL_AGGREGATES

TABLE = QUEUE_INTERVAL_AGGREGATES.name
GRANULARITY = "PT30M"
GROUP_BY: dict[str, str] = {"queueId": "queue_id", "mediaType": "media_type"}

# The queue report's metrics; each is in the SDK 269 metric enum (ConversationAggregationView.target).
KPI_METRICS: tuple[str, ...] = (
    "nOffered",  # offered to the queue (queue session start)
    "tAcd",  # time in queue of answered offers
    "tAnswered",  # queue entry to answer (ASA's numerator); its count is "answered"
    "tAbandon",  # time in queue of offers the customer gave up on; its count is "abandoned"
    "tShortAbandon",  # abandons under the short-abandon threshold (a subset of tAbandon)
    "nOverSla",  # answered after the queue's own service-level target
    "tAlert",  # agent alerting
    "nConnected",
    "tTalk",  # each talk stretch (several per session when held in between)
    "tTalkComplete",  # a session's whole talk, emitted once at its end
    "tHeld",
    "tHeldComplete",
    "tAcw",  # after-call work (wrap-up)
    "tHandle",  # talk + hold + wrap-up of a handled interaction
    "nTransferred",
    "nOutbound",
)
STATS = ("count", "sum", "min", "max")


def kpi_query(interval: str, metrics: tuple[str, ...] = KPI_METRICS) -> dict[str, Any]:
    """The partition's one PT30M query body."""
    return {"interval": interval, "granularity": GRANULARITY, "groupBy": list(GROUP_BY), "metrics": list(metrics)}


def bucket_start(bucket: str) -> str:
    """``2024-05-01T10:30:00.000Z/...`` -> its start, normalised to the millisecond ``Z`` form the views use."""
    start = datetime.fromisoformat(bucket.split("/", 1)[0].replace("Z", "+00:00")).astimezone(UTC)
    return start.strftime("%Y-%m-%dT%H:%M:%S.") + f"{start.microsecond // 1000:03d}Z"


def flatten_cells(response: Mapping[str, Any], partition: str, run_id: str) -> list[dict[str, Any]]:
    """One row per (half hour, queue, media type, metric) with the stats Genesys filled (others NULL)."""
    synced_at = datetime.now(UTC)
    rows = []
    for group, bucket, metric in cells(response):
        stats = metric.get("stats") or {}
        row: dict[str, Any] = {column: group.get(dimension) for dimension, column in GROUP_BY.items()}
        row.update(partition=partition, interval_start=bucket_start(bucket), metric=metric["metric"])
        row.update({stat: stats.get(stat) for stat in STATS})
        row.update(_run_id=run_id, _synced_at=synced_at)
        rows.append(row)
    return rows


def replace_cells(engine: Engine, partition: str, rows: list[dict[str, Any]]) -> AggregatesLoad:
    """Swap the partition's cells in one transaction: readers see the old set or the new one."""
    return replace_partition(engine, partition, rows, TABLE)


def read_cells(engine: Engine, partition: str) -> list[dict[str, Any]]:
    return read_partition(engine, partition, TABLE)
