"""``aggregates`` and ``reconcile``: Genesys's own roll-up of the partition, and whether the loaded details match it.

``aggregates`` runs beside the details extraction (it needs only the window), so it costs no
wall time on the critical path; ``reconcile`` waits for both. A mismatch never fails a task or
deletes data: it marks the attempt ``incomplete`` in the audit row and the webhook, a state
users can alert on. The DAG passes each its inputs (the plan's window and partition, the
census) as templates, so each can be cleared and rerun alone.
"""
from __future__ import annotations

import time
from typing import Any

from airflow.sdk import BaseOperator

from genesys_cloud.operators.run_context import WAREHOUSE_CONN_ID, warehouse_engine
from genesys_pipeline import aggregates
from genesys_pipeline.reconcile import parse_tolerance, reconcile

TOLERANCE_VARIABLE = "genesys_reconcile_tolerance"


class GenesysAggregatesOperator(BaseOperator):
    """Runs the facet and census aggregate queries for the partition and replaces its
    ``conversation_aggregates`` rows; returns the census (small) for ``reconcile``.
    ``interval`` (ISO ``start/end``) and ``partition`` are templated; each result field is its own XCom
    too (``multiple_outputs``), so the DAG can pass just the census on."""

    template_fields = ("interval", "partition")
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
        rows = aggregates.flatten(facets, self.partition, context["run_id"])
        engine = warehouse_engine(self.warehouse_conn_id)
        try:
            loaded = aggregates.replace_partition(engine, self.partition, rows)
        finally:
            engine.dispose()
        self.log.info("Aggregates %s: %d rows (replaced %d); conversations by media type %s",
                      loaded.partition, loaded.rows, loaded.replaced, census)
        return {
            "partition": loaded.partition,
            "rows": loaded.rows,
            "replaced": loaded.replaced,
            "census": census,
            "api": hook.stats.as_dict(),
            "seconds": round(time.monotonic() - started, 3),
        }


class GenesysReconcileOperator(BaseOperator):
    """Compares the warehouse's details with the partition's aggregates (tolerance: the
    ``genesys_reconcile_tolerance`` Variable, a fraction, default exact); returns the result.
    The window, partition and ``census`` (the aggregates task's) are templated."""

    template_fields = ("interval_start", "interval_end", "partition", "census")
    ui_color = "#fbf6e8"

    def __init__(
        self,
        *,
        interval_start: Any,
        interval_end: Any,
        partition: Any,
        census: Any,
        warehouse_conn_id: str = WAREHOUSE_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.interval_start = interval_start
        self.interval_end = interval_end
        self.partition = partition
        self.census = census
        self.warehouse_conn_id = warehouse_conn_id

    def execute(self, context: Any) -> dict[str, Any]:
        from airflow.sdk import Variable

        if self.census is None:
            raise ValueError("no census to reconcile with: rerun the aggregates task first")
        tolerance = parse_tolerance(Variable.get(TOLERANCE_VARIABLE, default=None))
        engine = warehouse_engine(self.warehouse_conn_id)
        try:
            result = reconcile(
                engine, self.interval_start, self.interval_end,
                aggregates.read_partition(engine, self.partition), self.census, tolerance,
            )
        finally:
            engine.dispose()
        report = result.as_dict()
        if result.incomplete:
            self.log.warning("Partition %s is INCOMPLETE: details differ from aggregates beyond tolerance %s: %s",
                             self.partition, tolerance, report["mismatches"][:10])
        else:
            self.log.info("Partition %s reconciles with the aggregates (%s)", self.partition, report["status"])
        return report
