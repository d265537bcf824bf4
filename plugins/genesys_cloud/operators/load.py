"""``load``: staged raw pages -> normalize -> the warehouse, streamed page by page in one transaction.

It reads the extraction the ``extract`` task returned (passed in by the DAG) and works from staging only, so it can be
cleared and rerun on its own with no Genesys call. Normalizing is part of the load rather than
a task of its own: staging normalized rows between two tasks (write + read back: 134 ms of CPU
per 1,000 conversations) cost more than normalizing the raw page again (112 ms), so a separate
task made every run slower to make a rerun of a failed load no faster (docs/performance.md).
"""
from __future__ import annotations

import time
from typing import Any, Mapping

from airflow.sdk import BaseOperator

from genesys_cloud.operators.details_job import staging_root
from genesys_cloud.variables import load_pii_config, load_settings
from genesys_cloud.warehouse_connection import WAREHOUSE_CONN_ID, warehouse_sqlalchemy_url
from genesys_pipeline.sanitize import database_errors_sanitized
from genesys_pipeline.staging import Manifest, StagingArea
from genesys_pipeline.warehouse import Warehouse


def staged_extraction(extraction: Mapping[str, Any]) -> tuple[StagingArea, Manifest]:
    """The staging area and complete manifest of an extract result (its partition, query hash and staging path)."""
    if not extraction:
        raise ValueError("no extraction to load: rerun the extract task first")
    staging = StagingArea.of_extraction(staging_root(extraction["staging_path"]))
    manifest = staging.read_manifest(extraction["partition"], extraction["query_hash"])
    if manifest is None:
        raise FileNotFoundError(
            f"no complete extraction {extraction['partition']}/{extraction['query_hash']} at {extraction['staging_path']}: "
            "rerun the extract task"
        )
    return staging, manifest


class GenesysLoadOperator(BaseOperator):
    """Normalizes the staged pages (with the PII config) and merges them into the warehouse,
    replacing by conversation id; XCom gets the counts, drift and timings.

    ``extraction`` (templated) is the extract task's result: the single source of what to load.
    The PII config is read here rather than from the plan because its salt must stay out of XCom.
    """

    template_fields = ("extraction",)
    ui_color = "#eef6ee"

    def __init__(self, *, extraction: Any, warehouse_conn_id: str = WAREHOUSE_CONN_ID, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.extraction = extraction
        self.warehouse_conn_id = warehouse_conn_id

    def execute(self, context: Any) -> dict[str, Any]:
        started = time.monotonic()
        staging, manifest = staged_extraction(self.extraction)
        pii = load_pii_config(load_settings())
        warehouse = Warehouse.from_url(warehouse_sqlalchemy_url(self.warehouse_conn_id))
        try:
            with database_errors_sanitized():
                warehouse.ensure_schema()
                report = warehouse.load_extraction(staging, manifest, context["run_id"], pii)
        finally:
            warehouse.dispose()
        self.log.info(
            "Loaded %d conversations, %d rows from %d pages (%d rejected, %d duplicates collapsed, %d skipped as older)",
            report.conversations_loaded, report.rows_loaded, report.batches, report.conversations_rejected,
            report.duplicates_collapsed, report.conversations_skipped_older,
        )
        return {
            "conversations_loaded": report.conversations_loaded,
            "conversations_rejected": report.conversations_rejected,
            "conversations_skipped_older": report.conversations_skipped_older,
            "duplicates_collapsed": report.duplicates_collapsed,
            "rows_per_table": report.tables,
            "drift": report.drift,
            "rejects_path": report.rejects_path,
            "timings": report.timings,
            "seconds": round(time.monotonic() - started, 3),
        }
