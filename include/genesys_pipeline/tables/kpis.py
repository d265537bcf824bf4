"""Genesys's own half-hour cells for the queue report: the side the KPI views are proven equal to.

One row per (partition, half hour, queue, media type, metric) as the aggregates query at
``PT30M`` grouped by ``queueId`` and ``mediaType`` returns it, every stat Genesys filled
(``count`` always; ``sum``/``min``/``max`` for the ``t*`` durations), replaced per partition
by the ``aggregates`` task. The warehouse's own numbers for the same cells are the view
``v_queue_interval_metrics`` (genesys_pipeline.warehouse.kpi_views).
"""

from __future__ import annotations

from genesys_pipeline.tables.pipeline import AGGREGATE_STAT_COLUMNS
from genesys_pipeline.tables.spec import TEXT, Column, TableSpec

QUEUE_INTERVAL_AGGREGATES = TableSpec(
    "queue_interval_aggregates",
    (
        Column("partition", TEXT, nullable=False),
        Column("interval_start", TEXT, nullable=False),  # ISO-8601 UTC, e.g. 2024-05-01T10:30:00.000Z
        Column("queue_id", TEXT),  # NULL: sessions without a queue (outbound dialing without one)
        Column("media_type", TEXT),
        Column("metric", TEXT, nullable=False),
        *AGGREGATE_STAT_COLUMNS,
    ),
    primary_key=(),
    indexes=("partition",),
)

KPI_TABLES: tuple[TableSpec, ...] = (QUEUE_INTERVAL_AGGREGATES,)
