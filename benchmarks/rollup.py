"""The daily DAG's other work, without Airflow: the ``aggregates`` and ``reconcile`` tasks' calls.

The DAG does more than extract and load: it loads Genesys's own roll-up of the day and
reconciles it with the loaded details. To measure what Airflow itself adds, the core run does
the same work through the same library calls as those two operators, into the database the
core's load filled.
"""

from __future__ import annotations

import time
from typing import Any

from genesys_pipeline.report import aggregates, kpi_aggregates
from genesys_pipeline.report.reconcile import reconcile
from genesys_pipeline.warehouse.engine import create_warehouse_engine
from ours import bench_hook


def run_rollup(base_url: str, interval: str, db_url: str) -> dict[str, Any]:
    """Facet, census and half-hour queue-cell queries, both aggregates tables replaced, then reconcile
    (the three counts and every queue cell)."""
    hook = bench_hook(base_url)
    hook.get_token()
    start, end = interval.split("/")
    partition = start[:10]
    engine = create_warehouse_engine(db_url)
    try:
        started = time.perf_counter()
        facets = hook.query_conversation_aggregates(aggregates.facet_query(interval))
        census = aggregates.census_counts(hook.query_conversation_aggregates(aggregates.census_query(interval)))
        cells_started = time.perf_counter()
        queue_cells = hook.query_conversation_aggregates(kpi_aggregates.kpi_query(interval))
        loaded = aggregates.replace_partition(engine, partition, aggregates.flatten(facets, partition, "bench-rollup"))
        cells = kpi_aggregates.replace_cells(
            engine, partition, kpi_aggregates.flatten_cells(queue_cells, partition, "bench-rollup")
        )
        aggregated = time.perf_counter()
        result = reconcile(
            engine,
            start,
            end,
            aggregates.read_partition(engine, partition),
            census,
            kpi_cells=kpi_aggregates.read_cells(engine, partition),
        )
        finished = time.perf_counter()
    finally:
        engine.dispose()
    return {
        "phase": "rollup",
        "seconds": round(finished - started, 3),
        "aggregates_s": round(aggregated - started, 3),
        "reconcile_s": round(finished - aggregated, 3),
        "queue_cells_query_s": round(aggregated - cells_started, 3),  # the queue report's request, stored
        "aggregate_rows": loaded.rows,
        "queue_cells": cells.rows,
        "cells_differing": result.cells.differing if result.cells else None,
        "reconciliation": result.status,
    }
