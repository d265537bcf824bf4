"""``aggregates``: Genesys's own roll-up of the partition into ``conversation_aggregates``, and its
half-hour queue cells into ``queue_interval_aggregates`` (the queue report's side of the proof).

It runs beside the details extraction (it needs only the window), so it costs no wall time on
the critical path; ``reconcile`` then compares its census with the loaded details. The DAG
passes the window and partition as templates, so the task can be cleared and rerun alone.
"""

from __future__ import annotations

import time
from typing import Any

from genesys_cloud.operators.audited import AuditedOperator
from genesys_cloud.warehouse_connection import WAREHOUSE_CONN_ID, warehouse_engine
from genesys_pipeline.report import aggregates, kpi_aggregates


class GenesysAggregatesOperator(AuditedOperator):
    """Runs the facet, census and PT30M queue-cell queries for the partition (three requests) and
    replaces its ``conversation_aggregates`` and ``queue_interval_aggregates`` rows; returns the
    census (small) and the request counts for ``reconcile``.
    ``interval`` (ISO ``start/end``) and ``partition`` are templated; each result field is its own XCom
    too (``multiple_outputs``), so the DAG can pass just the census on."""

    template_fields = (*AuditedOperator.template_fields, "interval", "partition")
    ui_color = "#e8f1fb"

    def __init__(
        self,
        *,
        interval: Any,
        partition: Any,
        genesys_conn_id: str = "genesys_cloud_default",
        warehouse_conn_id: str = WAREHOUSE_CONN_ID,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("multiple_outputs", True)
        super().__init__(**kwargs)
        self.interval = interval
        self.partition = partition
        self.genesys_conn_id = genesys_conn_id
        self.warehouse_conn_id = warehouse_conn_id

    def execute(self, context: Any) -> dict[str, Any]:
        from genesys_cloud.hook import GenesysCloudHook

        started = time.monotonic()
        hook = GenesysCloudHook(genesys_conn_id=self.genesys_conn_id)
        facets = hook.query_conversation_aggregates(aggregates.facet_query(self.interval))
        census = aggregates.census_counts(hook.query_conversation_aggregates(aggregates.census_query(self.interval)))
        queue_cells = hook.query_conversation_aggregates(kpi_aggregates.kpi_query(self.interval))
        rows = aggregates.flatten(facets, self.partition, context["run_id"])
        cells = kpi_aggregates.flatten_cells(queue_cells, self.partition, context["run_id"])
        engine = warehouse_engine(self.warehouse_conn_id)
        try:
            loaded = aggregates.replace_partition(engine, self.partition, rows)
            loaded_cells = kpi_aggregates.replace_cells(engine, self.partition, cells)
        finally:
            engine.dispose()
        self.log.info(
            "Aggregates %s: %d rows (replaced %d), %d half-hour queue cells; conversations by media type %s",
            loaded.partition,
            loaded.rows,
            loaded.replaced,
            loaded_cells.rows,
            census,
        )
        return {
            "partition": loaded.partition,
            "rows": loaded.rows,
            "replaced": loaded.replaced,
            "queue_cells": loaded_cells.rows,
            "census": census,
            "api": hook.stats.as_dict(),
            "seconds": round(time.monotonic() - started, 3),
        }
