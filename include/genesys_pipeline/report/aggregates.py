"""Conversation aggregates ("facets") of one partition: the query bodies, the flat rows, the table.

Two aggregate queries per partition, both over the partition's interval in one bucket:

* the *facet* query, grouped by media type, queue, direction and wrap-up code, whose stats
  become ``conversation_aggregates`` rows (one per group and metric), replaced per partition;
* the *census* query, grouped by conversation and media type, which is only counted: the
  conversations per media type that Genesys itself saw. Aggregates have no distinct-count
  stat, and ``nConversations`` is not emitted on every deployment, so counting the groups is
  the portable way to get a conversation count to reconcile the details against.

Aggregates bucket a metric by its ``emitDate`` (not by conversation start), so both queries
and the reconciliation use the same metric list: a conversation counts for the partition when
one of these metrics was emitted inside it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Table, delete, insert, select

from genesys_pipeline.tables import AGGREGATE_GROUP_COLUMNS as GROUP_COLUMNS
from genesys_pipeline.tables import CONVERSATION_AGGREGATES
from genesys_pipeline.warehouse.schema import ensure_schema, warehouse_table

AGGREGATES_TABLE = CONVERSATION_AGGREGATES.name

# Counts (n*) and durations (t*) an analyst asks for; the census counts conversations emitting any of them.
METRICS: tuple[str, ...] = (
    "nOffered",
    "nConnected",
    "nTransferred",
    "nOutbound",
    "nOverSla",
    "tAcd",
    "tAlert",
    "tAnswered",
    "tTalk",
    "tHeld",
    "tAcw",
    "tHandle",
    "tAbandon",
    "tIvr",
)
CENSUS_GROUP_BY = ("conversationId", "mediaType")


def facet_query(interval: str, metrics: Iterable[str] = METRICS) -> dict[str, Any]:
    """Body of the facet query: no granularity, so the whole interval is one bucket."""
    return {"interval": interval, "groupBy": list(GROUP_COLUMNS), "metrics": list(metrics)}


def census_query(interval: str, metrics: Iterable[str] = METRICS) -> dict[str, Any]:
    return {"interval": interval, "groupBy": list(CENSUS_GROUP_BY), "metrics": list(metrics)}


def hourly_census_query(interval: str, metrics: Iterable[str] = METRICS) -> dict[str, Any]:
    """The census in hour buckets: how many conversations emitted a metric in each hour, which
    is what splitting a details job under the results cap predicts piece sizes from."""
    return {**census_query(interval, metrics), "granularity": "PT1H"}


def conversations_per_bucket(response: Mapping[str, Any]) -> dict[datetime, int]:
    """Distinct conversations per bucket start in a census response with a granularity."""
    seen: set[tuple[str, str]] = set()
    for group, bucket, _metric in cells(response):
        if group.get("conversationId") and bucket:
            seen.add((bucket.split("/", 1)[0], group["conversationId"]))
    counts = Counter(start for start, _conversation in seen)
    return {datetime.fromisoformat(start.replace("Z", "+00:00")): n for start, n in sorted(counts.items())}


def cells(response: Mapping[str, Any]) -> Iterator[tuple[dict[str, Any], str, Mapping[str, Any]]]:
    """(group, bucket interval, metric entry) for every cell of an aggregates response."""
    for result in response.get("results") or ():
        group = result.get("group") or {}
        for bucket in result.get("data") or ():
            for metric in bucket.get("metrics") or ():
                yield group, bucket.get("interval") or "", metric


def flatten(response: Mapping[str, Any], partition: str, run_id: str) -> list[dict[str, Any]]:
    """One row per (bucket, group, metric) with the stats Genesys filled (others stay NULL)."""
    synced_at = datetime.now(UTC)
    rows = []
    for group, bucket, metric in cells(response):
        stats = metric.get("stats") or {}
        row = {column: group.get(dimension) for dimension, column in GROUP_COLUMNS.items()}
        row.update(
            partition=partition,
            bucket=bucket,
            metric=metric["metric"],
            count=stats.get("count"),
            sum=stats.get("sum"),
            min=stats.get("min"),
            max=stats.get("max"),
            _run_id=run_id,
            _synced_at=synced_at,
        )
        rows.append(row)
    return rows


def census_counts(response: Mapping[str, Any]) -> dict[str, int]:
    """Distinct conversations per media type in a census response (a session without media type -> "")."""
    seen: set[tuple[str, str]] = set()
    for group, _bucket, _metric in cells(response):
        if group.get("conversationId"):
            seen.add((group.get("mediaType") or "", group["conversationId"]))
    return dict(sorted(Counter(media for media, _conversation in seen).items()))


@dataclass(frozen=True)
class AggregatesLoad:
    partition: str
    rows: int
    replaced: int


def _aggregates_table(engine: Engine, name: str) -> Table:
    ensure_schema(engine, only=[name])  # runs beside load: the data tables are load's
    return warehouse_table(engine, name)


def replace_partition(
    engine: Engine, partition: str, rows: list[dict[str, Any]], table_name: str = AGGREGATES_TABLE
) -> AggregatesLoad:
    """Swap the partition's rows in one transaction, so a rerun never doubles and readers never see a gap.
    ``table_name``: ``conversation_aggregates`` or another per-partition aggregates table (the KPI cells)."""
    table = _aggregates_table(engine, table_name)
    with engine.begin() as conn:
        replaced = conn.execute(delete(table).where(table.c.partition == partition)).rowcount
        if rows:
            conn.execute(insert(table), rows)
    return AggregatesLoad(partition, len(rows), replaced)


def read_partition(engine: Engine, partition: str, table_name: str = AGGREGATES_TABLE) -> list[dict[str, Any]]:
    """The partition's aggregate rows (empty before the first load)."""
    table = _aggregates_table(engine, table_name)
    query = select(table).where(table.c.partition == partition)
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]
