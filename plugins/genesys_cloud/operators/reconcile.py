"""``reconcile``: do the loaded details add up to Genesys's own aggregates of the partition?

A mismatch never fails the task or deletes data: it marks the attempt ``incomplete`` in the
audit row and the webhook, a state users can alert on. The DAG passes the window, partition
and the ``aggregates`` task's census as templates, so the task can be cleared and rerun alone.
"""

from __future__ import annotations

from typing import Any

from genesys_cloud.operators.audited import AuditedOperator
from genesys_cloud.variables import plain_variable
from genesys_cloud.warehouse_connection import WAREHOUSE_CONN_ID, warehouse_engine
from genesys_pipeline.report import aggregates, kpi_aggregates
from genesys_pipeline.report.reconcile import parse_tolerance, reconcile

TOLERANCE_VARIABLE = "genesys_reconcile_tolerance"


class GenesysReconcileOperator(AuditedOperator):
    """Compares the warehouse's details with the partition's aggregates (tolerance: the
    ``genesys_reconcile_tolerance`` Variable, a fraction, default exact); returns the result.
    The window, partition, ``census`` and ``aggregates_api`` (the aggregates task's) are templated; the
    half-hour queue cells are compared one by one (``report["cells"]``)."""

    template_fields = (
        *AuditedOperator.template_fields,
        "interval_start",
        "interval_end",
        "partition",
        "census",
        "aggregates_api",
    )
    ui_color = "#fbf6e8"

    def __init__(
        self,
        *,
        interval_start: Any,
        interval_end: Any,
        partition: Any,
        census: Any,
        aggregates_api: Any = None,
        warehouse_conn_id: str = WAREHOUSE_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.interval_start = interval_start
        self.interval_end = interval_end
        self.partition = partition
        self.census = census
        self.aggregates_api = aggregates_api  # the aggregates task's request counts, kept in the audit row
        self.warehouse_conn_id = warehouse_conn_id

    def execute(self, context: Any) -> dict[str, Any]:
        if self.census is None:
            raise ValueError("no census to reconcile with: rerun the aggregates task first")
        tolerance = parse_tolerance(plain_variable(TOLERANCE_VARIABLE))
        engine = warehouse_engine(self.warehouse_conn_id)
        try:
            result = reconcile(
                engine,
                self.interval_start,
                self.interval_end,
                aggregates.read_partition(engine, self.partition),
                self.census,
                tolerance,
                kpi_cells=kpi_aggregates.read_cells(engine, self.partition),
            )
        finally:
            engine.dispose()
        report = result.as_dict()
        if isinstance(self.aggregates_api, dict):
            report["aggregates_requests"] = self.aggregates_api.get("requests")
        if result.incomplete:
            self.log.warning(
                "Partition %s is INCOMPLETE: details differ from aggregates beyond tolerance %s: %s; "
                "half-hour cells differing: %s",
                self.partition,
                tolerance,
                report["mismatches"][:10],
                (report.get("cells") or {}).get("cells_differing"),
            )
        else:
            self.log.info("Partition %s reconciles with the aggregates (%s)", self.partition, report["status"])
        return report
