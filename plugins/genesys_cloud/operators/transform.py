"""``normalize`` and ``load``: staged raw pages -> normalized parts on staging -> the warehouse.

Both read the extraction the ``extract`` task named and work from staging only, so each can
be cleared and rerun on its own: a failed load reruns from the normalized parts, with no
Genesys call and no re-normalization.
"""
from __future__ import annotations

import time
from typing import Any

from airflow.sdk import BaseOperator

from genesys_cloud.operators.details_job import staging_root
from genesys_cloud.operators.run_context import (
    EXTRACT_TASK_ID,
    WAREHOUSE_CONN_ID,
    load_settings,
    run_plan,
    warehouse_url,
)
from genesys_pipeline.normalized_staging import iter_normalized, normalize_extraction, read_normalize_result
from genesys_pipeline.pii import PiiConfig
from genesys_pipeline.staging import Manifest, StagingArea
from genesys_pipeline.warehouse import Warehouse


def staged_extraction(context: Any) -> tuple[StagingArea, Manifest]:
    """The staging area and complete manifest of the extraction this run's ``extract`` task produced."""
    extract = context["ti"].xcom_pull(task_ids=EXTRACT_TASK_ID)
    if not extract:
        raise ValueError(f"task {EXTRACT_TASK_ID!r} has no result for this run: rerun it first")
    staging = StagingArea(staging_root(run_plan(context)["staging_root"]))
    manifest = staging.read_manifest(extract["partition"], extract["query_hash"])
    if manifest is None:
        raise FileNotFoundError(
            f"no complete extraction {extract['partition']}/{extract['query_hash']} in staging: rerun {EXTRACT_TASK_ID!r}"
        )
    return staging, manifest


class GenesysNormalizeOperator(BaseOperator):
    """Normalizes the staged pages with the PII config; rows stay on staging, XCom gets counts.

    The PII config is read here rather than from the plan because its salt must stay out of XCom.
    """

    ui_color = "#f3eefa"

    def execute(self, context: Any) -> dict[str, Any]:
        started = time.monotonic()
        staging, manifest = staged_extraction(context)
        pii = PiiConfig.from_json(load_settings().pii_config)
        result = normalize_extraction(staging, manifest, context["run_id"], pii)
        self.log.info(
            "Normalized %d conversations from %d pages (%d rejected, %d duplicates collapsed)",
            result.conversations, result.pages, len(result.rejected), result.duplicates_collapsed,
        )
        return {
            "conversations": result.conversations,
            "rejected": len(result.rejected),
            "duplicates_collapsed": result.duplicates_collapsed,
            "rows": result.rows,
            "drift": result.drift,
            "seconds": round(time.monotonic() - started, 3),
        }


class GenesysLoadOperator(BaseOperator):
    """Merges the normalized parts into the warehouse in one transaction (replace by conversation id)."""

    ui_color = "#eef6ee"

    def __init__(self, *, warehouse_conn_id: str = WAREHOUSE_CONN_ID, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.warehouse_conn_id = warehouse_conn_id

    def execute(self, context: Any) -> dict[str, Any]:
        started = time.monotonic()
        staging, manifest = staged_extraction(context)
        normalized = read_normalize_result(staging, manifest)
        warehouse = Warehouse.from_url(warehouse_url(self.warehouse_conn_id))
        try:
            warehouse.ensure_schema()
            report = warehouse.load_batches(iter_normalized(staging, manifest), context["run_id"])
        finally:
            warehouse.dispose()
        self.log.info("Loaded %d conversations, %d rows", report.conversations_loaded, report.rows_loaded)
        return {
            "conversations_loaded": report.conversations_loaded,
            "conversations_rejected": len(normalized.rejected),
            "conversations_skipped_older": report.conversations_skipped_older,
            "rows_per_table": report.tables,
            "drift": normalized.drift,
            "seconds": round(time.monotonic() - started, 3),
        }
