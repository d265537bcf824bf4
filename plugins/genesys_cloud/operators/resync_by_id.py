"""``resync``: the named conversations multi-got, staged and merged through the load path.

The fetch is the open-conversation follow-up's (same client: rate budget, retries, pacing;
``genesys_open_followup_batch`` ids a request), staged as an extraction of its own
(``genesys_pipeline.staging.by_id``), and the merge is every load's
(``Warehouse.load_extraction``): content hash (an unchanged record is not rewritten), never older
(a fresher copy already loaded wins), per-day locks, one transaction, the stored participant
attributes kept (the multi-get serves none). No erasure: an id Genesys
does not return is reported by name and kept. Fetch and merge are one task because the staged
extraction is small (at most 1,000 conversations) and a retry should re-read Genesys anyway: the
point of a by-id run is the record as it is now.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from genesys_cloud.hook import GenesysCloudHook
from genesys_cloud.operators.audited import AuditedOperator
from genesys_cloud.staging import staging_root
from genesys_cloud.variables import load_pii_config, load_settings
from genesys_cloud.warehouse_connection import WAREHOUSE_CONN_ID, open_warehouse
from genesys_pipeline.report.sanitize import database_errors_sanitized
from genesys_pipeline.staging.area import StagingArea
from genesys_pipeline.staging.by_id import fetch_and_stage_by_id


class GenesysResyncByIdOperator(AuditedOperator):
    """Re-reads ``conversation_ids`` (templated: ``validate_ids``'s checked list) ``batch_size`` at a time and
    merges what comes back within ``retention_days``. Returns one dict that serves the audit row as its
    extraction (``records``, ``pages``, ``api``), load (``conversations_*``, ``rows_per_table``) and resync
    (``requested``, ``returned``, ``not_found``, ``not_found_ids``, ``outside_retention``) inputs."""

    template_fields = (
        *AuditedOperator.template_fields,
        "conversation_ids",
        "batch_size",
        "staging_root",
        "retention_days",
    )
    ui_color = "#eef6ee"

    def __init__(
        self,
        *,
        conversation_ids: Any,
        batch_size: Any,
        staging_root: Any,
        retention_days: Any,
        genesys_conn_id: str = GenesysCloudHook.default_conn_name,
        warehouse_conn_id: str = WAREHOUSE_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.genesys_conn_id, self.warehouse_conn_id = genesys_conn_id, warehouse_conn_id
        self.conversation_ids = conversation_ids  # validate_ids checked them: UUIDs, no duplicates, within the cap
        self.batch_size = batch_size
        self.staging_root = staging_root
        self.retention_days = retention_days

    def execute(self, context: Any) -> dict[str, Any]:
        started = time.monotonic()
        staging = StagingArea(staging_root(self.staging_root))
        oldest = datetime.now(UTC) - timedelta(days=int(self.retention_days))
        genesys = GenesysCloudHook(genesys_conn_id=self.genesys_conn_id)  # one client: budget, retries, pacing
        manifest, summary = fetch_and_stage_by_id(
            list(self.conversation_ids), int(self.batch_size), genesys.get_conversations_by_id, staging, oldest
        )
        fetched_s = time.monotonic() - started
        warehouse = open_warehouse(self.warehouse_conn_id)
        try:  # the tables exist: validate_ids prepared them for this run
            with database_errors_sanitized():
                report = warehouse.load_extraction(
                    staging, manifest, context["run_id"], load_pii_config(load_settings())
                )
        finally:
            warehouse.dispose()
        self.log.info(
            "Re-synced by id: %d asked in %d requests, %d returned (%d outside the %s-day retention, not merged), "
            "%d rewritten, %d unchanged, %d kept as a fresher copy; %d not found (kept, never deleted)%s",
            summary.requested,
            summary.requests,
            summary.returned,
            summary.outside_retention,
            self.retention_days,
            report.conversations_new + report.conversations_changed,
            report.conversations_unchanged,
            report.conversations_skipped_older,
            summary.not_found,
            f": {', '.join(summary.not_found_ids)}" if summary.not_found_ids else "",
        )
        return {
            **summary.as_dict(),
            "partition": manifest.partition,
            "query_hash": manifest.query_hash,
            "pages": manifest.page_count,
            "records": manifest.record_count,
            "api": genesys.stats.as_dict(),
            "conversations_loaded": report.conversations_loaded,
            "conversations_new": report.conversations_new,
            "conversations_changed": report.conversations_changed,
            "conversations_unchanged": report.conversations_unchanged,
            "conversations_rejected": report.conversations_rejected,
            "conversations_skipped_older": report.conversations_skipped_older,
            "rows_per_table": report.tables,
            "drift": report.drift,
            "rejects_path": report.rejects_path,
            # no top-level "seconds": this one task is the audit row's extraction and load both
            "timings": {
                **report.timings,
                "fetch_s": round(fetched_s, 4),
                "task_s": round(time.monotonic() - started, 4),
            },
        }
