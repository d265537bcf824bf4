"""``aggregates`` and ``reconcile``: Genesys's own roll-up of the partition, and whether the loaded details match it.

``aggregates`` runs beside the details extraction (it needs only the window), so it costs no
wall time on the critical path; ``reconcile`` waits for both. A mismatch never fails a task or
deletes data: it marks the attempt ``incomplete`` in the audit row and the webhook, a state
users can alert on. Both read the run's plan, so each can be cleared and rerun alone.
"""
from __future__ import annotations

import time
from typing import Any

from airflow.sdk import BaseOperator

from genesys_cloud.operators.plain_variables import plain_variable
from genesys_cloud.operators.run_context import WAREHOUSE_CONN_ID, run_plan, warehouse_engine
from genesys_pipeline import aggregates
from genesys_pipeline.reconcile import parse_tolerance, reconcile

AGGREGATES_TASK_ID = "aggregates"
RECONCILE_TASK_ID = "reconcile"
TOLERANCE_VARIABLE = "genesys_reconcile_tolerance"


def _plan_or_fail(context: Any) -> dict[str, Any]:
    plan = run_plan(context)
    if not plan:
        raise ValueError("task 'validate_window' has no result for this run: rerun it first")
    return plan


class GenesysAggregatesOperator(BaseOperator):
    """Runs the facet and census aggregate queries for the partition and replaces its
    ``conversation_aggregates`` rows; returns the census (small) for ``reconcile``."""

    ui_color = "#e8f1fb"

    def __init__(
        self, *, genesys_conn_id: str = "genesys_cloud_default", warehouse_conn_id: str = WAREHOUSE_CONN_ID, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.genesys_conn_id = genesys_conn_id
        self.warehouse_conn_id = warehouse_conn_id

    def execute(self, context: Any) -> dict[str, Any]:
        from genesys_cloud.hook import GenesysCloudHook

        started = time.monotonic()
        plan = _plan_or_fail(context)
        hook = GenesysCloudHook(genesys_conn_id=self.genesys_conn_id)
        facets = hook.query_conversation_aggregates(aggregates.facet_query(plan["interval"]))
        census = aggregates.census_counts(hook.query_conversation_aggregates(aggregates.census_query(plan["interval"])))
        rows = aggregates.flatten(facets, plan["partition"], context["run_id"])
        engine = warehouse_engine(self.warehouse_conn_id)
        try:
            loaded = aggregates.replace_partition(engine, plan["partition"], rows)
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
    ``genesys_reconcile_tolerance`` Variable, a fraction, default exact); returns the result."""

    ui_color = "#fbf6e8"

    def __init__(self, *, warehouse_conn_id: str = WAREHOUSE_CONN_ID, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.warehouse_conn_id = warehouse_conn_id

    def execute(self, context: Any) -> dict[str, Any]:
        plan = _plan_or_fail(context)
        summary = context["ti"].xcom_pull(task_ids=AGGREGATES_TASK_ID)
        if not summary:
            raise ValueError(f"task {AGGREGATES_TASK_ID!r} has no result for this run: rerun it first")
        tolerance = parse_tolerance(plain_variable(TOLERANCE_VARIABLE))
        engine = warehouse_engine(self.warehouse_conn_id)
        try:
            result = reconcile(
                engine, plan["interval_start"], plan["interval_end"],
                aggregates.read_partition(engine, plan["partition"]), summary["census"], tolerance,
            )
        finally:
            engine.dispose()
        report = result.as_dict()
        if result.incomplete:
            self.log.warning("Partition %s is INCOMPLETE: details differ from aggregates beyond tolerance %s: %s",
                             plan["partition"], tolerance, report["mismatches"][:10])
        else:
            self.log.info("Partition %s reconciles with the aggregates (%s)", plan["partition"], report["status"])
        return report
